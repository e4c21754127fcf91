// A login page where the JWKS should be, as a misrouted proxy would answer.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
serveJwks('<html><body>Sign in</body></html>')
true

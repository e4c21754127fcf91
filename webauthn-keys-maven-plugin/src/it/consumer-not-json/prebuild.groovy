body = '<html><body>Sign in</body></html>'
evaluate(new File(basedir, '../../../src/it/serve-jwks.groovy'))

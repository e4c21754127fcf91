// A server that publishes its private ring instead of the public JWKS.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
serveJwks(new File(itSources, 'keys/ring.json').text)
true

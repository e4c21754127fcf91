evaluate(new File(basedir, '../../../src/it/common.groovy'))
serveJwks(new File(itSources, 'keys/jwks.json').text)
true

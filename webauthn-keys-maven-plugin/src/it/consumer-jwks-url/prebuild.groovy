body = new File(basedir, 'published-jwks.json').text
evaluate(new File(basedir, '../../../src/it/serve-jwks.groovy'))

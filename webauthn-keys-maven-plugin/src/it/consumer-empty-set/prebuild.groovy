evaluate(new File(basedir, '../../../src/it/common.groovy'))
serveJwks('{"keys": []}')
true

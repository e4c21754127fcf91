body = '{"keys": []}'
evaluate(new File(basedir, '../../../src/it/serve-jwks.groovy'))

evaluate(new File(basedir, '../../../src/it/common.groovy'))
file('downloads').mkdirs()
file('downloads/auth-jwks.json').bytes = new File(itSources, 'keys/jwks.json').bytes
true

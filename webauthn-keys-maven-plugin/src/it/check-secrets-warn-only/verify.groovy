evaluate(new File(basedir, '../../../src/it/secret-problems-expected.groovy'))
assertLog('[WARNING] check-secrets found 8 problems:')
assertLog('(webauthn.secrets.warnOnly is true, so the build goes on.)')
true

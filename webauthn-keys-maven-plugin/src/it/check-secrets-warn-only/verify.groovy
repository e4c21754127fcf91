// The same findings, logged as one warning; the build goes on.
evaluate(new File(basedir, '../../../src/it/secret-problems.groovy'))
def first = "[WARNING] check-secrets found ${secretFindings.size()} problems:".toString()
assert linesAfter(first, secretFindings.size() + 1) ==
        secretFindings.collect { "  - ${it}".toString() } + '(webauthn.secrets.warnOnly is true, so the build goes on.)'
assertLine('[INFO] BUILD SUCCESS')
true

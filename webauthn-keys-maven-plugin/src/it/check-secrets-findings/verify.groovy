// One failure lists every finding.
evaluate(new File(basedir, '../../../src/it/secret-problems.groovy'))
assert failureMessage('check-secrets') == (["check-secrets found ${secretFindings.size()} problems:"] +
        secretFindings.collect { "  - ${it}" }).join('\n')
true

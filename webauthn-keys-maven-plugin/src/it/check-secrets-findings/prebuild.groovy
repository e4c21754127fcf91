evaluate(new File(basedir, '../../../src/it/secret-problems.groovy'))
createSecretProblems()
true

evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert jwksProblem() == 'the key set is empty.'
true

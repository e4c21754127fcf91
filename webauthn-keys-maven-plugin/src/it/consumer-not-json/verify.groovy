evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert jwksProblem().startsWith('the response is not JSON (')
true

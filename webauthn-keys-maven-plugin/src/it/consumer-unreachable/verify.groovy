evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert jwksProblem() == 'the server is unreachable (connection refused; is it running?).'
true

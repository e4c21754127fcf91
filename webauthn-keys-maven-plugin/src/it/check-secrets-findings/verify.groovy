evaluate(new File(basedir, '../../../src/it/secret-problems-expected.groovy'))
assertLog('[ERROR]')
true

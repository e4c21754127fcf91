evaluate(new File(basedir, '../../../src/it/common.groovy'))
git('init', '-q')
true

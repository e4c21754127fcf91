evaluate(new File(basedir, '../../../src/it/common.groovy'))
seedRing()
true

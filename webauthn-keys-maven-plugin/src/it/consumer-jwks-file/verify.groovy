evaluate(new File(basedir, '../../../src/it/consumer-exported.groovy'))
true

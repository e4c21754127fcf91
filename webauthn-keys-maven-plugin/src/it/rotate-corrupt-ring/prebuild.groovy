evaluate(new File(basedir, '../../../src/it/seed-ring.groovy'))

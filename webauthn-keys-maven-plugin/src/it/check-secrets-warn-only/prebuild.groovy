evaluate(new File(basedir, '../../../src/it/secret-problems-setup.groovy'))

// An empty project in a git repository of its own (the cloned case lives inside the kit's repository, under target/).
evaluate(new File(basedir, '../../../src/it/common.groovy'))
git('init', '-q')
true

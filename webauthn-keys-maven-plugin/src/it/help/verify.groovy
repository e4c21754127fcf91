// -Dgoal=rotate shows that goal alone, with all its parameters.
evaluate(new File(basedir, '../../../src/it/help-expected.groovy'))
def secondRun = logLines().drop(context.get('linesOfFirstRun'))
assert helpSections(secondRun) == [rotate: expectedProperties.rotate as Set]
true

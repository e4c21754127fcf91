// The full help: every goal, each with the user property of every parameter it has.
evaluate(new File(basedir, '../../../src/it/help-expected.groovy'))
def sections = helpSections(logLines())
assert sections.keySet() == expectedProperties.keySet() + 'help'
expectedProperties.each { goal, properties ->
    assert sections[goal] == properties as Set: "help for ${goal}"
}
context.put('linesOfFirstRun', logLines().size())
true

evaluate(new File(basedir, '../../../src/it/common.groovy'))
def message = failureMessage('rotate')
assert message.startsWith("Key ring ${absolute(ringPath)} is not valid JSON (")
assert message.endsWith('). The file was left untouched; restore it from a backup, or move it away and run' +
        " 'mvn webauthn-keys:rotate' to start a new ring.")
assert Arrays.equals(file(ringPath).bytes, context.get('corrupt')): 'the corrupt ring was modified'
assert !file('config').exists()
true

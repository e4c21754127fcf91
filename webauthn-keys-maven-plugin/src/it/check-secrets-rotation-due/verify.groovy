// Nothing but the key's age is wrong: one finding, which names the key, its creation, the interval and the fix.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert failureMessage('check-secrets') == "check-secrets found 1 problem:\n  - ${ringPath}: the signing key ${keyA}" +
        " was created 2025-01-01T00:00:00Z, more than webauthn.keys.rotationInterval (90d) ago. Run" +
        " 'mvn webauthn-keys:rotate' to stage the next key."
true

evaluate(new File(basedir, '../../../src/it/common.groovy'))
assertLog("Cannot revoke key '20200101-doesnotexist0': the ring holds no such key")
assertLog('Nothing was changed.')
assert new File(basedir, 'docker/secrets/jwt_signing_keys.json').bytes == new File(basedir, 'seed-ring.json').bytes
assert !new File(basedir, 'config/webauthn-jwks.json').exists()
true

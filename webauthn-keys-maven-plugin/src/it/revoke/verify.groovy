evaluate(new File(basedir, '../../../src/it/common.groovy'))
def revoked = '20261124-9Z8V8EsOsRGlnLd0'
def ring = json('docker/secrets/jwt_signing_keys.json')
assert !ring.keys*.kid.contains(revoked): 'the revoked key is still in the ring'
assert !json('config/webauthn-jwks.json').keys*.kid.contains(revoked): 'the revoked key is still published'
def seed = json('seed-ring.json')
assert ring.keys.size() == seed.keys.size(): 'revocation replaces exactly one key'
def newest = ring.keys.max { it.iat }
assert newest.nbf <= System.currentTimeMillis() / 1000 + 1: 'the replacement key does not sign immediately'
assertLog("Revoked key ${revoked}")
assertLog("new ES256 key ${newest.kid} signs now.")
true

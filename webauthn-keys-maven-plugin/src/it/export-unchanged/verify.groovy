// The second invocation finds the exports current and leaves them alone (KeyExportsTest checks bytes and mtime).
evaluate(new File(basedir, '../../../src/it/common.groovy'))
def ring = json('docker/secrets/jwt_signing_keys.json')
def key = ring.keys[0]
def pem = new File(basedir, 'config/webauthn-public-key.pem')
def jwks = new File(basedir, 'config/webauthn-jwks.json')
assertLog("Unchanged: public key ${pem.canonicalPath} (${key.kid})")
assertLog("Unchanged: JWKS ${jwks.canonicalPath} (${key.kid})")
assert Arrays.equals(pemDer('config/webauthn-public-key.pem'), rsaDer(key))
openssl('config/webauthn-public-key.pem')
noPrivateMembers(json('config/webauthn-jwks.json'))
assert new File(basedir, 'config/webauthn-jwks.json').text.contains('"use": "sig"')
true

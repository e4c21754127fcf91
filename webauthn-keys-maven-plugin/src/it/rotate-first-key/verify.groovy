evaluate(new File(basedir, '../../../src/it/common.groovy'))
def ring = json('docker/secrets/jwt_signing_keys.json')
assert ring.keys.size() == 1
def key = ring.keys[0]
assert key.kty == 'RSA' && key.alg == 'RS256' && key.use == 'sig' && key.d && key.nbf && key.iat && !key.exp
assert Base64.urlDecoder.decode(key.n).length == 256: 'not a 2048-bit modulus'
assert mode('docker/secrets/jwt_signing_keys.json') == 'rw-------'
assert mode('docker/secrets') == 'rwx------'
assert new File(basedir, 'docker/secrets/.gitignore').text.readLines().contains('*')
assertLog("new RS256 key ${key.kid} signs now.")
assertLog('so the secrets stay out of git.')
assert Arrays.equals(pemDer('config/webauthn-public-key.pem'), rsaDer(key))
openssl('config/webauthn-public-key.pem')
assert json('config/webauthn-jwks.json').keys*.kid == [key.kid]
true

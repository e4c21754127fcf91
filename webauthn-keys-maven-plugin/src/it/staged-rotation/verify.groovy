evaluate(new File(basedir, '../../../src/it/common.groovy'))
def keys = json('docker/secrets/jwt_signing_keys.json').keys.sort { it.nbf }
assert keys.size() == 2
def (old, next) = keys
assert next.nbf - next.iat == 3600: 'the next key must sign publishAhead (1h) after it is published'
assert old.exp == next.nbf + 15 * 60 + 60: 'old exp = nbf(new) + tokenTtl (15m) + clock skew (60s)'
assert next.exp == null
def jwks = json('config/webauthn-jwks.json')
assert jwks.keys*.kid.toSet() == [old.kid, next.kid].toSet(): 'both keys are published'
noPrivateMembers(jwks)
assertLog("is published now and signs from")
// The PEM still holds the old key: it signs until the next key's nbf.
def big = { String s -> new BigInteger(1, Base64.urlDecoder.decode(s)) }
def params = java.security.AlgorithmParameters.getInstance('EC')
params.init(new java.security.spec.ECGenParameterSpec('secp256r1'))
def spec = params.getParameterSpec(java.security.spec.ECParameterSpec)
def oldKey = java.security.KeyFactory.getInstance('EC').generatePublic(new java.security.spec.ECPublicKeySpec(
        new java.security.spec.ECPoint(big(old.x), big(old.y)), spec))
assert Arrays.equals(pemDer('config/webauthn-public-key.pem'), oldKey.encoded): 'the PEM must still be the old key'
true

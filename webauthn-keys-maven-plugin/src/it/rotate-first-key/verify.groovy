// rotate on a project with no ring: the first key, RS256 with a 2048-bit modulus, signs at once; both exports follow.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
def keys = json(ringPath).keys
assert keys.size() == 1
def key = keys[0]
assert key.kty == 'RSA' && key.alg == 'RS256' && key.use == 'sig' && key.d
assert new BigInteger(1, Base64.urlDecoder.decode(key.n)).bitLength() == 2048
assert key.iat == key.nbf && key.nbf <= nowSeconds() && key.exp == null
assert mode(ringPath) == 'rw-------'
assert mode('docker/secrets') == 'rwx------'
assert file('docker/secrets/.gitignore').readLines().containsAll(['*', '!.gitignore'])
assertLine("[INFO] Wrote ${absolute('docker/secrets/.gitignore')} so the secrets stay out of git.")
assertLine("[INFO] Wrote ${absolute(ringPath)}: new RS256 key ${key.kid} signs now.")
assertLine("[INFO] Wrote public key ${absolute(pemPath)} (${key.kid})")
assertLine("[INFO] Wrote JWKS ${absolute(jwksPath)} (${key.kid})")
assertPemIs(pemPath, key)
def jwks = json(jwksPath)
assert jwks.keys*.kid == [key.kid]
assertPublicJwks(jwks)
true

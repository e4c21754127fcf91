evaluate(new File(basedir, '../../../src/it/common.groovy'))
def keys = json(ringPath).keys
assert keys*.kid.unique().size() == 2
def (old, next) = keys.sort { it.nbf }
assert old.nbf <= nowSeconds() && next.nbf == next.iat + 3600: 'the next key signs publishAhead (1h) after it is published'
assert old.exp == next.nbf + 15 * 60 + 60: 'old exp = nbf(next) + tokenTtl (15m) + clockSkew (60s)'
assert next.exp == null
assertLine("[INFO] Wrote ${absolute(ringPath)}: new ES256 key ${old.kid} signs now.")
assertLine("[INFO] Wrote ${absolute(ringPath)}: new ES256 key ${next.kid} is published now and signs from " +
        "${java.time.Instant.ofEpochSecond(next.nbf)}.")
// Verifiers learn the next key now, but the old key keeps signing until the next key's nbf.
def jwks = json(jwksPath)
assert jwks.keys*.kid == [old.kid, next.kid]
assert jwks.keys*.exp == [old.exp, null]
assertPublicJwks(jwks)
assertPemIs(pemPath, old)
assertLine("[INFO] Unchanged: public key ${absolute(pemPath)} (${old.kid})")
assertLine("[INFO] Wrote JWKS ${absolute(jwksPath)} (${old.kid}, ${next.kid})")
true

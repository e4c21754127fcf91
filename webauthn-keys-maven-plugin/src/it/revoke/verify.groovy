// A is gone from the ring and the JWKS at once; a new key signs immediately; B (published ahead) stays.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
def ring = json(ringPath).keys
assert !ring*.kid.contains(keyA): 'the revoked key is still in the ring'
def added = ring.find { it.kid != keyB }
assert ring*.kid == [added.kid, keyB]
assert added.alg == 'ES256' && added.nbf <= nowSeconds(): 'the new key does not sign now'
assert mode(ringPath) == 'rw-------'
def jwks = json(jwksPath)
assert jwks.keys*.kid == [added.kid, keyB]: 'the revoked key is still published'
assertPublicJwks(jwks)
assertPemIs(pemPath, added)
assertLine("[WARNING] Revoked key ${keyA}: removed from ${absolute(ringPath)}; tokens it signed fail as soon as " +
        'verifiers refresh their JWKS.')
assertLine("[INFO] Wrote ${absolute(ringPath)}: new ES256 key ${added.kid} signs now.")
true

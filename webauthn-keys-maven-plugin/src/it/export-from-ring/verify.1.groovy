// After the first run: the PEM is the key that signs now (A), the JWKS holds A and B (published ahead), public only.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
def ring = json(ringPath)
assertLine("[INFO] Wrote public key ${absolute(pemPath)} (${keyA})")
assertLine("[INFO] Wrote JWKS ${absolute(jwksPath)} (${keyA}, ${keyB})")
assertPemIs(pemPath, ring.keys.find { it.kid == keyA })
def jwks = json(jwksPath)
assert jwks.keys*.kid == [keyA, keyB]
assertPublicJwks(jwks)
assert mode(pemPath) == 'rw-r--r--' && mode(jwksPath) == 'rw-r--r--'
// For the second run: remember the bytes and move the mtimes far back, so a rewrite cannot go unnoticed.
[pemPath, jwksPath].each {
    context.put(it, file(it).bytes)
    backdate(it)
}
true

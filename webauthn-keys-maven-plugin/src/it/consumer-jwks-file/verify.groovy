evaluate(new File(basedir, '../../../src/it/common.groovy'))
def source = absolute('downloads/auth-jwks.json')
assertLine("[INFO] Wrote public key ${absolute(pemPath)} (${keyA}) from ${source}")
assertLine("[INFO] Wrote JWKS ${absolute(jwksPath)} (${keyA}, ${keyB}) from ${source}")
assertPemIs(pemPath, json('downloads/auth-jwks.json').keys.find { it.kid == keyA })
assert json(jwksPath) == json('downloads/auth-jwks.json')
assertPublicJwks(json(jwksPath))
assert !file('docker').exists(): 'a consuming project gets no ring'
true

// The PEM is the key that signs now (A, not B which starts in 2126); the JWKS is the validated one, both keys.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
stopJwksServer()
def published = new groovy.json.JsonSlurper().parse(new File(itSources, 'keys/jwks.json'))
assertLine("[INFO] Wrote public key ${absolute(pemPath)} (${keyA}) from ${jwksUrl()}")
assertLine("[INFO] Wrote JWKS ${absolute(jwksPath)} (${keyA}, ${keyB}) from ${jwksUrl()}")
assertLine("[INFO] Unchanged: JWKS ${absolute(jwksPath)} (${keyA}, ${keyB}) from ${jwksUrl()}")
assertPemIs(pemPath, published.keys.find { it.kid == keyA })
assert json(jwksPath) == published
assert !file('docker').exists(): 'a consuming project gets no ring'
true

// exportPublicKey=false holds for a server's keys too: the JWKS is written, the PEM is not.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
stopJwksServer()
assertLine('[INFO] export-key wrote no PEM: webauthn.keys.exportPublicKey is false.')
assertLine("[INFO] Wrote JWKS ${absolute(jwksPath)} (${keyA}, ${keyB}) from ${jwksUrl()}")
assert json(jwksPath) == new groovy.json.JsonSlurper().parse(new File(itSources, 'keys/jwks.json'))
assert !file(pemPath).exists(): "${pemPath} was written although webauthn.keys.exportPublicKey is false"
true

evaluate(new File(basedir, '../../../src/it/common.groovy'))
assertLog("Algorithm 'HS256' is refused: HMAC algorithms share one secret between the signer and every verifier, so any verifier could forge tokens.")
assert !new File(basedir, 'docker/secrets/jwt_signing_keys.json').exists(): 'a refused rotation wrote a ring'
true

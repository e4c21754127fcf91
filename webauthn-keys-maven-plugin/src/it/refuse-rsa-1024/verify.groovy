evaluate(new File(basedir, '../../../src/it/common.groovy'))
assertLog("webauthn.keys.rsaBits=1024 is refused: RSA keys must have at least 2048 bits.")
assert !new File(basedir, 'docker/secrets/jwt_signing_keys.json').exists(): 'a refused rotation wrote a ring'
true

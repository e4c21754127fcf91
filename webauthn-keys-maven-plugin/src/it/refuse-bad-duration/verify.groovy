evaluate(new File(basedir, '../../../src/it/common.groovy'))
assertLog("Invalid duration for webauthn.keys.publishAhead: 'soon'.")
assert !new File(basedir, 'docker/secrets/jwt_signing_keys.json').exists(): 'a refused rotation wrote a ring'
true

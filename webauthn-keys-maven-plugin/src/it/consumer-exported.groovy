// Verify part of the consumer cases: the PEM of the key that signs now and the validated JWKS were written.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
evaluate(new File(basedir, '../../../src/it/stop-jwks.groovy'))
def published = json('published-jwks.json')
def current = published.keys.findAll { it.nbf <= System.currentTimeMillis() / 1000 }.max { it.nbf }
assert !new File(basedir, 'docker').exists(): 'a consumer project gets no ring'
openssl('config/webauthn-public-key.pem')
assert json('config/webauthn-jwks.json').keys*.kid == published.keys*.kid
noPrivateMembers(json('config/webauthn-jwks.json'))
assertLog("(${current.kid}) from ")


evaluate(new File(basedir, '../../../src/it/common.groovy'))
def kids = []
['a', 'b', 'c', 'd'].each { m ->
    def ring = json("auth-${m}/docker/secrets/jwt_signing_keys.json")
    assert ring.keys.size() == 1: "auth-${m} has ${ring.keys.size()} keys"
    assert mode("auth-${m}/docker/secrets/jwt_signing_keys.json") == 'rw-------'
    assert json("auth-${m}/config/webauthn-jwks.json").keys*.kid == [ring.keys[0].kid]
    assert Arrays.equals(pemDer("auth-${m}/config/webauthn-public-key.pem"), rsaDer(ring.keys[0]))
    kids << ring.keys[0].kid
}
assert kids.unique(false).size() == 4: 'each module has its own key'
assertLog('Using the MultiThreadedBuilder implementation with a thread count of 3')
assert !buildLog().contains('[ERROR]')
true

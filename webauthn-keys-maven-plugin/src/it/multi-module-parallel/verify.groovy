// Four modules built three at a time, each binding all four build goals: every module gets its own secrets and key.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
def modules = ['auth-a', 'auth-b', 'auth-c', 'auth-d']
def kids = modules.collect { module ->
    def keys = json("${module}/${ringPath}").keys
    assert keys.size() == 1: "${module} has ${keys.size()} keys"
    ['postgres_password', 'redis_password', 'jwt_signing_keys.json'].each {
        assert mode("${module}/docker/secrets/${it}") == 'rw-------'
    }
    assertPemIs("${module}/${pemPath}", keys[0])
    assert json("${module}/${jwksPath}").keys*.kid == [keys[0].kid]
    keys[0].kid
}
assert kids.unique(false).size() == modules.size(): 'each module has its own key'
assertLine('[INFO] Using the MultiThreadedBuilder implementation with a thread count of 3')
assert logLines().count { it.startsWith('[INFO] Secrets OK: ') } == modules.size()
assert logLines().count { it.startsWith('[INFO] Unchanged: public key ') } == modules.size()
assert logLines().count { it.startsWith('[INFO] Unchanged: JWKS ') } == modules.size()
assert !logLines().any { it.startsWith('[ERROR]') || it.startsWith('[WARNING]') }
assertLine('[INFO] BUILD SUCCESS')
true

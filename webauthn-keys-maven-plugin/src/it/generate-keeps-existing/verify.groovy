evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert new File(basedir, 'docker/secrets/redis_password').text == new File(basedir, 'existing-redis-password').text
['postgres_password', 'jwt_signing_keys.json'].each { assert mode("docker/secrets/${it}") == 'rw-------' }
assertLog('All secrets present in docker/secrets; nothing created.')
true

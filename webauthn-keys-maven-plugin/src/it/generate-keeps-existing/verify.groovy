evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert file('docker/secrets/redis_password').text == 'KeepMeKeepMeKeepMe0123456789abcdefghijKL'
assertBackdated('docker/secrets/redis_password')
def kid = json(ringPath).keys[0].kid
assertLine("[INFO] Created docker/secrets/.gitignore, docker/secrets/postgres_password, ${ringPath} (secrets 0600);" +
        " first signing key ${kid}.")
assertLine('[INFO] All secrets present in docker/secrets; nothing created.')
['postgres_password', 'redis_password', 'jwt_signing_keys.json'].each {
    assert mode("docker/secrets/${it}") == 'rw-------': "${it} is not 0600"
}
assert file('docker/secrets/postgres_password').text ==~ /[A-Za-z0-9]{32,}/
true

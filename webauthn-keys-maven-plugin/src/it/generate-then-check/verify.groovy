evaluate(new File(basedir, '../../../src/it/common.groovy'))
['postgres_password', 'redis_password', 'jwt_signing_keys.json'].each {
    assert mode("docker/secrets/${it}") == 'rw-------': "${it} is not 0600"
}
['postgres_password', 'redis_password'].each {
    def password = new File(basedir, "docker/secrets/${it}").text
    assert password.length() >= 32 && password ==~ /[A-Za-z0-9]+/
}
assert new File(basedir, 'docker/secrets/postgres_password').text != new File(basedir, 'docker/secrets/redis_password').text
def key = json('docker/secrets/jwt_signing_keys.json').keys[0]
assertLog('Created docker/secrets/.gitignore, docker/secrets/postgres_password, docker/secrets/redis_password, docker/secrets/jwt_signing_keys.json (secrets 0600); first signing key ' + key.kid + '.')
assertLog('Secrets OK: 2 password files and the key ring in docker/secrets are present, strong, 0600 and git-ignored; public exports match the ring.')
assert Arrays.equals(pemDer('config/webauthn-public-key.pem'), rsaDer(key))
true

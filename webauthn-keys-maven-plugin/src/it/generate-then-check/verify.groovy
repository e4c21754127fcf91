evaluate(new File(basedir, '../../../src/it/common.groovy'))
def secrets = ['docker/secrets/postgres_password', 'docker/secrets/redis_password', ringPath]
secrets.each { assert mode(it) == 'rw-------': "${it} is not 0600" }
def passwords = secrets.take(2).collect { file(it).text }
passwords.each { assert it ==~ /[A-Za-z0-9]{32,}/ }
assert passwords[0] != passwords[1]
def keys = json(ringPath).keys
assert keys.size() == 1 && keys[0].alg == 'RS256'
assertLine("[INFO] Created docker/secrets/.gitignore, docker/secrets/postgres_password, docker/secrets/redis_password," +
        " ${ringPath} (secrets 0600); first signing key ${keys[0].kid}.")
assertLine('[INFO] Secrets OK: 2 password files and the key ring in docker/secrets are present, strong, 0600 and' +
        ' git-ignored; public exports match the ring.')
assertPemIs(pemPath, keys[0])
assert json(jwksPath).keys*.kid == [keys[0].kid]
true

evaluate(new File(basedir, '../../../src/it/common.groovy'))
def secrets = new File(basedir, 'docker/secrets')
secrets.mkdirs()
new File(secrets, 'jwt_signing_keys.json').bytes = new File(basedir, 'seed-ring.json').bytes
chmod('docker/secrets/jwt_signing_keys.json', 'rw-------')
true

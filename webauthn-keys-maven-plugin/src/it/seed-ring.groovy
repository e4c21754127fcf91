// Prebuild of the cases that start from an existing ring: copies the case's seed-ring.json into place, 0600.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
new File(basedir, 'docker/secrets').mkdirs()
new File(basedir, 'docker/secrets/jwt_signing_keys.json').bytes = new File(basedir, 'seed-ring.json').bytes
chmod('docker/secrets/jwt_signing_keys.json', 'rw-------')
true

evaluate(new File(basedir, '../../../src/it/common.groovy'))
new File(basedir, 'docker/secrets').mkdirs()
new File(basedir, 'docker/secrets/redis_password').bytes = new File(basedir, 'existing-redis-password').bytes
chmod('docker/secrets/redis_password', 'rw-------')
true

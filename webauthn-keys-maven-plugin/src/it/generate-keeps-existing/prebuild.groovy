// One password exists already, with known content and an old mtime.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
file('docker/secrets').mkdirs()
file('docker/secrets/redis_password').text = 'KeepMeKeepMeKeepMe0123456789abcdefghijKL'
chmod('docker/secrets/redis_password', 'rw-------')
backdate('docker/secrets/redis_password')
true

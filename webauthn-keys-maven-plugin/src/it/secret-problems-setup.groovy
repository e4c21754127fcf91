// Prebuild of the check-secrets cases: secrets with every problem at once, copied from the case folder, in a git
// repository of their own (the IT folder is inside the kit's repo).
evaluate(new File(basedir, '../../../src/it/common.groovy'))
def secrets = new File(basedir, 'docker/secrets')
secrets.mkdirs()
new File(basedir, 'docker/secrets-template').eachFile { new File(secrets, it.name).bytes = it.bytes }
chmod('docker/secrets/postgres_password', 'rw-------')
chmod('docker/secrets/redis_password', 'rw-r--r--')
git('init', '-q')
git('add', '-f', 'docker/secrets/postgres_password')
true

evaluate(new File(basedir, '../../../src/it/common.groovy'))
def ring = new File(basedir, 'docker/secrets/jwt_signing_keys.json')
assertLog("Key ring ${ring.canonicalPath} is not valid JSON")
assertLog('The file was left untouched')
assert ring.bytes == new File(basedir, 'seed-ring.json').bytes: 'the corrupt ring was modified'
true

// The service module got the server's keys at generate-resources, from the parent's managed execution; the parent and
// the library module, which do not use the plugin, got nothing.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
stopJwksServer()
def url = context.get('userProperties').get('auth.server.url') + '/.well-known/jwks.json'
def published = new groovy.json.JsonSlurper().parse(new File(itSources, 'keys/jwks.json'))
assertLine("[INFO] Wrote public key ${absolute('service/' + pemPath)} (${keyA}) from ${url}")
assertLine("[INFO] Wrote JWKS ${absolute('service/' + jwksPath)} (${keyA}, ${keyB}) from ${url}")
assert logLines().count { it.contains(' from http://') } == 2: 'the keys were pulled by the service module only'
assertPemIs('service/' + pemPath, published.keys.find { it.kid == keyA })
assert json('service/' + jwksPath) == published
assert !file('config').exists() && !file('library/config').exists(): 'a module without the plugin got keys'
true

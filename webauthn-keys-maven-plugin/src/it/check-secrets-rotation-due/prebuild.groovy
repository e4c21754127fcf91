// The shared ring's key A alone, created on 2025-01-01 (the JWK's iat and nbf), in a git repository of its own.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
import groovy.json.JsonOutput
import groovy.json.JsonSlurper

git('init', '-q')
def ring = new JsonSlurper().parse(new File(itSources, 'keys/ring.json'))
ring.keys = ring.keys.findAll { it.kid == keyA }
ring.keys[0].iat = 1735689600
ring.keys[0].nbf = 1735689600
file('docker/secrets').mkdirs()
file(ringPath).text = JsonOutput.prettyPrint(JsonOutput.toJson(ring))
chmod(ringPath, 'rw-------')
true

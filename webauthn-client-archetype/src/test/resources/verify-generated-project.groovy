// Shared checks of a generated project, run by each archetype test case's verify.groovy after the project's own
// 'verify' build passed. The case sets 'expect' (its properties) before evaluating this file.
import groovy.json.JsonSlurper
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermissions
import java.security.AlgorithmParameters
import java.security.KeyFactory
import java.security.spec.ECGenParameterSpec
import java.security.spec.ECParameterSpec
import java.security.spec.ECPoint
import java.security.spec.ECPublicKeySpec
import java.security.spec.RSAPublicKeySpec

Path project = (context.projectDir as File).toPath()
def fail = { String message -> throw new AssertionError("${project.fileName}: ${message}") }
def check = { boolean ok, String message -> if (!ok) fail(message) }
def mode = { Path p -> PosixFilePermissions.toString(Files.getPosixFilePermissions(p)) }

// Layout of PRODUCT: every file a user is promised.
['pom.xml', 'mvnw', '.mvn/wrapper/maven-wrapper.properties', 'README.md', 'INTEGRATION.md', 'SECURITY_CHECKLIST.md',
 '.gitignore', 'docker/docker-compose.yml', 'docker/Dockerfile', 'docker/secrets/.gitignore',
 'scripts/export-public-key.sh', 'scripts/rotate-keys.sh', 'scripts/health-check.sh',
 'config/webauthn-jwks.json'].each { check(Files.isRegularFile(project.resolve(it)), "missing ${it}") }
['mvnw', 'scripts/export-public-key.sh', 'scripts/rotate-keys.sh', 'scripts/health-check.sh'].each {
    check(Files.isExecutable(project.resolve(it)), "${it} is not executable")
}

// Thin: the project's own code is its application class and its smoke suite; ceremonies, tokens, storage and HTTP
// come from the webauthn-server library. The smoke suite ran in this build.
def javaFiles = []
project.resolve('src').toFile().eachFileRecurse(groovy.io.FileType.FILES) { if (it.name.endsWith('.java')) javaFiles << it.name }
check(javaFiles.sort() == ['Application.java', 'SmokeTest.java'], "the project holds Java files ${javaFiles.sort()}")
def smoke = project.resolve('target/surefire-reports').toFile().listFiles()?.find { it.name ==~ /TEST-.*SmokeTest\.xml/ }
check(smoke != null, 'the smoke suite did not run in the project\'s build')
def suite = smoke.text.find(/<testsuite [^>]*/)
def count = { String name -> (suite =~ /\s${name}="(\d+)"/)[0][1] as int }
check(count('tests') >= 5 && count('failures') == 0 && count('errors') == 0 && count('skipped') == 0,
        "the smoke suite ran ${count('tests')} tests, ${count('failures')} failed, ${count('errors')} errors")

// Secrets: present, 0600, strong, git-ignored by the directory's own .gitignore.
Path secrets = project.resolve('docker/secrets')
check(mode(secrets) == 'rwx------', "docker/secrets is ${mode(secrets)}, not rwx------")
['postgres_password', 'redis_password', 'jwt_signing_keys.json'].each {
    Path s = secrets.resolve(it)
    check(Files.isRegularFile(s), "missing secret ${it}")
    check(mode(s) == 'rw-------', "secret ${it} is ${mode(s)}, not rw-------")
}
['postgres_password', 'redis_password'].each {
    def password = secrets.resolve(it).toFile().text
    check(password.length() >= 32 && password ==~ /[A-Za-z0-9]+/, "${it} is not a 32+ character generated password")
}
check(secrets.resolve('.gitignore').toFile().text.readLines().contains('*'), 'docker/secrets/.gitignore does not ignore everything')

// The key ring and the public exports agree.
def ring = new JsonSlurper().parse(secrets.resolve('jwt_signing_keys.json').toFile())
check(ring.keys.size() == 1, "the ring holds ${ring.keys.size()} keys, not 1")
def key = ring.keys[0]
check(key.alg == expect.jwtAlgorithm, "the ring's key is ${key.alg}, not ${expect.jwtAlgorithm}")
check(key.use == 'sig' && key.kid && key.nbf && key.iat && key.d, 'the ring key lacks use/kid/nbf/iat/d')
def jwks = new JsonSlurper().parse(project.resolve('config/webauthn-jwks.json').toFile())
check(jwks.keys*.kid == [key.kid], "the JWKS holds ${jwks.keys*.kid}, not the ring's ${key.kid}")
jwks.keys.each { k ->
    def leaked = ['d', 'p', 'q', 'dp', 'dq', 'qi'].findAll { k.containsKey(it) }
    check(leaked.isEmpty(), "the JWKS carries private members ${leaked}")
    ['kid', 'kty', 'alg', 'use'].each { m -> check(k[m] != null, "a JWKS key lacks '${m}'") }
}
Path pem = project.resolve(expect.publicKeyPath ?: 'config/webauthn-public-key.pem')
if (expect.exportPublicKey == false) {
    check(!Files.exists(pem), "${pem} exists although exportPublicKey=false")
} else {
    check(Files.isRegularFile(pem), "missing public key ${pem}")
    def decoder = Base64.getUrlDecoder()
    def big = { String s -> new BigInteger(1, decoder.decode(s)) }
    def publicKey
    if (key.kty == 'RSA') {
        publicKey = KeyFactory.getInstance('RSA').generatePublic(new RSAPublicKeySpec(big(key.n), big(key.e)))
    } else if (key.kty == 'EC') {
        def params = AlgorithmParameters.getInstance('EC')
        params.init(new ECGenParameterSpec([('P-256'): 'secp256r1', ('P-384'): 'secp384r1'][key.crv]))
        publicKey = KeyFactory.getInstance('EC').generatePublic(new ECPublicKeySpec(new ECPoint(big(key.x), big(key.y)),
                params.getParameterSpec(ECParameterSpec)))
    } else {
        fail("unexpected key type ${key.kty}")
    }
    def body = pem.toFile().text.readLines().findAll { !it.startsWith('-----') }.join('')
    check(Arrays.equals(Base64.mimeDecoder.decode(body), publicKey.encoded), 'the PEM does not match the ring key')
    def openssl = new ProcessBuilder('openssl', 'pkey', '-pubin', '-in', pem.toString(), '-noout').redirectErrorStream(true).start()
    check(openssl.waitFor() == 0, "openssl pkey -pubin refused ${pem}: ${openssl.inputStream.text}")
}

// The examples of the chosen languages, each with its two programs, pinned manifest and README, and no others.
def exampleFiles = [python    : ['jwt-verification.py', 'token-exchange.py', 'requirements.txt', 'README.md'],
                    typescript: ['jwt-verification.ts', 'token-exchange.ts', 'package.json', 'package-lock.json', 'README.md'],
                    java      : ['src/main/java/JWTVerifier.java', 'src/main/java/TokenExchange.java', 'pom.xml', 'README.md'],
                    go        : ['jwt_verification/jwt_verification.go', 'token_exchange/token_exchange.go', 'go.mod', 'go.sum',
                                 'README.md']]
def chosenExamples = expect.containsKey('examples') ? expect.examples : exampleFiles.keySet() as List
exampleFiles.each { language, files ->
    Path dir = project.resolve('examples').resolve(language)
    if (chosenExamples.contains(language)) {
        files.each { check(Files.isRegularFile(dir.resolve(it)), "missing examples/${language}/${it}") }
    } else {
        check(!Files.exists(dir), "examples/${language} exists although it was not chosen")
    }
}
['README.md', 'example.env'].each {
    check(Files.isRegularFile(project.resolve('examples').resolve(it)) == !chosenExamples.isEmpty(),
            "examples/${it} should exist exactly when examples were chosen")
}

// The docs carry this project's real values, and no template reference was left unresolved.
def docs = ['README.md', 'INTEGRATION.md', 'SECURITY_CHECKLIST.md'].collectEntries { [(it): project.resolve(it).toFile().text] }
docs.each { name, text ->
    [expect.relyingPartyId, expect.jwtIssuer, expect.jwtAudience].each { v ->
        check(text.contains(v), "${name} does not mention ${v}")
    }
}
def properties = ['artifactId', 'groupId', 'relyingPartyId', 'relyingPartyName', 'serverUrl', 'serverPort', 'postgresPort',
                  'redisPort', 'networkMode', 'sharedNetwork', 'exportPublicKey', 'publicKeyPath', 'jwtAlgorithm',
                  'jwtIssuer', 'jwtAudience', 'tokenTtl', 'keyRotationInterval', 'publishAhead', 'userVerification',
                  'attestation', 'generateExamples', 'productionMode']
project.toFile().eachFileRecurse(groovy.io.FileType.FILES) { f ->
    if (!f.path.contains('/target/') && !f.path.contains('/.mvn/') && !f.path.contains('/data/')) {
        def text = f.text
        properties.each { p ->
            check(!text.contains('${' + p + '}') && !text.contains('$' + p + ' '),
                    "${project.relativize(f.toPath())} has an unresolved \$${p}")
        }
    }
}

// The scripts pass shellcheck and hold nothing that bash 3.2 (macOS) or the BSD tools lack.
scriptsDir = project.resolve('scripts')
evaluate(new File(basedir, '../../check-scripts.groovy'))

// The Compose file is valid for docker-compose (the schema and the hardening are checked by the integration tests).
def compose = new ProcessBuilder('docker-compose', '-f', 'docker/docker-compose.yml', 'config', '-q')
        .directory(project.toFile()).redirectErrorStream(true)
def process
try {
    process = compose.start()
} catch (IOException e) {
    fail('docker-compose is not installed (apt-get install docker-compose): ' + e.message)
}
def output = process.inputStream.text
check(process.waitFor() == 0, "docker-compose config rejected docker/docker-compose.yml:\n${output}")

println "Verified ${project.fileName}: layout, secrets 0600, ring ${key.alg} ${key.kid}, exports, docs, compose"
true

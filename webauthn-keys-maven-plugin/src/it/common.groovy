// Helpers shared by the hook scripts of every case: evaluate(new File(basedir, '../../../src/it/common.groovy')).
// Shared test data, made once with the plugin ('rotate -Dwebauthn.keys.algorithm=ES256', the same again with
// -Dwebauthn.keys.publishAhead=36500d, then 'generate-jwks'): keys/ring.json holds two ES256 keys, A that signs now
// (exp in 2126) and B published ahead (nbf in 2126); keys/jwks.json is its public JWKS.
import com.sun.net.httpserver.HttpServer
import groovy.json.JsonSlurper
import java.nio.file.Files
import java.nio.file.attribute.FileTime
import java.nio.file.attribute.PosixFilePermissions
import java.security.AlgorithmParameters
import java.security.KeyFactory
import java.security.spec.ECGenParameterSpec
import java.security.spec.ECParameterSpec
import java.security.spec.ECPoint
import java.security.spec.ECPublicKeySpec
import java.security.spec.RSAPublicKeySpec

itSources = new File(basedir, '../../../src/it').canonicalFile
keyA = '20261124-VPiAtNj3o9uKoSD3'
keyB = '20261124-b4W3GwMJhu-Avoyk'
ringPath = 'docker/secrets/jwt_signing_keys.json'
pemPath = 'config/webauthn-public-key.pem'
jwksPath = 'config/webauthn-jwks.json'

file = { String path -> new File(basedir, path) }
absolute = { String path -> file(path).canonicalPath }
json = { String path -> new JsonSlurper().parse(file(path)) }
nowSeconds = { System.currentTimeMillis().intdiv(1000) }

logLines = { file('build.log').readLines() }
assertLine = { String expected ->
    assert logLines().contains(expected): "build.log lacks the line: ${expected}"
}
/** The lines that follow a line of build.log (a multi-line message). */
linesAfter = { String first, int count ->
    def lines = logLines()
    int i = lines.indexOf(first)
    assert i >= 0: "build.log lacks the line: ${first}"
    lines.subList(i + 1, Math.min(lines.size(), i + 1 + count))
}
/** The message of the goal's failure, from Maven's "[ERROR] Failed to execute goal ... -> [Help 1]" block. */
failureMessage = { String goal ->
    def lines = logLines()
    int i = lines.findIndexOf {
        it.startsWith('[ERROR] Failed to execute goal ') && it.contains(":${goal} (default-cli) on project ")
    }
    assert i >= 0: "build.log shows no failure of ${goal}"
    def message = [lines[i].replaceFirst(/^.*? on project [^:]+: /, '')]
    while (!message.last().endsWith('-> [Help 1]')) {
        message << lines[++i].replaceFirst(/^\[ERROR\] /, '')
    }
    message.join('\n').replaceFirst(/ ?-> \[Help 1\]$/, '').trim()
}

mode = { String path -> PosixFilePermissions.toString(Files.getPosixFilePermissions(file(path).toPath())) }
chmod = { String path, String perms ->
    Files.setPosixFilePermissions(file(path).toPath(), PosixFilePermissions.fromString(perms))
}
/** Sets a file's mtime to a moment long past, so any rewrite shows. */
backdate = { String path -> Files.setLastModifiedTime(file(path).toPath(), FileTime.fromMillis(1_600_000_000_000L)) }
assertBackdated = { String path ->
    assert file(path).lastModified() == 1_600_000_000_000L: "${path} was rewritten"
}

git = { String... args ->
    def command = ['git', '-C', basedir.path, '-c', 'user.email=it@example.com', '-c', 'user.name=it'] + args.toList()
    def process = new ProcessBuilder(command).redirectErrorStream(true).start()
    def output = process.inputStream.text
    assert process.waitFor() == 0: "git ${args} failed: ${output}"
}
openssl = { String path ->
    def process
    try {
        process = new ProcessBuilder('openssl', 'pkey', '-pubin', '-in', file(path).path, '-noout')
                .redirectErrorStream(true).start()
    } catch (IOException e) {
        throw new AssertionError('openssl is not installed (apt-get install openssl); the PEM checks need it: ' + e.message)
    }
    def output = process.inputStream.text
    assert process.waitFor() == 0: "openssl pkey -pubin refused ${path}: ${output}"
}

/** Copies keys/ring.json into place as the project's ring, 0600 (git does not keep modes). */
seedRing = {
    file('docker/secrets').mkdirs()
    file(ringPath).bytes = new File(itSources, 'keys/ring.json').bytes
    chmod(ringPath, 'rw-------')
}

pemDer = { String path ->
    Base64.mimeDecoder.decode(file(path).readLines().findAll { !it.startsWith('-----') }.join(''))
}
/** SubjectPublicKeyInfo DER of a JWK, to compare with a PEM. */
spkiDer = { key ->
    def big = { String s -> new BigInteger(1, Base64.urlDecoder.decode(s)) }
    switch (key.kty) {
        case 'RSA':
            return KeyFactory.getInstance('RSA').generatePublic(new RSAPublicKeySpec(big(key.n), big(key.e))).encoded
        case 'EC':
            def params = AlgorithmParameters.getInstance('EC')
            params.init(new ECGenParameterSpec([('P-256'): 'secp256r1', ('P-384'): 'secp384r1'][key.crv]))
            def point = new ECPoint(big(key.x), big(key.y))
            def spec = new ECPublicKeySpec(point, params.getParameterSpec(ECParameterSpec))
            return KeyFactory.getInstance('EC').generatePublic(spec).encoded
        case 'OKP':
            assert key.crv == 'Ed25519'
            def der = new ByteArrayOutputStream()
            // SEQUENCE { SEQUENCE { id-Ed25519 }, BIT STRING } around the 32-byte public key
            der.write([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] as byte[])
            der.write(Base64.urlDecoder.decode(key.x))
            return der.toByteArray()
    }
    throw new AssertionError("unexpected kty ${key.kty}")
}
assertPemIs = { String path, key ->
    openssl(path)
    assert Arrays.equals(pemDer(path), spkiDer(key)): "${path} is not the public key of ${key.kid}"
}
/** Every key of a public JWKS names itself and its use, and none carries a private member. */
assertPublicJwks = { jwks ->
    jwks.keys.each { k ->
        ['kid', 'kty', 'alg', 'use'].each { assert k[it] != null: "JWKS key ${k.kid} lacks '${it}'" }
        def leaked = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'].findAll { k.containsKey(it) }
        assert leaked.isEmpty(): "JWKS key ${k.kid} carries the private members ${leaked}"
    }
}

loopback = InetAddress.getByName('127.0.0.1')
/**
 * Serves body at path on a free port of 127.0.0.1 and returns the server's base URL. verify.groovy stops the server
 * (stopJwksServer); a daemon timer stops it after two minutes in any case.
 */
startJwksServer = { String body, String path ->
    def server = HttpServer.create(new InetSocketAddress(loopback, 0), 0)
    server.createContext(path) { exchange ->
        byte[] bytes = body.getBytes('UTF-8')
        exchange.responseHeaders.add('Content-Type', 'application/json')
        exchange.sendResponseHeaders(200, bytes.length)
        exchange.responseBody.withStream { it.write(bytes) }
    }
    // The dispatcher thread inherits the daemon flag of the thread that starts the server: it never holds a JVM.
    def starter = new Thread({ server.start() })
    starter.daemon = true
    starter.start()
    starter.join()
    def safetyNet = new Timer(true)
    safetyNet.schedule({ server.stop(0) } as TimerTask, 120_000)
    context.put('stopJwksServer', { safetyNet.cancel(); server.stop(0) })
    "http://127.0.0.1:${server.address.port}".toString()
}
/**
 * Serves body at /jwks.json and passes its URL to the builds of the case as -Dwebauthn.keys.jwksUrl: the invoker adds
 * the user properties a pre-build hook puts in context.userProperties to every invocation.
 */
serveJwks = { String body -> useJwksUrl(startJwksServer(body, '/jwks.json') + '/jwks.json') }
useJwksUrl = { String url -> context.get('userProperties').put('webauthn.keys.jwksUrl', url) }
jwksUrl = { context.get('userProperties').get('webauthn.keys.jwksUrl') }
stopJwksServer = { context.remove('stopJwksServer')?.call() }

/** What export-key said is wrong with the JWKS at the case's URL (the message must name the URL); nothing is written. */
jwksProblem = {
    stopJwksServer()
    def prefix = "Cannot use the JWKS at ${jwksUrl()}: "
    def message = failureMessage('export-key')
    assert message.startsWith(prefix): "the message does not name the URL: ${message}"
    assert !file('config').exists() && !file('docker').exists(): 'files were written from an unusable JWKS'
    message.substring(prefix.length())
}

// Shared by the verify and prebuild scripts: evaluate(new File(basedir, '../../../src/it/common.groovy')).
import groovy.json.JsonSlurper
import java.nio.file.Files
import java.nio.file.attribute.PosixFilePermissions
import java.security.KeyFactory
import java.security.spec.RSAPublicKeySpec

buildLog = { new File(basedir, 'build.log').text }
assertLog = { String expected ->
    def log = buildLog()
    assert log.contains(expected): "build.log lacks: ${expected}"
}
json = { String path -> new JsonSlurper().parse(new File(basedir, path)) }
mode = { String path -> PosixFilePermissions.toString(Files.getPosixFilePermissions(new File(basedir, path).toPath())) }
pemDer = { String path ->
    Base64.mimeDecoder.decode(new File(basedir, path).text.readLines().findAll { !it.startsWith('-----') }.join(''))
}
rsaDer = { key ->
    def big = { String s -> new BigInteger(1, Base64.urlDecoder.decode(s)) }
    KeyFactory.getInstance('RSA').generatePublic(new RSAPublicKeySpec(big(key.n), big(key.e))).encoded
}
openssl = { String path ->
    def process
    try {
        process = new ProcessBuilder('openssl', 'pkey', '-pubin', '-in', new File(basedir, path).path, '-noout')
                .redirectErrorStream(true).start()
    } catch (IOException e) {
        throw new AssertionError('openssl is not installed (apt-get install openssl): ' + e.message)
    }
    def output = process.inputStream.text
    assert process.waitFor() == 0: "openssl pkey -pubin refused ${path}: ${output}"
}
git = { String... args ->
    def process = new ProcessBuilder(['git', '-C', basedir.path, '-c', 'user.email=it@example.com', '-c', 'user.name=it'] + args.toList())
            .redirectErrorStream(true).start()
    def output = process.inputStream.text
    assert process.waitFor() == 0: "git ${args} failed: ${output}"
}
chmod = { String path, String perms ->
    Files.setPosixFilePermissions(new File(basedir, path).toPath(), PosixFilePermissions.fromString(perms))
}
noPrivateMembers = { jwks ->
    jwks.keys.each { k ->
        def leaked = ['d', 'p', 'q', 'dp', 'dq', 'qi'].findAll { k.containsKey(it) }
        assert leaked.isEmpty(): "JWKS key ${k.kid} carries ${leaked}"
        ['kid', 'kty', 'alg', 'use'].each { assert k[it] != null: "JWKS key lacks ${it}" }
    }
}

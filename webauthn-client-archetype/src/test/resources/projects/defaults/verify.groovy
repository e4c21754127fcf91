expect = [relyingPartyId: "localhost", jwtIssuer: "webauthn-server", jwtAlgorithm: "RS256", exportPublicKey: true, publicKeyPath: "config/webauthn-public-key.pem", jwtAudience: 'passkeys-defaults-api']
evaluate(new File(basedir, '../../verify-generated-project.groovy'))

// The examples' README names the four languages the project carries, each with its row.
def examples = new File(context.projectDir as File, 'examples/README.md').text
assert examples.contains("How your own services trust this project's passkey server, in Python, TypeScript, Java and Go.")
['| Python | `python/', '| TypeScript | `typescript/', '| Java | `java/', '| Go | `go/'].each { assert examples.contains(it): it }
assert examples.contains('Every language directory holds the same two programs')
assert examples.contains('the other languages keep the\nrequested file names.')
assert examples.contains('SQLite, or H2 in Java;') && examples.contains('Java appends the public key')
true

// A serverUrl with a trailing slash, a publish-ahead time and a PEM path of the project's own reach every file that
// names them: the examples' README and settings, and the scripts.
expect = [relyingPartyId: "localhost", jwtIssuer: "webauthn-server", jwtAlgorithm: "RS256", exportPublicKey: true,
          publicKeyPath: "keys/auth-public.pem", jwtAudience: 'passkeys-custom-paths-api', examples: ['python']]
evaluate(new File(basedir, '../../verify-generated-project.groovy'))

def project = context.projectDir as File
def text = { String path -> new File(project, path).text }
def examples = text('examples/README.md')
assert examples.contains('the next key is published 2h before it signs')
assert examples.contains('TOKEN=$(./mvnw -q -Pdev-token -Ddev.url=http://localhost:9090)')
assert !examples.contains('localhost:8080') && !examples.contains('an hour before')
assert examples.readLines().any { it.startsWith('## The verifier') } && !examples.contains('$h2') && !examples.contains(']]#')
// Only Python was chosen: the README names it alone, with its row, and none of the removed languages' directories.
assert examples.contains("How your own services trust this project's passkey server, in Python.")
assert examples.contains('| Python | `python/jwt-verification.py` |') && examples.contains('The `python/` directory holds two programs')
['typescript/', 'java/', 'go/', 'Go keeps', 'H2 in Java', 'Java appends', '#if', '$langs'].each { assert !examples.contains(it): it }
assert text('examples/example.env').readLines().contains('WEBAUTHN_JWKS_URL=http://localhost:9090/.well-known/jwks.json')
assert text('examples/example.env').readLines().contains('WEBAUTHN_PUBLIC_KEY_FILE=../../keys/auth-public.pem')
['export-public-key.sh', 'rotate-keys.sh'].each { script ->
    def lines = text('scripts/' + script).readLines()
    assert lines.contains('PUBLIC_KEY_FILE="keys/auth-public.pem"'): script
    assert !lines.any { it.contains('webauthn-public-key.pem') }: "${script} names the default PEM path"
}
assert text('scripts/export-public-key.sh').readLines().contains('DEFAULT_JWKS_URL="http://localhost:9090/.well-known/jwks.json"')
assert !new File(project, 'config/webauthn-public-key.pem').exists()
true

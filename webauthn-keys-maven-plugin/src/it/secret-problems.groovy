// Shared by the check-secrets cases: a project with every kind of secret problem at once (createSecretProblems, for
// prebuild.groovy) and the findings check-secrets must list for it, in its order (secretFindings, for verify.groovy).
// The project is a git repository of its own: the cloned case lives inside the kit's repository, under target/.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
import groovy.json.JsonOutput
import groovy.json.JsonSlurper

createSecretProblems = {
    // Four password files, so that one can be missing and one empty besides the weak ones. The invoker passes the
    // hook's user properties to the build as -D (invoker.goals would split the value at its commas).
    context.get('userProperties').put('webauthn.secrets.passwordFiles', 'postgres_password,redis_password,api_password,smtp_password')
    git('init', '-q')
    file('docker/secrets').mkdirs()
    file('docker/secrets/.gitignore').text = 'postgres_password\napi_password\nsmtp_password\njwt_signing_keys.json\n'
    file('docker/secrets/postgres_password').text = 'short'
    file('docker/secrets/redis_password').text = 'ab' * 16
    file('docker/secrets/api_password').text = ''
    ['postgres_password', 'api_password'].each { chmod("docker/secrets/${it}", 'rw-------') }
    chmod('docker/secrets/redis_password', 'rw-r--r--')
    git('add', '-f', 'docker/secrets/postgres_password')

    def ring = new JsonSlurper().parse(new File(itSources, 'keys/ring.json'))
    ring.keys.find { it.kid == keyB }.alg = 'ES384' // a P-256 key labelled ES384
    file(ringPath).text = JsonOutput.prettyPrint(JsonOutput.toJson(ring))
    chmod(ringPath, 'rw-------')

    file('config').mkdirs()
    file('config/leaked.pem').text = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n'
    file('config/keys-backup.json').bytes = new File(itSources, 'keys/ring.json').bytes
    // A real public key, but B's, not that of A which signs now.
    def other = Base64.getMimeEncoder(64, '\n'.bytes).encodeToString(spkiDer(ring.keys.find { it.kid == keyB }))
    file(pemPath).text = "-----BEGIN PUBLIC KEY-----\n${other}\n-----END PUBLIC KEY-----\n"

    file('docker/docker-compose.yml').text = '''\
services:
  postgres:
    image: postgres:17
    environment:
      POSTGRES_PASSWORD: hunter2
'''
}

def regenerate = "run 'mvn webauthn-keys:generate-secrets'"
def weak = ". Delete the file and ${regenerate} to create a strong one, then update the services that use it."
secretFindings = [
    "docker/secrets/postgres_password: weak password: it is 5 characters long; at least 24 are required${weak}",
    "docker/secrets/redis_password: weak password: it uses only 2 distinct characters (a tiny alphabet); at least 10 are required${weak}",
    "docker/secrets/api_password: empty. Delete it and ${regenerate}.",
    "docker/secrets/smtp_password: missing; ${regenerate} to create it.",
    "docker/secrets/jwt_signing_keys.json: key ${keyB} is on curve P-256 but ES384 needs P-384. Run 'mvn webauthn-keys:rotate -Dwebauthn.keys.revoke=${keyB}' to replace it.",
    "docker/secrets/postgres_password: tracked by git, so the secret is in the repository history. Run 'git rm --cached docker/secrets/postgres_password', then replace the secret (it must be treated as leaked).",
    "docker/secrets/redis_password: accessible by group or others (rw-r--r--). Run 'chmod 600 docker/secrets/redis_password'.",
    "docker/secrets/redis_password: not covered by a .gitignore, so 'git add' would commit it. Add it to docker/secrets/.gitignore.",
    "config/keys-backup.json: holds private JWK members [d]. Remove them (run 'mvn webauthn-keys:generate-jwks' for a public JWKS) and treat the key as leaked.",
    "config/leaked.pem: holds a PEM private key. Public material only belongs under config; remove it and treat the key as leaked.",
    "config/webauthn-public-key.pem: does not match the ring's signing key ${keyA}. Run 'mvn generate-resources' (webauthn-keys:export-key and generate-jwks) to refresh it.",
    "docker/docker-compose.yml: service 'postgres' passes POSTGRES_PASSWORD as a plain environment value, visible to 'docker inspect' and every process in the container. Declare the secret under 'secrets:' and pass POSTGRES_PASSWORD_FILE=/run/secrets/<name> instead.",
]*.toString()

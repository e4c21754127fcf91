// Runs after the templates are written. Validates every property again (Maven does not apply validationRegex in
// batch mode), removes the project on any bad value, then creates the secrets and public exports with the
// project's own webauthn-keys goals, so there is one implementation of key material: the plugin's.
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.nio.file.attribute.PosixFilePermissions

def props = request.properties
Path projectDir = Paths.get(request.outputDirectory, request.artifactId).toAbsolutePath().normalize()
def errors = []

def value = { String key -> (props.getProperty(key) ?: '').trim() }
def refuse = { String key, String expected ->
    errors << "Invalid value for property '${key}': '${props.getProperty(key) ?: ''}'. Expected ${expected}."
}
def port = { String key ->
    def v = value(key)
    if (!(v ==~ /\d{1,5}/) || (v as int) < 1 || (v as int) > 65535) {
        refuse(key, 'a port number from 1 to 65535')
    }
}
def oneOf = { String key, List<String> allowed ->
    if (!allowed.contains(value(key))) {
        refuse(key, 'one of ' + allowed.join(', '))
    }
}
// The same forms as the plugin's durations: ISO-8601 (PT15M) or a number with s, m, h or d.
def seconds = { String text ->
    def m = text =~ /^(\d{1,9})([smhd])$/
    if (m.matches()) {
        return (m.group(1) as long) * [s: 1L, m: 60L, h: 3600L, d: 86400L][m.group(2)]
    }
    try {
        def d = java.time.Duration.parse(text.toUpperCase())
        return d.isNegative() || d.isZero() ? null : d.seconds
    } catch (Exception ignored) {
        return null
    }
}
def duration = { String key, long min, long max, String range ->
    def s = seconds(value(key))
    if (s == null || s < min || s > max) {
        refuse(key, 'a duration ' + range + ', as ISO-8601 (PT15M) or a number with s, m, h or d (30s, 15m, 1h, 180d)')
    }
}
def hostName = ~/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/

if (!(request.artifactId ==~ /[a-z0-9][a-z0-9_.-]*/)) {
    errors << "Invalid value for property 'artifactId': '${request.artifactId}'. Expected lower-case letters, digits," +
            " '.', '_' or '-' (it names the jar, the Compose project, its volumes and networks)."
}
if (!(value('package') ==~ /[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*/)) {
    refuse('package', 'a Java package name such as com.example.auth')
}

URI serverUri = null
try {
    serverUri = new URI(value('serverUrl'))
} catch (Exception ignored) {
}
def scheme = serverUri?.scheme?.toLowerCase()
def serverHost = serverUri?.host?.toLowerCase()
if (serverUri == null || !(scheme in ['http', 'https']) || serverHost == null || serverUri.rawUserInfo != null
        || !(serverUri.rawPath in [null, '', '/']) || serverUri.rawQuery != null || serverUri.rawFragment != null) {
    refuse('serverUrl', 'an absolute http(s) URL of the server origin, such as https://auth.example.com or' +
            ' http://localhost:8080 (no path, query or credentials)')
    serverHost = null
}
def rpId = value('relyingPartyId')
if (!(rpId ==~ hostName)) {
    refuse('relyingPartyId', 'a lower-case host name such as example.com or localhost')
} else if (rpId != 'localhost' && !rpId.contains('.')) {
    refuse('relyingPartyId', 'a registrable domain such as example.com (a bare top-level name cannot be a relying party)')
} else if (serverHost != null && serverHost != rpId && !serverHost.endsWith('.' + rpId)) {
    refuse('relyingPartyId', "the host of serverUrl (${serverHost}) or a parent domain of it")
}
def rpName = value('relyingPartyName')
if (rpName.isEmpty() || rpName.length() > 64 || rpName.any { Character.isISOControl(it as char) }) {
    refuse('relyingPartyName', '1 to 64 printable characters')
}
['serverPort', 'postgresPort', 'redisPort'].each { port(it) }
oneOf('networkMode', ['isolated', 'shared'])
def shared = value('sharedNetwork')
if (value('networkMode') == 'shared' && (shared.isEmpty() || shared == 'none')) {
    errors << "Property 'sharedNetwork' is required when networkMode=shared: the name of the existing external" +
            " Docker network the auth server joins, such as -DsharedNetwork=platform."
} else if (shared != 'none' && !(shared ==~ /[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}/)) {
    refuse('sharedNetwork', "a Docker network name (letters, digits, '_', '.', '-'), or none")
}
oneOf('exportPublicKey', ['true', 'false'])
oneOf('productionMode', ['true', 'false'])
if (value('productionMode') == 'true' && scheme == 'http' && serverHost != 'localhost' && serverHost != '127.0.0.1') {
    errors << "Invalid value for property 'serverUrl': '${value('serverUrl')}'. productionMode=true requires an" +
            " https serverUrl (passkeys and tokens must not cross the network in clear text); http is accepted" +
            " only for localhost."
}
def keyPath = value('publicKeyPath')
Path resolvedKey = keyPath.isEmpty() ? null : projectDir.resolve(keyPath).normalize()
if (keyPath.isEmpty() || Paths.get(keyPath).isAbsolute() || keyPath.contains('\\') || !resolvedKey.startsWith(projectDir)
        || resolvedKey == projectDir || resolvedKey.startsWith(projectDir.resolve('docker/secrets'))) {
    refuse('publicKeyPath', 'a relative file path inside the project, outside docker/secrets, such as' +
            ' config/webauthn-public-key.pem')
}
def algorithm = value('jwtAlgorithm')
if (algorithm.toUpperCase().startsWith('HS')) {
    refuse('jwtAlgorithm', 'an asymmetric algorithm (RS256, RS384, RS512, PS256, ES256, ES384, EdDSA); HMAC is' +
            ' refused because every verifier would hold the signing secret')
} else {
    oneOf('jwtAlgorithm', ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'])
}
['jwtIssuer', 'jwtAudience'].each { key ->
    def v = value(key)
    if (v.isEmpty() || v.length() > 256 || v.any { Character.isISOControl(it as char) || Character.isWhitespace(it as char) }) {
        refuse(key, 'a non-empty string without spaces (a name or a URI)')
    }
}
duration('tokenTtl', 60, 86400, 'from 1m to 24h')
duration('keyRotationInterval', 3600, 3650L * 86400, 'from 1h to 3650d')
duration('publishAhead', 1, 30L * 86400, 'up to 30d')
oneOf('userVerification', ['required', 'preferred', 'discouraged'])
oneOf('attestation', ['none', 'indirect', 'direct', 'enterprise'])
def languages = ['python', 'typescript', 'java', 'go']
def examples = value('generateExamples')
def chosen = (examples == 'none' || examples.isEmpty()) ? [] : examples.split(',').collect { it.trim() }
if (chosen.any { !languages.contains(it) } || chosen.size() != chosen.unique(false).size()) {
    refuse('generateExamples', 'a comma-separated list from ' + languages.join(', ') + ' without repeats, or none')
}

// The archetype refuses a directory that holds a pom.xml and never overwrites an existing file, so a directory that
// existed before (a fresh git clone, say) keeps its files. Undoing a generation removes only what it wrote: the
// files written since the generated pom.xml (the first file the archetype writes), then directories left empty.
def undo = {
    def since = Files.getLastModifiedTime(projectDir.resolve('pom.xml')).toMillis() - 2000
    def preexisting = false
    projectDir.toFile().eachFileRecurse(groovy.io.FileType.FILES) { f ->
        if (f.lastModified() >= since) {
            f.delete()
        } else {
            preexisting = true
        }
    }
    if (!preexisting) {
        projectDir.toFile().deleteDir()
        return 'nothing was left in ' + projectDir
    }
    def dirs = []
    projectDir.toFile().eachDirRecurse { dirs << it }
    dirs.sort { -it.path.length() }.each { if (it.list().length == 0) it.delete() }
    return 'the files that were already in ' + projectDir + ' were kept, the generated ones removed'
}

if (!errors.isEmpty()) {
    def outcome = undo()
    throw new IllegalArgumentException('The project was not generated (' + outcome + '):\n  - ' + errors.join('\n  - '))
}

// Examples of languages that were not chosen are removed.
languages.findAll { !chosen.contains(it) }.each { projectDir.resolve('examples').resolve(it).toFile().deleteDir() }
if (chosen.isEmpty()) {
    projectDir.resolve('examples').toFile().deleteDir()
}
// The TLS proxy belongs to the production stack only.
if (value('productionMode') != 'true') {
    Files.deleteIfExists(projectDir.resolve('docker/nginx.conf'))
}

// The server's defaults, from this project's properties. Written here rather than templated so that any character a
// property may hold is escaped the way java.util.Properties reads it back.
def defaults = [
        WEBAUTHN_PORT              : value('serverPort'),
        WEBAUTHN_RP_ID             : rpId,
        WEBAUTHN_RP_NAME           : rpName,
        WEBAUTHN_ORIGINS           : "${scheme}://${serverHost}${serverUri.port == -1 ? '' : ':' + serverUri.port}",
        WEBAUTHN_JWT_ISSUER        : value('jwtIssuer'),
        WEBAUTHN_JWT_AUDIENCE      : value('jwtAudience'),
        WEBAUTHN_TOKEN_TTL         : value('tokenTtl'),
        WEBAUTHN_USER_VERIFICATION : value('userVerification'),
        WEBAUTHN_ATTESTATION       : value('attestation'),
]
def lines = defaults.keySet().sort().collect { k ->
    def one = new Properties()
    one.setProperty(k, defaults[k].toString())
    def out = new StringWriter()
    one.store(out, null)
    out.toString().readLines().find { !it.startsWith('#') }
}
Path defaultsFile = projectDir.resolve('src/main/resources/webauthn-defaults.properties')
Files.createDirectories(defaultsFile.parent)
Files.writeString(defaultsFile, '# Defaults of the passkey server, from the archetype properties; WEBAUTHN_* environment variables override them.\n'
        + lines.join('\n') + '\n')

// Archetype resources lose their file modes.
def executable = PosixFilePermissions.fromString('rwxr-xr-x')
def scripts = [projectDir.resolve('mvnw')]
def scriptsDir = projectDir.resolve('scripts').toFile()
if (scriptsDir.isDirectory()) {
    scriptsDir.eachFileMatch(~/.*\.sh/) { scripts << it.toPath() }
}
scripts.findAll { Files.exists(it) }.each { Files.setPosixFilePermissions(it, executable) }

// Secrets, the first signing key and the public exports, made by the plugin with the Maven running this generation.
def mavenHome = System.getProperty('maven.home')
def windows = System.getProperty('os.name').toLowerCase().contains('win')
def mvn = mavenHome ? Paths.get(mavenHome, 'bin', windows ? 'mvn.cmd' : 'mvn').toString() : (windows ? 'mvn.cmd' : 'mvn')
def plugin = 'io.github.webauthnkit:webauthn-keys-maven-plugin:@project.version@'
def command = [mvn, '-B', '-q', '--file', projectDir.resolve('pom.xml').toString()]
if (System.getProperty('maven.repo.local')) {
    command << '-Dmaven.repo.local=' + System.getProperty('maven.repo.local')
}
if (request.offline) {
    command << '--offline'
}
command += ["${plugin}:generate-secrets", "${plugin}:export-key", "${plugin}:generate-jwks", "${plugin}:check-secrets"]
def process = new ProcessBuilder(command.collect { it.toString() }).directory(projectDir.toFile()).redirectErrorStream(true).start()
def output = process.inputStream.text
if (process.waitFor() != 0) {
    def outcome = undo()
    throw new IllegalStateException('Creating the secrets and keys of the new project failed (' + outcome + '):\n' + output)
}

def rel = { String p -> projectDir.relativize(projectDir.resolve(p)).toString() }
println """
WebAuthn Kit: generated ${request.artifactId} in ${projectDir}

  Secrets (0600, git-ignored):  docker/secrets/postgres_password, redis_password, jwt_signing_keys.json (${algorithm})
  Public key for verifiers:     ${value('exportPublicKey') == 'true' ? rel(keyPath) : '(not exported: exportPublicKey=false)'}
  JWKS for verifiers:           config/webauthn-jwks.json, and ${value('serverUrl').replaceAll('/$', '')}/.well-known/jwks.json once running

Next steps:
  cd ${projectDir}
  ./mvnw package && java -jar target/${request.artifactId}.jar     # the passkey server on its embedded default
  open ${value('serverUrl').replaceAll('/$', '')}/ and register a passkey
  docker compose -f docker/docker-compose.yml up -d --build      # the production stack (PostgreSQL, Redis${value('productionMode') == 'true' ? ', TLS proxy' : ''})

Read README.md (run, configure, deploy), INTEGRATION.md (how your services trust this server) and
SECURITY_CHECKLIST.md (before production).
"""

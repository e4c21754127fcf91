// Runs after the templates are written. Validates every property again (Maven does not apply validationRegex in
// batch mode), removes the project on any bad value, then creates the secrets and public exports with the
// project's own webauthn-keys goals, so there is one implementation of key material: the plugin's.
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.nio.file.attribute.PosixFilePermissions

def props = request.properties
Path projectDir = Paths.get(request.outputDirectory, request.artifactId).toAbsolutePath().normalize()
def value = { String key -> (props.getProperty(key) ?: '').trim() }
URI serverUri = null
try {
    serverUri = new URI(value('serverUrl'))
} catch (Exception ignored) {
}
def scheme = serverUri?.scheme?.toLowerCase()
def serverHost = serverUri?.host?.toLowerCase()
def languages = ['python', 'typescript', 'java', 'go']
def examples = value('generateExamples')
def chosen = (examples == 'none' || examples.isEmpty()) ? [] : examples.split(',').collect { it.trim() }
// A comma list property, none (or empty) for no entries.
def entries = { String key ->
    def v = value(key)
    (v == 'none' || v.isEmpty()) ? [] : v.split(',').collect { it.trim() }.findAll { !it.isEmpty() }
}

// Copies of the key-ring rules of webauthn-keys-core (KeyAlgorithm, Durations), kept equal by PostGenerateRulesIT. This
// script cannot use that module: it runs in the archetype plugin's class loader before the generated project's own Maven
// run has resolved anything, and must refuse a bad value (and remove the half-written project) without the network.
def algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA']
def shortDuration = ~/^(\d{1,9})([smhd])$/
def seconds = { String text ->
    def m = shortDuration.matcher(text.toLowerCase(Locale.ROOT))
    if (m.matches()) {
        return (m.group(1) as long) * [s: 1L, m: 60L, h: 3600L, d: 86400L][m.group(2)]
    }
    def iso = text.toUpperCase(Locale.ROOT)
    if (!iso.startsWith('P')) {
        return null
    }
    try {
        def d = java.time.Duration.parse(iso)
        return d.isNegative() || d.isZero() ? null : d.seconds
    } catch (Exception ignored) {
        return null
    }
}

// Maven does not apply validationRegex in batch mode, so every property is checked here; returns one message per bad value.
def validateProperties = { ->
    def errors = []
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
    def validHost = serverHost
    if (serverUri == null || !(scheme in ['http', 'https']) || serverHost == null || serverUri.rawUserInfo != null
            || !(serverUri.rawPath in [null, '', '/']) || serverUri.rawQuery != null || serverUri.rawFragment != null) {
        refuse('serverUrl', 'an absolute http(s) URL of the server origin, such as https://auth.example.com or' +
                ' http://localhost:8080 (no path, query or credentials)')
        validHost = null
    }
    def rpId = value('relyingPartyId')
    if (!(rpId ==~ hostName)) {
        refuse('relyingPartyId', 'a lower-case host name such as example.com or localhost')
    } else if (rpId != 'localhost' && !rpId.contains('.')) {
        refuse('relyingPartyId', 'a registrable domain such as example.com (a bare top-level name cannot be a relying party)')
    } else if (validHost != null && validHost != rpId && !validHost.endsWith('.' + rpId)) {
        refuse('relyingPartyId', "the host of serverUrl (${validHost}) or a parent domain of it")
    }
    def rpName = value('relyingPartyName')
    if (rpName.isEmpty() || rpName.length() > 64 || rpName.any { Character.isISOControl(it as char) }) {
        refuse('relyingPartyName', '1 to 64 printable characters')
    }
    ['serverPort', 'postgresPort', 'redisPort'].each { port(it) }
    // A port in serverUrl means browsers reach the server on it directly (the development stack publishes serverPort
    // as is). Without one, a proxy serves the origin on 80/443 and serverPort is the port behind it, free to differ.
    def urlPort = validHost == null ? -1 : serverUri.port
    def serverPort = value('serverPort') ==~ /\d{1,5}/ ? value('serverPort') as int : -1
    if (urlPort != -1 && serverPort in 1..65535 && serverPort != urlPort) {
        errors << "Property 'serverPort' (${value('serverPort')}) contradicts serverUrl (${value('serverUrl')}), whose" +
                " port is ${urlPort}: browsers would call a port the server does not listen on. Leave serverPort out" +
                " (it defaults to the port of serverUrl), set it to ${urlPort}, or drop the port from serverUrl when a" +
                " proxy serves it on 80/443 and forwards to serverPort."
    }
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
    if (value('productionMode') == 'true' && scheme == 'http' && validHost != 'localhost' && validHost != '127.0.0.1') {
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
    if (value('jwtAlgorithm').toUpperCase().startsWith('HS')) {
        refuse('jwtAlgorithm', 'an asymmetric algorithm (' + algorithms.join(', ') + '); HMAC is refused because' +
                ' every verifier would hold the signing secret')
    } else {
        oneOf('jwtAlgorithm', algorithms)
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
    // The server's rules for WEBAUTHN_ANDROID_APPS, WEBAUTHN_IOS_APPS and WEBAUTHN_RELATED_ORIGINS (ServerConfig).
    def fingerprintForm = "32 hex bytes separated by colons, as 'keytool -list -v' prints after 'SHA256:'"
    entries('androidApps').each { entry ->
        def parts = entry.split('=', 2)
        if (parts.length != 2 || !(parts[0].trim() ==~ /[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+/)) {
            errors << "Invalid entry in property 'androidApps': '${entry}'. Expected an application id, an equals sign" +
                    " and the SHA-256 fingerprint of its signing certificate, such as com.example.app=14:6D:E9:...:44:E5" +
                    " (several entries separated by commas)."
        } else if (!(parts[1].trim() ==~ /[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}/)) {
            errors << "Invalid fingerprint in property 'androidApps': '${parts[1].trim()}' (entry '${entry}') is not a" +
                    " SHA-256 certificate fingerprint. Expected ${fingerprintForm}."
        }
    }
    entries('iosApps').each { entry ->
        if (!(entry ==~ /[A-Z0-9]{10}\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*/)) {
            errors << "Invalid entry in property 'iosApps': '${entry}'. Expected the app's ten-character Team ID, a dot" +
                    " and its bundle id, such as ABCDE12345.com.example.app."
        }
    }
    entries('relatedOrigins').each { entry ->
        URI origin = null
        try {
            origin = new URI(entry)
        } catch (Exception ignored) {
        }
        def host = origin?.host?.toLowerCase()
        def loopback = host == 'localhost' || host?.endsWith('.localhost') || host == '127.0.0.1'
        if (origin == null || host == null || !(origin.scheme?.toLowerCase() == 'https'
                || origin.scheme?.toLowerCase() == 'http' && loopback) || !(origin.rawPath in [null, ''])
                || origin.rawQuery != null || origin.rawFragment != null || origin.rawUserInfo != null) {
            errors << "Invalid entry in property 'relatedOrigins': '${entry}'. Expected an https origin with no path," +
                    " such as https://example.de (http only for localhost)."
        }
    }
    if (chosen.any { !languages.contains(it) } || chosen.size() != chosen.unique(false).size()) {
        refuse('generateExamples', 'a comma-separated list from ' + languages.join(', ') + ' without repeats, or none')
    }
    errors
}

// A refused value or a failed key creation must not leave a half-written project; returns what was done, for the message.
def undoGeneration = { ->
    // The archetype refuses a directory that holds a pom.xml and never overwrites an existing file, so a directory that
    // existed before (a fresh git clone, say) keeps its files. Only what this generation wrote is removed: the files
    // written since the generated pom.xml (the first file the archetype writes), then directories left empty.
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

// The archetype writes every example and the TLS proxy; a project keeps the chosen languages, and the proxy in production.
def pruneUnchosen = { ->
    languages.findAll { !chosen.contains(it) }.each { projectDir.resolve('examples').resolve(it).toFile().deleteDir() }
    if (chosen.isEmpty()) {
        projectDir.resolve('examples').toFile().deleteDir()
    }
    if (value('productionMode') != 'true') {
        Files.deleteIfExists(projectDir.resolve('docker/nginx.conf'))
    }
}

// The server's defaults, written here rather than templated so any character a property holds is escaped as Properties reads it.
def writeServerDefaults = { ->
    def defaults = [
            WEBAUTHN_PORT              : value('serverPort'),
            WEBAUTHN_RP_ID             : value('relyingPartyId'),
            WEBAUTHN_RP_NAME           : value('relyingPartyName'),
            WEBAUTHN_ORIGINS           : "${scheme}://${serverHost}${serverUri.port == -1 ? '' : ':' + serverUri.port}",
            WEBAUTHN_JWT_ISSUER        : value('jwtIssuer'),
            WEBAUTHN_JWT_AUDIENCE      : value('jwtAudience'),
            WEBAUTHN_USER_VERIFICATION : value('userVerification'),
            WEBAUTHN_ATTESTATION       : value('attestation'),
    ]
    [WEBAUTHN_ANDROID_APPS: 'androidApps', WEBAUTHN_IOS_APPS: 'iosApps', WEBAUTHN_RELATED_ORIGINS: 'relatedOrigins'].each { variable, key ->
        if (!entries(key).isEmpty()) {
            defaults[variable] = entries(key).join(',')
        }
    }
    def lines = defaults.keySet().sort().collect { k ->
        def one = new Properties()
        one.setProperty(k, defaults[k].toString())
        def out = new StringWriter()
        one.store(out, null)
        out.toString().readLines().find { !it.startsWith('#') }
    }
    Path defaultsFile = projectDir.resolve('src/main/resources/webauthn-defaults.properties')
    Files.createDirectories(defaultsFile.parent)
    // The token lifetime is written once, in pom.xml (webauthn.keys.tokenTtl, which the webauthn-keys goals read); the
    // build filters it into this file.
    Files.writeString(defaultsFile, '# Defaults of the passkey server, set when this project was generated; WEBAUTHN_* environment variables override them.\n'
            + '# WEBAUTHN_TOKEN_TTL comes from webauthn.keys.tokenTtl in pom.xml when the project is built.\n'
            + (lines + ['WEBAUTHN_TOKEN_TTL=${webauthn.keys.tokenTtl}']).sort().join('\n') + '\n')
}

// Archetype resources lose their file modes, so the wrapper and the scripts are made executable again.
def makeScriptsExecutable = { ->
    def executable = PosixFilePermissions.fromString('rwxr-xr-x')
    def scripts = [projectDir.resolve('mvnw')]
    def scriptsDir = projectDir.resolve('scripts').toFile()
    if (scriptsDir.isDirectory()) {
        scriptsDir.eachFileMatch(~/.*\.sh/) { scripts << it.toPath() }
    }
    scripts.findAll { Files.exists(it) }.each { Files.setPosixFilePermissions(it, executable) }
}

// Secrets, the first signing key and the public exports are made by the plugin, with the Maven running this generation.
def createSecretsAndKeys = { ->
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
        def outcome = undoGeneration()
        throw new IllegalStateException('Creating the secrets and keys of the new project failed (' + outcome + '):\n' + output)
    }
}

// The user sees where the secrets and the public key are and how to run the server.
// The containers that read the 0600 secrets run as their owner (WEBAUTHN_UID/GID in the Compose file): docker/.env
// names the user who generated the project, so the stack works for that user without an export.
def recordSecretsOwner = { ->
    Path secrets = projectDir.resolve('docker/secrets')
    Path env = projectDir.resolve('docker/.env')
    if (Files.isDirectory(secrets) && Files.isRegularFile(env)) {
        def uid = Files.getAttribute(secrets, 'unix:uid')
        def gid = Files.getAttribute(secrets, 'unix:gid')
        Files.writeString(env, env.toFile().text + '# The user that owns docker/secrets, whose ids the containers reading the secrets run with. A clone\n'
                + '# of this project elsewhere creates its secrets as its own user: set that user\'s ids here (id -u, id -g).\n'
                + "WEBAUTHN_UID=${uid}\nWEBAUTHN_GID=${gid}\n")
    }
}

def printNextSteps = { ->
    def rel = { String p -> projectDir.relativize(projectDir.resolve(p)).toString() }
    def origin = value('serverUrl').replaceAll('/$', '')
    def jar = "target/${request.artifactId}.jar"
    // Browsers allow WebAuthn only on the configured origin or on http://localhost: a project for another origin is
    // tried locally as localhost, which the message says rather than sending the user to a host not yet deployed.
    def local = "http://localhost:${value('serverPort')}"
    def run = origin == local || (origin.startsWith('http://localhost') && value('relyingPartyId') == 'localhost')
            ? """  ./mvnw package && java -jar ${jar}     # the passkey server on its embedded default (needs only a JDK)
  open ${origin}/ and register a passkey"""
            : """  ./mvnw package                        # the jar and its smoke suite (needs only a JDK)
  WEBAUTHN_RP_ID=localhost WEBAUTHN_ORIGINS=${local} java -jar ${jar}
  open ${local}/ and register a passkey   # on this machine, as localhost; ${origin}/ (RP id ${value('relyingPartyId')}) once deployed"""
    println """
WebAuthn Kit: generated ${request.artifactId} in ${projectDir}

  Secrets (0600, git-ignored):  docker/secrets/postgres_password, redis_password, jwt_signing_keys.json (${value('jwtAlgorithm')})
  Public key for verifiers:     ${value('exportPublicKey') == 'true' ? rel(value('publicKeyPath')) : '(not exported: exportPublicKey=false)'}
  JWKS for verifiers:           config/webauthn-jwks.json, and ${origin}/.well-known/jwks.json once running

Next steps:
  cd ${projectDir}
${run}
  docker compose -f docker/docker-compose.yml up -d --build      # the production stack (PostgreSQL, Redis${value('productionMode') == 'true' ? ', TLS proxy' : ''})

Read README.md (run, configure, deploy), INTEGRATION.md (how your services trust this server) and
SECURITY_CHECKLIST.md (before production).
"""
}

def errors = validateProperties()
if (!errors.isEmpty()) {
    throw new IllegalArgumentException('The project was not generated (' + undoGeneration() + '):\n  - ' + errors.join('\n  - '))
}
pruneUnchosen()
writeServerDefaults()
makeScriptsExecutable()
createSecretsAndKeys()
recordSecretsOwner()
printNextSteps()

// Shared by the help case's verify scripts: the user properties each goal must document, and a parser of the help.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
def files = ['webauthn.keys.ringFile', 'webauthn.keys.publicKeyFile', 'webauthn.keys.jwksFile', 'webauthn.keys.exportPublicKey']
def remote = ['webauthn.keys.jwksUrl', 'webauthn.keys.jwksSource', 'webauthn.keys.fetchTimeout', 'webauthn.keys.allowHttp']
def newKeys = ['webauthn.keys.algorithm', 'webauthn.keys.rsaBits', 'webauthn.keys.publishAhead', 'webauthn.keys.tokenTtl',
               'webauthn.keys.clockSkew']
def secrets = ['webauthn.secrets.dir', 'webauthn.secrets.passwordFiles']
expectedProperties = [
    'check-secrets'   : files + secrets + ['webauthn.secrets.configDir', 'webauthn.secrets.composeDir',
                                           'webauthn.secrets.warnOnly', 'webauthn.secrets.skipCheck',
                                           'webauthn.keys.rotationInterval'],
    'export-key'      : files + remote + ['webauthn.keys.skipExportKey'],
    'generate-jwks'   : files + remote + ['webauthn.keys.skipGenerateJwks'],
    'generate-secrets': files + newKeys + secrets + ['webauthn.secrets.skipGenerate'],
    'rotate'          : files + newKeys + ['webauthn.keys.revoke', 'webauthn.keys.skipRotate'],
]
/** Goal name -> the user properties its section of 'webauthn-keys:help -Ddetail' lists. */
helpSections = { List<String> lines ->
    def sections = [:]
    def current = null
    lines.each { line ->
        def goal = line =~ /^webauthn-keys:([a-z-]+)$/
        def property = line =~ /^\s+User property: (\S+)$/
        if (goal) {
            current = goal[0][1]
            sections[current] = [] as Set
        } else if (property && current) {
            sections[current] << property[0][1]
        }
    }
    sections
}

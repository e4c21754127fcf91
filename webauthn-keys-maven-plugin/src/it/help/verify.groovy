evaluate(new File(basedir, '../../../src/it/common.groovy'))
['webauthn-keys:export-key', 'webauthn-keys:generate-jwks', 'webauthn-keys:rotate', 'webauthn-keys:check-secrets',
 'webauthn-keys:generate-secrets', 'webauthn-keys:help'].each { assertLog(it) }
['webauthn.keys.ringFile', 'webauthn.keys.publicKeyFile', 'webauthn.keys.jwksFile', 'webauthn.keys.exportPublicKey',
 'webauthn.keys.algorithm', 'webauthn.keys.rsaBits', 'webauthn.keys.publishAhead', 'webauthn.keys.tokenTtl',
 'webauthn.keys.clockSkew', 'webauthn.keys.revoke', 'webauthn.keys.jwksUrl', 'webauthn.keys.jwksSource',
 'webauthn.keys.fetchTimeout', 'webauthn.keys.allowHttp', 'webauthn.secrets.dir', 'webauthn.secrets.passwordFiles',
 'webauthn.secrets.configDir', 'webauthn.secrets.composeDir', 'webauthn.secrets.warnOnly',
 'webauthn.keys.skipRotate', 'webauthn.keys.skipExportKey', 'webauthn.keys.skipGenerateJwks',
 'webauthn.secrets.skipGenerate', 'webauthn.secrets.skipCheck'].each { assertLog("User property: ${it}") }
true

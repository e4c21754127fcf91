evaluate(new File(basedir, '../../../src/it/common.groovy'))
['rotate: webauthn.keys.skipRotate', 'export-key: webauthn.keys.skipExportKey',
 'generate-jwks: webauthn.keys.skipGenerateJwks', 'generate-secrets: webauthn.secrets.skipGenerate',
 'check-secrets: webauthn.secrets.skipCheck'].each { assertLog("Skipping ${it} is true.") }
assert !new File(basedir, 'docker').exists() && !new File(basedir, 'config').exists(): 'a skipped goal wrote files'
true

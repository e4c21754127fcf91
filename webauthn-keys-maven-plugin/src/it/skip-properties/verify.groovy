evaluate(new File(basedir, '../../../src/it/common.groovy'))
[rotate: 'webauthn.keys.skipRotate', 'export-key': 'webauthn.keys.skipExportKey',
 'generate-jwks': 'webauthn.keys.skipGenerateJwks', 'generate-secrets': 'webauthn.secrets.skipGenerate',
 'check-secrets': 'webauthn.secrets.skipCheck'].each { goal, property ->
    assertLine("[INFO] Skipping ${goal}: ${property} is true.")
}
assert !file('docker').exists() && !file('config').exists(): 'a skipped goal wrote files'
true

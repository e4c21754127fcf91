evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert failureMessage('rotate') == "Algorithm 'HS256' is refused: HMAC algorithms share one secret between the signer" +
        ' and every verifier, so any verifier could forge tokens. Use one of: RS256, RS384, RS512, PS256, ES256, ES384, EdDSA.'
assert !file('docker').exists() && !file('config').exists(): 'a refused rotation wrote files'
true

evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert failureMessage('rotate') == 'webauthn.keys.rsaBits=1024 is refused: RSA keys must have at least 2048 bits.'
assert !file('docker').exists() && !file('config').exists(): 'a refused rotation wrote files'
true

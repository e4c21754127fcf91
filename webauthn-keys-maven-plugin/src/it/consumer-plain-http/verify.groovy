evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert failureMessage('export-key') == 'Cannot use the JWKS at http://auth.example.com/.well-known/jwks.json: plain' +
        ' http to a host other than localhost lets anyone on the path swap the keys; use https, or pass' +
        ' -Dwebauthn.keys.allowHttp=true for a trusted internal network.'
assert !file('config').exists()
true

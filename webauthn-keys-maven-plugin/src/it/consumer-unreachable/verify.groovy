evaluate(new File(basedir, '../../../src/it/common.groovy'))
evaluate(new File(basedir, '../../../src/it/stop-jwks.groovy'))
def log = buildLog()
assert log =~ /Cannot use the JWKS at http:\/\/127\.0\.0\.1:\d+\/jwks\.json: /: 'the message does not name the URL'
assertLog('the server is unreachable (connection refused; is it running?)')
assert !new File(basedir, 'config').exists(): 'nothing may be written from an unusable JWKS'
true

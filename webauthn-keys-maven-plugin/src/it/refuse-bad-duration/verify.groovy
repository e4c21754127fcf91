evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert failureMessage('rotate') == "Invalid duration for webauthn.keys.publishAhead: 'soon'. Use a positive duration," +
        ' ISO-8601 such as PT15M, or a number with s, m, h or d such as 30s, 15m, 1h, 180d.'
assert !file('docker').exists() && !file('config').exists(): 'a refused rotation wrote files'
true

evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert failureMessage('rotate') == "Cannot revoke key '20200101-doesnotexist0': the ring holds no such key (it holds: " +
        "${keyA}, ${keyB}). Nothing was changed."
assert Arrays.equals(file(ringPath).bytes, new File(itSources, 'keys/ring.json').bytes): 'the ring was changed'
assert mode(ringPath) == 'rw-------'
assert !file('config').exists(): 'a refused revocation wrote exports'
true

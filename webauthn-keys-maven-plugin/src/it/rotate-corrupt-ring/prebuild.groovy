// A ring cut off mid-key, as a full disk or a careless copy would leave it.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
def ring = new File(itSources, 'keys/ring.json').text
file('docker/secrets').mkdirs()
file(ringPath).text = ring.substring(0, ring.length().intdiv(2))
chmod(ringPath, 'rw-------')
context.put('corrupt', file(ringPath).bytes)
true

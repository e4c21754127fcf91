// A port nobody listens on: bound to learn a free one, then released.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
def socket = new ServerSocket(0, 1, loopback)
socket.close()
useJwksUrl("http://127.0.0.1:${socket.localPort}/jwks.json".toString())
true

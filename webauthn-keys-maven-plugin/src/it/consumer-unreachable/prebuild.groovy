// A port nobody listens on: bound, read, and released.
def socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())
def port = socket.localPort
socket.close()
context.get('userProperties').put('webauthn.keys.jwksUrl', "http://127.0.0.1:${port}/jwks.json".toString())
true

// Prebuild part of the consumer cases: serves 'body' (set by the case) at /jwks.json on a free loopback port and
// passes the URL to the build as -Dwebauthn.keys.jwksUrl. The server stops in verify, or by itself after 3 minutes.
import com.sun.net.httpserver.HttpServer

def server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)
server.createContext('/jwks.json') { exchange ->
    byte[] bytes = body.getBytes('UTF-8')
    exchange.sendResponseHeaders(200, bytes.length)
    exchange.responseBody.withStream { it.write(bytes) }
}
server.start()
def timer = new Timer(true)
timer.schedule({ server.stop(0) } as TimerTask, 180_000)
System.properties.put('it.jwks.server.' + basedir.name, server)
context.get('userProperties').put('webauthn.keys.jwksUrl', "http://127.0.0.1:${server.address.port}/jwks.json".toString())
true

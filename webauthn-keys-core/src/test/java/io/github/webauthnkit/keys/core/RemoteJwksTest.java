package io.github.webauthnkit.keys.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetches JWKS documents from a real HTTP server on the loopback interface. */
class RemoteJwksTest {
    private static final Instant NOW = Instant.now();
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private HttpServer server;
    private KeyRing ring;

    @TempDir
    Path dir;

    @BeforeEach
    void startServer() throws Exception {
        RotationPolicy policy = RotationPolicy.defaults(KeyAlgorithm.ES256);
        ring = KeyRing.empty().rotate(NOW.minusSeconds(60), policy).ring().rotate(NOW, policy).ring();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serve("/jwks.json", 200, ring.publicJwks(NOW));
        serve("/html", 200, "<html>login</html>");
        serve("/empty", 200, "{\"keys\": []}");
        serve("/private", 200, ring.toJson());
        serve("/hmac", 200, ring.publicJwks(NOW).replace("ES256", "HS256"));
        serve("/dupes", 200, "{\"keys\":[" + member(ring.publicJwks(NOW)) + "," + member(ring.publicJwks(NOW)) + "]}");
        serve("/missing", 404, "not found");
        serve("/huge", 200, " ".repeat(RemoteJwks.MAX_BYTES + 10));
        server.createContext("/slow", exchange -> {
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private void serve(String path, int status, String body) {
        server.createContext(path, exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private static String member(String jwks) {
        return jwks.substring(jwks.indexOf('{', 1), jwks.indexOf('}', jwks.indexOf('{', 1)) + 1);
    }

    @Test
    void fetchesAValidJwksAndPicksTheKeyThatSignsNow() throws Exception {
        List<JWK> keys = RemoteJwks.fetch(url("/jwks.json"), TIMEOUT, false);

        assertThat(keys).hasSize(2).noneMatch(JWK::isPrivate);
        assertThat(RemoteJwks.consumerKey(keys, NOW).getKeyID())
                .isEqualTo(ring.signingKey(NOW).orElseThrow().getKeyID());
        assertThat(KeyRing.jwksJson(keys)).isEqualTo(ring.publicJwks(NOW));
    }

    @Test
    void readsAJwksFile() throws Exception {
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, ring.publicJwks(NOW));
        assertThat(RemoteJwks.read(file)).hasSize(2);
    }

    @Test
    void everyUnusableAnswerFailsNamingTheUrlAndTheProblem() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String unreachable = "http://127.0.0.1:" + closedPort + "/jwks.json";
        assertProblem(unreachable, "the server is unreachable");
        assertProblem(url("/html"), "the response is not JSON");
        assertProblem(url("/empty"), "the key set is empty");
        assertProblem(url("/private"), "carries private key material (d)");
        assertProblem(url("/hmac"), "uses algorithm HS256, which is not one of RS256");
        assertProblem(url("/dupes"), "appears more than once");
        assertProblem(url("/missing"), "the server answered HTTP 404 instead of 200");
        assertProblem(url("/huge"), "the response is larger than 1048576 bytes");
        assertProblem(url("/slow"), "no answer within 2 s");
        assertProblem("ftp://127.0.0.1/jwks.json", "only absolute http:// and https:// URLs are supported");
        assertProblem("not a url", "is not a valid URL");
    }

    @Test
    void plainHttpToARemoteHostNeedsAnExplicitFlag() {
        assertThatThrownBy(() -> RemoteJwks.fetch("http://auth.example.com/.well-known/jwks.json", TIMEOUT, false))
                .hasMessageContaining("Cannot use the JWKS at http://auth.example.com/.well-known/jwks.json")
                .hasMessageContaining("-Dwebauthn.keys.allowHttp=true");
    }

    private static void assertProblem(String url, String problem) {
        assertThatThrownBy(() -> RemoteJwks.fetch(url, TIMEOUT, false))
                .isInstanceOf(KeyRingException.class)
                .hasMessageStartingWith("Cannot use the JWKS at " + url + ": ")
                .hasMessageContaining(problem);
    }
}

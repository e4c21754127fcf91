package io.github.webauthnkit.server.testing;

import io.github.webauthnkit.server.WebAuthnServer;
import io.github.webauthnkit.server.config.ServerConfig;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.JWKGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * The real server, started in-process on a free loopback port with a fresh data directory and key ring, for tests
 * that talk to it over HTTP. Close it to stop it.
 */
public final class TestServer implements AutoCloseable {
    /** Limits per client address that tests, all of whose clients share one address, do not reach. */
    public static final Map<String, String> GENEROUS_LIMITS = Map.of("WEBAUTHN_START_LIMIT_ADDRESS", "1000000/1m",
            "WEBAUTHN_PENDING_LIMIT_ADDRESS", "100000", "WEBAUTHN_REGISTRATION_LIMIT_ADDRESS", "1000000/1m");

    private final Path dir;
    private final int port;
    private final WebAuthnServer server;

    private TestServer(Path dir, int port, WebAuthnServer server) {
        this.dir = dir;
        this.port = port;
        this.server = server;
    }

    /** A server with an RS256 ring and the default configuration. */
    public static TestServer start() {
        return start("RS256", Map.of());
    }

    /**
     * @param algorithm the first key's, one of the ring's (RS256, ES256, EdDSA, ...)
     * @param overrides WEBAUTHN_* variables over the test defaults
     */
    public static TestServer start(String algorithm, Map<String, String> overrides) {
        return start(algorithm, overrides, UnaryOperator.identity());
    }

    /**
     * @param extensions adds a project's extensions to the server's builder (token claims, event listeners)
     */
    public static TestServer start(String algorithm, Map<String, String> overrides,
                                   UnaryOperator<WebAuthnServer.Builder> extensions) {
        try {
            Path dir = ScratchFiles.directory("webauthn-test-");
            Path ring = dir.resolve("jwt_signing_keys.json");
            Instant now = Instant.now();
            writeRing(ring, List.of(newKey(algorithm, now, now)));
            int port = freePort();
            Map<String, String> env = new HashMap<>();
            env.put("WEBAUTHN_PORT", Integer.toString(port));
            env.put("WEBAUTHN_BIND_ADDRESS", "127.0.0.1");
            env.put("WEBAUTHN_RP_ID", "localhost");
            env.put("WEBAUTHN_ORIGINS", "http://localhost:" + port);
            env.put("WEBAUTHN_KEYS_FILE", ring.toString());
            env.put("WEBAUTHN_DATA_DIR", dir.resolve("data").toString());
            env.put("WEBAUTHN_DB_URL", "");
            env.put("WEBAUTHN_REDIS_URL", "");
            // A test's clients all come from one address: limits they do not reach (a test of the limits sets its own).
            env.putAll(GENEROUS_LIMITS);
            env.putAll(overrides);
            return new TestServer(dir, port,
                    extensions.apply(WebAuthnServer.builder().config(ServerConfig.fromEnvironment(env))).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new private signing key in the ring's format (kid, alg, use, iat, nbf). */
    public static JWK newKey(String algorithm, Instant issued, Instant notBefore) {
        JWKGenerator<? extends JWK> generator = switch (algorithm) {
            case "ES256" -> new ECKeyGenerator(Curve.P_256);
            case "ES384" -> new ECKeyGenerator(Curve.P_384);
            case "EdDSA" -> new OctetKeyPairGenerator(Curve.Ed25519);
            default -> new RSAKeyGenerator(2048);
        };
        try {
            return generator.algorithm(JWSAlgorithm.parse(algorithm)).keyUse(KeyUse.SIGNATURE)
                    .keyID("test-" + UUID.randomUUID()).issueTime(Date.from(issued))
                    .notBeforeTime(Date.from(notBefore)).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces the ring the way webauthn-keys:rotate does: a new file renamed over the old one. */
    public static void writeRing(Path ring, List<JWK> keys) throws IOException {
        Path temp = Files.createTempFile(ring.getParent(), ".ring", ".tmp");
        Files.writeString(temp, new JWKSet(keys).toString(false));
        Files.move(temp, ring, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    public int acceptQueueSize() {
        return server.acceptQueueSize();
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The origin browsers use; the server accepts only this one. */
    public String origin() {
        return "http://localhost:" + port;
    }

    public String rpId() {
        return "localhost";
    }

    public Path ringFile() {
        return dir.resolve("jwt_signing_keys.json");
    }

    /** The public JWKS of the ring as it is now, written to a file, as verifiers would hold it. */
    public Path jwksFile() {
        try {
            JWKSet ring = JWKSet.load(ringFile().toFile());
            Path file = dir.resolve("webauthn-jwks.json");
            Files.writeString(file, ring.toPublicJWKSet().toString());
            return file;
        } catch (IOException | java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    /** Stops the server and deletes its directory: its signing key ring and database. */
    @Override
    public void close() {
        server.close();
        ScratchFiles.delete(dir);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}

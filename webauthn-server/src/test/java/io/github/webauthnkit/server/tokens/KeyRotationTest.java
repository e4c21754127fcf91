package io.github.webauthnkit.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.webauthnkit.keys.core.KeyAlgorithm;
import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.storage.UserAccount;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.TestServer;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** The ring changes on disk while the server runs, as after 'mvn webauthn-keys:rotate'; no restart. */
class KeyRotationTest {
    private static final UserAccount ALICE = new UserAccount("dXNlci1oYW5kbGU", "alice", "Alice", Instant.now());

    @TempDir
    Path dir;

    /** The server verifies the bearer tokens it signs with a ring of any of the ring's algorithms, Ed25519 included. */
    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void tokensOfEveryAlgorithmOfTheRingVerify(KeyAlgorithm algorithm) throws Exception {
        Instant now = Instant.now();
        Path ring = dir.resolve("ring.json");
        JWK key = TestServer.newKey(algorithm.name(), now.minusSeconds(60), now.minusSeconds(60));
        TestServer.writeRing(ring, List.of(key));
        ServerConfig config = ServerConfig.fromEnvironment(Map.of("WEBAUTHN_KEYS_FILE", ring.toString()));
        try (KeyRingWatcher watcher = KeyRingWatcher.start(ring)) {
            TokenService tokens = new TokenService(config, watcher);
            TokenService.Issued issued = tokens.issue(ALICE, true, now);

            assertThat(SignedJWT.parse(issued.token()).getHeader().getAlgorithm().getName())
                    .isEqualTo(algorithm.name());
            assertThat(tokens.verify(issued.token(), now).getSubject()).isEqualTo(ALICE.id());
            // A refusal of its claims is the library's fixed words, which name no value of the token's.
            assertThatThrownBy(() -> tokens.verify(issued.token(), now.plus(config.tokenTtl()).plusSeconds(31)))
                    .isInstanceOf(TokenService.InvalidTokenException.class).hasMessage("Expired JWT");
        }
    }

    /** With an Ed25519 ring, a signed-in user's access and management tokens open the account endpoints. */
    @Test
    void anEd25519RingsTokensOpenTheAccountEndpoints() {
        try (TestServer server = TestServer.start("EdDSA", Map.of())) {
            PasskeyClient client = new PasskeyClient(server.baseUrl(),
                    new SoftwareAuthenticator(server.origin(), SoftwareAuthenticator.Algorithm.ES256));
            client.register("edna");
            String access = client.signIn("edna");

            assertThat(client.get("/credentials", access).expect(200).body().path("credentials")).hasSize(1);
            String management = client.manage(access);
            assertThat(SignedJWT.parse(management).getHeader().getAlgorithm().getName()).isEqualTo("EdDSA");
            // A second passkey, from another authenticator: its owner is the management token's subject.
            String added = new PasskeyClient(server.baseUrl(), new SoftwareAuthenticator(server.origin(),
                    SoftwareAuthenticator.Algorithm.ES256)).addPasskey(management).path("credentialId").asText();
            assertThat(client.get("/credentials", access).expect(200).body().path("credentials"))
                    .extracting(c -> c.path("id").asText()).contains(added);
        } catch (java.text.ParseException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void tokensSwitchKeyAtNbfAndOldTokensVerifyUntilTheOldKeyIsRevoked() throws Exception {
        Instant now = Instant.now();
        Path ring = dir.resolve("ring.json");
        JWK first = TestServer.newKey("ES256", now.minusSeconds(3600), now.minusSeconds(3600));
        TestServer.writeRing(ring, List.of(first));
        ServerConfig config = ServerConfig.fromEnvironment(Map.of("WEBAUTHN_KEYS_FILE", ring.toString()));
        try (KeyRingWatcher watcher = KeyRingWatcher.start(ring)) {
            TokenService tokens = new TokenService(config, watcher);
            TokenService.Issued before = tokens.issue(ALICE, true, now);
            assertThat(before.kid()).isEqualTo(first.getKeyID());

            // Staged rotation: the next key is published now and signs from now + 1 h.
            Instant switchAt = now.plus(Duration.ofHours(1));
            JWK next = TestServer.newKey("RS256", now, switchAt);
            JWK retiring = JWK.parse(withExp(first, switchAt.plus(config.tokenTtl()).plusSeconds(60)));
            TestServer.writeRing(ring, List.of(retiring, next));
            awaitKids(watcher, first.getKeyID(), next.getKeyID());

            assertThat(tokens.issue(ALICE, true, now).kid()).isEqualTo(first.getKeyID());
            assertThat(tokens.issue(ALICE, true, switchAt.minusSeconds(1)).kid()).isEqualTo(first.getKeyID());
            TokenService.Issued after = tokens.issue(ALICE, true, switchAt);
            assertThat(after.kid()).isEqualTo(next.getKeyID());
            assertThat(SignedJWT.parse(after.token()).getHeader().getAlgorithm().getName()).isEqualTo("RS256");
            assertThat(tokens.verify(before.token(), now).getSubject()).isEqualTo(ALICE.id());
            assertThat(tokens.verify(after.token(), switchAt).getSubject()).isEqualTo(ALICE.id());
            assertThat(tokens.publicJwks(now).json()).contains(first.getKeyID()).contains(next.getKeyID()).doesNotContain("\"d\"");

            // Emergency revocation of the first key: its tokens stop verifying at once.
            JWK replacement = TestServer.newKey("ES256", now, now);
            TestServer.writeRing(ring, List.of(replacement, next));
            awaitKids(watcher, replacement.getKeyID(), next.getKeyID());
            assertThatThrownBy(() -> tokens.verify(before.token(), now))
                    .isInstanceOf(TokenService.InvalidTokenException.class);
            assertThat(tokens.issue(ALICE, true, now).kid()).isEqualTo(replacement.getKeyID());
        }
    }

    @Test
    void aCorruptRingKeepsThePreviousKeysInUse() throws Exception {
        Instant now = Instant.now();
        Path ring = dir.resolve("ring.json");
        JWK key = TestServer.newKey("ES256", now, now);
        TestServer.writeRing(ring, List.of(key));
        ServerConfig config = ServerConfig.fromEnvironment(Map.of("WEBAUTHN_KEYS_FILE", ring.toString()));
        try (KeyRingWatcher watcher = KeyRingWatcher.start(ring)) {
            Files.writeString(ring, "{\"keys\": [");
            Thread.sleep(2500);
            assertThat(new TokenService(config, watcher).issue(ALICE, true, now).kid()).isEqualTo(key.getKeyID());
        }
    }

    /**
     * A ring that can no longer be re-read (a bad hand edit, a file the server may not read after a rotation run as
     * another user) leaves the server signing with, and publishing, the keys it had, a revoked one included. That is
     * not silent: an ERROR log, a metric, and after a few failed reloads in a row /health answers 503 naming the ring,
     * until the ring can be read again.
     */
    @Test
    void aRingThatCannotBeReReadIsLoggedCountedAndFailsHealth() throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(KeyRingWatcher.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try (TestServer server = TestServer.start("ES256", Map.of())) {
            HttpClient http = HttpClient.newHttpClient();
            String good = Files.readString(server.ringFile());
            assertThat(get(http, server, "/health").statusCode()).isEqualTo(200);

            Files.writeString(server.ringFile(), "{\"keys\": [");
            HttpResponse<String> health = awaitHealth(http, server, 503);
            assertThat(health.body()).contains("\"status\":\"DOWN\"").contains("\"keyRing\":\"STALE\"")
                    .contains("\"store\":\"UP\"");
            assertThat(logged.list).anyMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR
                    && e.getFormattedMessage().contains(server.ringFile().toString()));
            String metrics = get(http, server, "/metrics").body();
            assertThat(metrics).containsPattern("webauthn_key_ring_reload_failures_total [1-9]")
                    .containsPattern("webauthn_key_ring_consecutive_reload_failures [1-9]");

            Files.writeString(server.ringFile(), good);
            assertThat(awaitHealth(http, server, 200).body()).contains("\"keyRing\":\"UP\"");
            assertThat(get(http, server, "/metrics").body())
                    .contains("webauthn_key_ring_consecutive_reload_failures 0.0");
        } finally {
            log.detachAppender(logged);
        }
    }

    private static HttpResponse<String> get(HttpClient http, TestServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> awaitHealth(HttpClient http, TestServer server, int status) throws Exception {
        HttpResponse<String> health = null;
        for (int i = 0; i < 100; i++) {
            health = get(http, server, "/health");
            if (health.statusCode() == status) {
                return health;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("/health did not answer " + status + " within 10 s: " + health.body());
    }

    @Test
    void jwksEndpointFollowsTheRingWithCachingHeaders() throws Exception {
        try (TestServer server = TestServer.start("ES256", Map.of())) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> first = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                    + "/.well-known/jwks.json")).build(), HttpResponse.BodyHandlers.ofString());
            String etag = first.headers().firstValue("ETag").orElseThrow();
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().firstValue("Cache-Control")).contains("public, max-age=300");
            assertThat(JWKSet.parse(first.body()).getKeys()).hasSize(1).noneMatch(JWK::isPrivate);
            assertThat(JWKSet.parse(first.body()).getKeys().get(0).toJSONObject())
                    .isEqualTo(JWKSet.load(server.jwksFile().toFile()).getKeys().get(0).toJSONObject());

            HttpResponse<String> cached = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                    + "/.well-known/jwks.json")).header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(cached.statusCode()).isEqualTo(304);
            assertThat(cached.body()).isEmpty();

            JWKSet ring = JWKSet.load(server.ringFile().toFile());
            Instant now = Instant.now();
            TestServer.writeRing(server.ringFile(), List.of(ring.getKeys().get(0),
                    TestServer.newKey("ES256", now, now.plusSeconds(3600))));
            HttpResponse<String> rotated = null;
            for (int i = 0; i < 50; i++) {
                rotated = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/.well-known/jwks.json"))
                        .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
                if (rotated.statusCode() == 200) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(rotated.statusCode()).isEqualTo(200);
            assertThat(rotated.headers().firstValue("ETag")).isPresent().get().isNotEqualTo(etag);
            assertThat(JWKSet.parse(rotated.body()).getKeys()).hasSize(2);
        }
    }

    /** The same through the API: a signed-in user's tokens switch key at the new key's nbf, old tokens stay valid. */
    @Test
    void tokensFromTheApiFollowARotationWithoutRestart() throws Exception {
        try (TestServer server = TestServer.start("ES256", Map.of())) {
            PasskeyClient client = new PasskeyClient(server.baseUrl(),
                    new SoftwareAuthenticator(server.origin(), SoftwareAuthenticator.Algorithm.ES256));
            client.register("rotating-user");
            String before = client.signIn("rotating-user");
            JWK first = JWKSet.load(server.ringFile().toFile()).getKeys().get(0);
            Instant now = Instant.now();
            // nbf counts whole seconds: a switch between two would come up to a second early.
            Instant switchAt = now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(4);
            JWK next = TestServer.newKey("RS256", now, switchAt);
            TestServer.writeRing(server.ringFile(), List.of(JWK.parse(withExp(first, switchAt.plusSeconds(960))), next));
            Thread.sleep(1500);
            String during = client.signIn("rotating-user");
            assertThat(SignedJWT.parse(during).getHeader().getKeyID()).isEqualTo(first.getKeyID());
            while (Instant.now().isBefore(switchAt.plusMillis(200))) {
                Thread.sleep(100);
            }
            String after = client.signIn("rotating-user");
            assertThat(SignedJWT.parse(after).getHeader().getKeyID()).isEqualTo(next.getKeyID());
            JWKSet published = JWKSet.parse(client.get("/.well-known/jwks.json", null).raw().body());
            for (String token : List.of(before, during, after)) {
                SignedJWT jwt = SignedJWT.parse(token);
                JWK key = published.getKeyByKeyId(jwt.getHeader().getKeyID());
                assertThat(key).as("the JWKS holds the key of every live token").isNotNull();
                assertThat(jwt.verify(new com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory()
                        .createJWSVerifier(jwt.getHeader(), key.getKeyType() == com.nimbusds.jose.jwk.KeyType.RSA
                                ? key.toRSAKey().toPublicKey() : key.toECKey().toPublicKey()))).isTrue();
            }
        }
    }

    private static Map<String, Object> withExp(JWK key, Instant exp) {
        Map<String, Object> json = key.toJSONObject();
        json.put("exp", exp.getEpochSecond());
        return json;
    }

    private static void awaitKids(KeyRingWatcher watcher, String... kids) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (watcher.keys().keys().stream().map(JWK::getKeyID).toList().containsAll(List.of(kids))
                    && watcher.keys().keys().size() == kids.length) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("The watcher did not pick up the new ring within 5 s");
    }
}

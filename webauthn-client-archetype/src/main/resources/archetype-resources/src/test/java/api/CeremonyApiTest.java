package ${package}.api;

import static org.assertj.core.api.Assertions.assertThat;

import ${package}.support.PasskeyClient;
import ${package}.support.SoftwareAuthenticator;
import ${package}.support.SoftwareAuthenticator.Algorithm;
import ${package}.support.SoftwareAuthenticator.Tamper;
import ${package}.support.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The HTTP API driven by a software authenticator: the ceremonies, the tokens, and every refusal. */
class CeremonyApiTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start("ES256", Map.of("WEBAUTHN_JWT_ISSUER", "test-issuer", "WEBAUTHN_JWT_AUDIENCE",
                "test-api", "WEBAUTHN_CEREMONY_TIMEOUT", "2s", "WEBAUTHN_RATE_LIMIT_ADDRESS", "10000"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static PasskeyClient client(Algorithm algorithm) {
        return new PasskeyClient(server.baseUrl(), new SoftwareAuthenticator(server.origin(), algorithm));
    }

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Verifies a token the way a consuming service does, with the ring's public JWKS. */
    static JWTClaimsSet verify(String token) throws Exception {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256),
                new ImmutableJWKSet<>(JWKSet.load(server.jwksFile().toFile()))));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>("test-api",
                new JWTClaimsSet.Builder().issuer("test-issuer").build(),
                Set.of("sub", "iat", "exp", "jti", "auth_time", "preferred_username")));
        return processor.process(token, null);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void registerThenSignInWithUsernameAndWithDiscoverablePasskey(Algorithm algorithm) throws Exception {
        PasskeyClient alice = client(algorithm);
        String username = unique("alice");
        JsonNode registered = alice.register(username);
        String userId = registered.path("userId").asText();
        assertThat(registered.path("credentialId").asText()).isNotBlank();

        String token = alice.signIn(username);
        JWTClaimsSet claims = verify(token);
        assertThat(claims.getSubject()).isEqualTo(userId).isNotEqualTo(username);
        assertThat(claims.getStringClaim("preferred_username")).isEqualTo(username);
        assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isEqualTo(15 * 60 * 1000);
        assertThat(SignedJWT.parse(token).getHeader().getKeyID())
                .isEqualTo(JWKSet.load(server.jwksFile().toFile()).getKeys().get(0).getKeyID());

        String discoverable = alice.signIn(null);
        assertThat(verify(discoverable).getSubject()).isEqualTo(userId);
        assertThat(verify(discoverable).getJWTID()).isNotEqualTo(claims.getJWTID());
    }

    @Test
    void severalPasskeysPerAccountListedRenamedAndDeletedButNeverTheLast() throws Exception {
        PasskeyClient phone = client(Algorithm.ES256);
        String username = unique("carol");
        phone.register(username);
        String token = phone.signIn(username);
        PasskeyClient laptop = new PasskeyClient(server.baseUrl(), new SoftwareAuthenticator(server.origin(),
                Algorithm.RS256));
        String second = laptop.addPasskey(token).path("credentialId").asText();
        assertThat(verify(laptop.signIn(username)).getStringClaim("preferred_username")).isEqualTo(username);

        JsonNode list = phone.get("/credentials", token).expect(200).body().path("credentials");
        assertThat(list).hasSize(2);
        assertThat(list.get(1).path("lastUsedAt").isNull()).isFalse();
        JsonNode renamed = phone.patch("/credentials/" + second, PasskeyClient.object().put("name", "Laptop"), token)
                .expect(200).body();
        assertThat(renamed.path("name").asText()).isEqualTo("Laptop");
        assertThat(phone.patch("/credentials/" + second, PasskeyClient.object().put("name", ""), token).status())
                .isEqualTo(400);

        PasskeyClient other = client(Algorithm.ES256);
        String otherUser = unique("mallory");
        other.register(otherUser);
        String otherToken = other.signIn(otherUser);
        assertThat(other.delete("/credentials/" + second, otherToken).status()).as("someone else's passkey").isEqualTo(404);

        phone.delete("/credentials/" + second, token).expect(204);
        String first = phone.get("/credentials", token).expect(200).body().path("credentials").get(0).path("id").asText();
        PasskeyClient.Response last = phone.delete("/credentials/" + first, token).expect(409);
        assertThat(last.body().path("error").asText()).isEqualTo("last_credential");
        assertThat(phone.get("/credentials", null).status()).isEqualTo(401);
        assertThat(phone.get("/credentials", token + "x").status()).isEqualTo(401);
    }

    @Test
    void aRequestIdCompletesOnceEvenWhenRacing() throws Exception {
        PasskeyClient dave = client(Algorithm.ES256);
        String username = unique("dave");
        dave.register(username);
        JsonNode started = dave.startAuthentication(username).expect(200).body();
        ObjectNode body = PasskeyClient.object().put("requestId", started.path("requestId").asText());
        body.set("credential", dave.authenticator().authenticate(started.path("publicKey")));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> racers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                racers.add(() -> dave.post("/authenticate/complete", body, null).status());
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : pool.invokeAll(racers)) {
                statuses.add(f.get());
            }
            assertThat(statuses).containsOnlyOnce(200).filteredOn(s -> s != 200).containsOnly(400);
        } finally {
            pool.shutdownNow();
        }
        PasskeyClient.Response replay = dave.post("/authenticate/complete", body, null);
        assertThat(replay.status()).isEqualTo(400);
        assertThat(replay.body().path("error").asText()).isEqualTo("unknown_request");
    }

    @Test
    void anExpiredCeremonyCannotBeCompleted() throws Exception {
        PasskeyClient erin = client(Algorithm.ES256);
        JsonNode started = erin.post("/register/start", PasskeyClient.object().put("username", unique("erin")), null)
                .expect(200).body();
        Thread.sleep(2500);
        PasskeyClient.Response late = erin.completeRegistration(started, null);
        assertThat(late.status()).isEqualTo(400);
        assertThat(late.body().path("error").asText()).isEqualTo("unknown_request");
    }

    @Test
    void hostileRegistrationsAreRefusedWithA4xxAndNoStackTrace() {
        assertRefused(t -> t.origin = "https://evil.example", "verification_failed");
        assertRefused(t -> t.type = "webauthn.get", "verification_failed");
        assertRefused(t -> t.challenge = "AAAAAAAAAAAAAAAAAAAAAA", "verification_failed");
        assertRefused(t -> t.rpId = "evil.example", "verification_failed");
        assertRefused(t -> t.garbageAttestation = true, null);
        assertRefused(t -> t.badBase64 = true, null);
    }

    private static void assertRefused(Consumer<Tamper> hostile, String code) {
        PasskeyClient client = client(Algorithm.ES256);
        JsonNode started = client.post("/register/start", PasskeyClient.object().put("username", unique("eve")), null)
                .expect(200).body();
        Tamper tamper = new Tamper();
        hostile.accept(tamper);
        client.authenticator().tamperNext(tamper);
        PasskeyClient.Response response = client.completeRegistration(started, null);
        assertThat(response.status()).as(response.raw().body()).isEqualTo(400);
        assertNoLeak(response);
        if (code != null) {
            assertThat(response.body().path("error").asText()).isEqualTo(code);
        }
    }

    @Test
    void hostileAssertionsAreRefused() {
        PasskeyClient frank = client(Algorithm.ES256);
        String username = unique("frank");
        frank.register(username);
        for (Consumer<Tamper> hostile : List.<Consumer<Tamper>>of(t -> t.signature = true,
                t -> t.origin = "http://localhost:1", t -> t.rpId = "example.com", t -> t.badBase64 = true)) {
            JsonNode started = frank.startAuthentication(username).expect(200).body();
            Tamper tamper = new Tamper();
            hostile.accept(tamper);
            frank.authenticator().tamperNext(tamper);
            PasskeyClient.Response response = frank.completeAuthentication(started);
            assertThat(response.status()).as(response.raw().body()).isEqualTo(400);
            assertNoLeak(response);
        }
        assertThat(frank.signIn(username)).isNotBlank();
    }

    @Test
    void signatureCounterRegressionIsRefusedAndZeroIsAllowed() {
        PasskeyClient grace = client(Algorithm.ES256);
        String username = unique("grace");
        String credentialId = grace.register(username).path("credentialId").asText();
        // Synced passkeys report 0 every time: accepted.
        assertThat(grace.signIn(username)).isNotBlank();
        assertThat(grace.signIn(username)).isNotBlank();
        // A counter that moved forward, then a clone's older counter.
        grace.authenticator().setCounter(credentialId, 10);
        assertThat(grace.signIn(username)).isNotBlank();
        JsonNode started = grace.startAuthentication(username).expect(200).body();
        Tamper clone = new Tamper();
        clone.counter = 5L;
        grace.authenticator().tamperNext(clone);
        PasskeyClient.Response refused = grace.completeAuthentication(started);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().path("error").asText()).isEqualTo("counter_regression");
    }

    @Test
    void malformedRequestsGetA4xxWithJsonErrors() {
        PasskeyClient client = client(Algorithm.ES256);
        assertError(client.postRaw("/register/start", "application/json", "{not json"), 400, "malformed_json");
        assertError(client.postRaw("/register/start", "application/json", "[1,2]"), 400, "malformed_json");
        assertError(client.postRaw("/register/start", "application/json", "{\"username\": 5}"), 400, "invalid_request");
        assertError(client.postRaw("/register/start", "application/json", "{\"username\": \"a b\"}"), 400,
                "invalid_request");
        assertError(client.postRaw("/register/start", "text/plain", "{\"username\": \"x\"}"), 415, "unsupported_media_type");
        assertError(client.postRaw("/register/start", "application/json",
                "{\"username\": \"" + "x".repeat(70_000) + "\"}"), 413, "payload_too_large");
        assertError(client.postRaw("/authenticate/complete", "application/json",
                "{\"requestId\": \"AAAAAAAAAAAAAAAAAAAAAA\", \"credential\": {}}"), 400, "unknown_request");
        assertError(client.postRaw("/authenticate/complete", "application/json",
                "{\"requestId\": \"x\", \"credential\": \"nope\"}"), 400, "invalid_request");
        assertError(client.get("/nowhere", null), 404, "not_found");
    }

    private static void assertError(PasskeyClient.Response response, int status, String code) {
        assertThat(response.status()).as(response.raw().body()).isEqualTo(status);
        assertThat(response.body().path("error").asText()).isEqualTo(code);
        assertThat(response.body().path("message").asText()).isNotBlank();
        assertNoLeak(response);
    }

    private static void assertNoLeak(PasskeyClient.Response response) {
        assertThat(response.raw().body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain(".java:");
    }

    @Test
    void anUnknownUsernameLooksLikeAKnownOne() {
        PasskeyClient heidi = client(Algorithm.ES256);
        String known = unique("heidi");
        heidi.register(known);
        JsonNode forKnown = heidi.startAuthentication(known).expect(200).body().path("publicKey");
        JsonNode forUnknown = heidi.startAuthentication(unique("nobody")).expect(200).body().path("publicKey");
        assertThat(forUnknown.path("allowCredentials")).hasSize(forKnown.path("allowCredentials").size());
        assertThat(forUnknown.fieldNames()).toIterable().containsExactlyInAnyOrderElementsOf(
                () -> forKnown.fieldNames());
        JsonNode registerKnown = heidi.post("/register/start", PasskeyClient.object().put("username", known), null)
                .expect(200).body().path("publicKey");
        assertThat(registerKnown.path("excludeCredentials")).isEmpty();
        PasskeyClient.Response taken = heidi.completeRegistration(heidi.post("/register/start",
                PasskeyClient.object().put("username", known), null).body(), null);
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.body().path("error").asText()).isEqualTo("username_unavailable");
    }

    @Test
    void everyResponseCarriesSecurityHeadersAndNoCors() {
        PasskeyClient client = client(Algorithm.ES256);
        for (PasskeyClient.Response response : List.of(client.get("/", null), client.get("/health", null),
                client.postRaw("/register/start", "application/json", "{}"))) {
            var headers = response.raw().headers();
            assertThat(headers.firstValue("Content-Security-Policy")).get().asString()
                    .contains("script-src 'self'").doesNotContain("unsafe-inline");
            assertThat(headers.firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(headers.firstValue("X-Frame-Options")).contains("DENY");
            assertThat(headers.firstValue("Access-Control-Allow-Origin")).isEmpty();
            assertThat(headers.firstValue("Strict-Transport-Security")).as("no HSTS over http").isEmpty();
        }
    }

    @Test
    void healthAndMetrics() {
        PasskeyClient ivan = client(Algorithm.ES256);
        String username = unique("ivan");
        ivan.register(username);
        ivan.signIn(username);
        JsonNode health = ivan.get("/health", null).expect(200).body();
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.path("store").asText()).isEqualTo("UP");
        String metrics = ivan.get("/metrics", null).expect(200).raw().body();
        assertThat(metrics).contains("webauthn_ceremonies_total{ceremony=\"authentication\",outcome=\"success\"}")
                .contains("webauthn_ceremony_duration_seconds");
    }
}

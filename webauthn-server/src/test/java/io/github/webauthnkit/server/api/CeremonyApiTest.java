package io.github.webauthnkit.server.api;

import static io.github.webauthnkit.server.api.ApiAssertions.assertError;
import static io.github.webauthnkit.server.api.ApiAssertions.unique;
import static io.github.webauthnkit.server.api.ApiAssertions.verifyAsAService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Algorithm;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Attestation;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Tamper;
import io.github.webauthnkit.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ceremonies over HTTP, driven by the software authenticator: registration and sign-in with and without a
 * username, the tokens as a consuming service verifies them, several passkeys per account, single-use and expiring
 * request ids, signature counters. Refusals of hostile input are in {@link RefusalApiTest}; what the start steps tell
 * of a username, in {@link UsernameEnumerationApiTest}.
 */
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

    /** Verifies a token the way a consuming service does: with the ring's public JWKS, as config/webauthn-jwks.json. */
    static JWTClaimsSet verify(String token) throws Exception {
        return verifyAsAService(server, "test-issuer", "test-api", token, false);
    }

    static Stream<Arguments> algorithmsAndAttestations() {
        return Stream.of(Algorithm.values())
                .flatMap(a -> Stream.of(Attestation.values()).map(f -> Arguments.of(a, f)));
    }

    @ParameterizedTest(name = "{0} with {1} attestation")
    @MethodSource("algorithmsAndAttestations")
    void registerThenSignInWithUsernameAndWithDiscoverablePasskey(Algorithm algorithm, Attestation attestation)
            throws Exception {
        PasskeyClient alice = new PasskeyClient(server.baseUrl(),
                new SoftwareAuthenticator(server.origin(), algorithm, attestation));
        String username = unique("alice");
        JsonNode registered = alice.register(username);
        String userId = registered.path("userId").asText();
        String credentialId = registered.path("credentialId").asText();
        assertThat(credentialId).isNotBlank();

        JsonNode withUsername = alice.startAuthentication(username).expect(200).body();
        assertThat(withUsername.path("publicKey").path("rpId").asText()).isEqualTo(server.rpId());
        assertThat(withUsername.path("publicKey").path("allowCredentials").findValuesAsText("id"))
                .containsExactly(credentialId);
        PasskeyClient.Response signedIn = alice.completeAuthentication(withUsername).expect(200);
        assertThat(signedIn.body().path("token_type").asText()).isEqualTo("Bearer");
        assertThat(signedIn.body().path("expires_in").asLong()).isEqualTo(15 * 60);
        assertThat(signedIn.raw().headers().firstValue("Cache-Control")).contains("no-store");
        String token = signedIn.body().path("access_token").asText();

        JWTClaimsSet claims = verify(token);
        assertThat(claims.getSubject()).isEqualTo(userId).isNotEqualTo(username).doesNotContain(username);
        assertThat(claims.getStringClaim("preferred_username")).isEqualTo(username);
        assertThat(claims.getIssuer()).isEqualTo("test-issuer");
        assertThat(claims.getAudience()).containsExactly("test-api");
        assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isEqualTo(15 * 60 * 1000);
        assertThat(claims.getDateClaim("auth_time").toInstant())
                .isCloseTo(claims.getIssueTime().toInstant(), within(5, ChronoUnit.SECONDS));
        assertThat(SignedJWT.parse(token).getHeader().getKeyID())
                .isEqualTo(JWKSet.load(server.jwksFile().toFile()).getKeys().get(0).getKeyID());

        JsonNode discoverable = alice.startAuthentication(null).expect(200).body();
        assertThat(discoverable.path("publicKey").path("allowCredentials")).isEmpty();
        String second = alice.completeAuthentication(discoverable).expect(200).body().path("access_token").asText();
        assertThat(verify(second).getSubject()).isEqualTo(userId);
        assertThat(verify(second).getJWTID()).isNotEqualTo(claims.getJWTID());
    }

    /**
     * {@code amr} (RFC 8176) says how the user authenticated: "user" for the user presence test every sign-in has,
     * and "mfa" too when the authenticator verified the user (PIN or biometric, the UV flag): the passkey and the
     * verification are two factors.
     */
    @Test
    void theTokenSaysWhetherTheAuthenticatorVerifiedTheUser() throws Exception {
        PasskeyClient ivan = client(Algorithm.ES256);
        String username = unique("ivan");
        ivan.register(username);
        assertThat(verify(ivan.signIn(username)).getStringListClaim("amr")).containsExactly("user", "mfa");

        JsonNode started = ivan.startAuthentication(username).expect(200).body();
        Tamper presenceOnly = new Tamper();
        presenceOnly.userVerified = false;
        ivan.authenticator().tamperNext(presenceOnly);
        String token = ivan.completeAuthentication(started).expect(200).body().path("access_token").asText();
        assertThat(verify(token).getStringListClaim("amr")).containsExactly("user");
    }

    @Test
    void severalPasskeysPerAccountListedRenamedAndDeletedButNeverTheLast() throws Exception {
        PasskeyClient phone = client(Algorithm.ES256);
        String username = unique("carol");
        phone.register(username);
        String token = phone.signIn(username);
        // Changes need the phone's passkey again: its management token adds, renames and deletes.
        String manage = phone.manage(token);
        assertThatThrownBy(() -> phone.addPasskey(manage)).as("the account's passkeys are excluded")
                .hasMessageStartingWith("InvalidStateError");

        PasskeyClient laptop = client(Algorithm.RS256);
        Tamper synced = new Tamper();
        synced.backupEligible = true;
        synced.backedUp = true;
        laptop.authenticator().tamperNext(synced);
        String second = laptop.addPasskey(manage).path("credentialId").asText();
        assertThat(verify(laptop.signIn(username)).getStringClaim("preferred_username")).isEqualTo(username);

        JsonNode list = phone.get("/credentials", token).expect(200).body().path("credentials");
        assertThat(list).hasSize(2);
        assertThat(list.findValuesAsText("id")).contains(second);
        JsonNode laptopKey = list.get(1);
        assertThat(laptopKey.path("id").asText()).isEqualTo(second);
        assertThat(laptopKey.path("lastUsedAt").isNull()).isFalse();
        assertThat(laptopKey.path("backupEligible").asBoolean()).as("backup flags are stored").isTrue();
        assertThat(laptopKey.path("backedUp").asBoolean()).isTrue();
        assertThat(list.get(0).path("backupEligible").asBoolean()).isFalse();

        JsonNode renamed = phone.patch("/credentials/" + second, PasskeyClient.object().put("name", "Laptop"), manage)
                .expect(200).body();
        assertThat(renamed.path("name").asText()).isEqualTo("Laptop");
        assertError(phone.patch("/credentials/" + second, PasskeyClient.object().put("name", ""), manage), 400,
                "invalid_request");

        PasskeyClient other = client(Algorithm.ES256);
        String otherUser = unique("mallory");
        other.register(otherUser);
        String otherManage = other.manage(other.signIn(otherUser));
        assertError(other.delete("/credentials/" + second, otherManage), 404, "not_found");
        assertError(other.patch("/credentials/" + second, PasskeyClient.object().put("name", "Mine"), otherManage),
                404, "not_found");

        phone.delete("/credentials/" + second, manage).expect(204);
        JsonNode remaining = phone.get("/credentials", token).expect(200).body().path("credentials");
        assertThat(remaining).hasSize(1);
        assertError(phone.delete("/credentials/" + remaining.get(0).path("id").asText(), manage), 409,
                "last_credential");
        assertThat(phone.get("/credentials", token).body().path("credentials")).hasSize(1);
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
            List<Callable<PasskeyClient.Response>> racers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                racers.add(() -> dave.post("/authenticate/complete", body, null));
            }
            List<PasskeyClient.Response> responses = new ArrayList<>();
            for (Future<PasskeyClient.Response> f : pool.invokeAll(racers)) {
                responses.add(f.get());
            }
            assertThat(responses).filteredOn(r -> r.status() == 200).hasSize(1);
            responses.stream().filter(r -> r.status() != 200)
                    .forEach(r -> assertError(r, 400, "unknown_request"));
        } finally {
            pool.shutdownNow();
        }
        assertError(dave.post("/authenticate/complete", body, null), 400, "unknown_request");
    }

    @Test
    void aRegistrationCompletesOnce() {
        PasskeyClient erin = client(Algorithm.EdDSA);
        JsonNode started = erin.post("/register/start", PasskeyClient.object().put("username", unique("erin")), null)
                .expect(200).body();
        ObjectNode body = PasskeyClient.object().put("requestId", started.path("requestId").asText());
        body.set("credential", erin.authenticator().register(started.path("publicKey")));
        erin.post("/register/complete", body, null).expect(201);
        assertError(erin.post("/register/complete", body, null), 400, "unknown_request");
    }

    @Test
    void anExpiredCeremonyCannotBeCompleted() throws Exception {
        PasskeyClient frank = client(Algorithm.ES256);
        String username = unique("frank");
        frank.register(username);
        JsonNode registration = frank.post("/register/start", PasskeyClient.object().put("username", unique("late")),
                null).expect(200).body();
        JsonNode authentication = frank.startAuthentication(username).expect(200).body();
        assertThat(authentication.path("publicKey").path("timeout").asLong()).isEqualTo(2000);
        Thread.sleep(2500);
        assertError(frank.completeRegistration(registration, null), 400, "unknown_request");
        assertError(frank.completeAuthentication(authentication), 400, "unknown_request");
        assertThat(frank.signIn(username)).as("a fresh ceremony works").isNotBlank();
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
        assertError(grace.completeAuthentication(started), 400, "counter_regression");
        // The same counter again is a regression too (it must increase once it is not 0).
        started = grace.startAuthentication(username).expect(200).body();
        Tamper same = new Tamper();
        same.counter = 11L;
        grace.authenticator().tamperNext(same);
        assertError(grace.completeAuthentication(started), 400, "counter_regression");
        grace.authenticator().setCounter(credentialId, 11);
        assertThat(grace.signIn(username)).as("the genuine authenticator, counting on").isNotBlank();
    }
}

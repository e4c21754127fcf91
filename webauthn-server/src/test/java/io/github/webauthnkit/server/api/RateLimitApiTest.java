package io.github.webauthnkit.server.api;

import static io.github.webauthnkit.server.api.ApiAssertions.assertError;
import static io.github.webauthnkit.server.api.ApiAssertions.unique;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Algorithm;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Tamper;
import io.github.webauthnkit.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Repeated failures are slowed down per client address, and per username from one address: 429 with Retry-After.
 * The server runs as behind the production stack's proxy (WEBAUTHN_TRUST_PROXY), so each test can speak from its
 * own addresses.
 */
class RateLimitApiTest {
    private static final int PER_ADDRESS = 5;
    private static final int PER_USERNAME = 3;
    private static final String UNKNOWN_REQUEST = "{\"requestId\": \"AAAAAAAAAAAAAAAAAAAAAA\", \"credential\": {}}";

    private static TestServer server;
    private static RawHttp http;

    @BeforeAll
    static void start() {
        server = TestServer.start("ES256", Map.of("WEBAUTHN_TRUST_PROXY", "true",
                "WEBAUTHN_TRUSTED_PROXIES", "127.0.0.1", "WEBAUTHN_RATE_LIMIT_ADDRESS", Integer.toString(PER_ADDRESS),
                "WEBAUTHN_RATE_LIMIT_USERNAME", Integer.toString(PER_USERNAME), "WEBAUTHN_RATE_LIMIT_WINDOW", "1m"));
        http = new RawHttp(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> from(String address, String path, String body) {
        return http.post(path, body, "X-Forwarded-For", address);
    }

    private static void assertLimited(HttpResponse<String> response) {
        assertThat(assertError(response, 429, "rate_limited").path("message").asText())
                .startsWith("Too many failed attempts; retry in ");
        long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 60L);
    }

    @Test
    void repeatedFailuresFromOneAddressGet429WithRetryAfter() {
        String address = "203.0.113.10";
        for (int i = 0; i < PER_ADDRESS; i++) {
            assertError(from(address, "/authenticate/complete", UNKNOWN_REQUEST), 400, "unknown_request");
        }
        assertLimited(from(address, "/authenticate/start", "{}"));
        assertLimited(from(address, "/register/start", "{\"username\": \"" + unique("newcomer") + "\"}"));
        assertLimited(from(address, "/authenticate/complete", UNKNOWN_REQUEST));

        assertThat(from("203.0.113.11", "/authenticate/start", "{}").statusCode()).as("another address").isEqualTo(200);
        assertThat(http.get("/metrics").body()).contains("webauthn_rate_limited_total{scope=\"address\"}");
    }

    /** A client whose authenticator holds the passkey of a new account with this username. */
    private static PasskeyClient registered(String username) {
        PasskeyClient owner = new PasskeyClient(server.baseUrl(),
                new SoftwareAuthenticator(server.origin(), Algorithm.ES256));
        owner.register(username);
        return owner;
    }

    /** Fails a sign-in for the username from the address: a forged signature for the account's real passkey. */
    private static void failSignIn(PasskeyClient owner, String username, String address) {
        JsonNode started = RawHttp.json(from(address, "/authenticate/start",
                PasskeyClient.object().put("username", username).toString()));
        Tamper forged = new Tamper();
        forged.signature = true;
        owner.authenticator().tamperNext(forged);
        ObjectNode complete = PasskeyClient.object().put("requestId", started.path("requestId").asText());
        complete.set("credential", owner.authenticator().authenticate(started.path("publicKey")));
        assertError(from(address, "/authenticate/complete", complete.toString()), 400, "verification_failed");
    }

    @Test
    void repeatedFailedSignInsForOneUsernameFromOneAddressGet429There() {
        String username = unique("victim");
        PasskeyClient victim = registered(username);
        String address = "198.51.100.1";
        for (int i = 1; i <= PER_USERNAME; i++) {
            failSignIn(victim, username, address);
        }
        assertLimited(from(address, "/authenticate/start", "{\"username\": \"" + username + "\"}"));
        assertLimited(from(address, "/authenticate/start", "{\"username\": \"" + username.toUpperCase() + "\"}"));
        assertThat(from(address, "/authenticate/start", "{\"username\": \"" + unique("bystander") + "\"}").statusCode())
                .as("other accounts from that address").isEqualTo(200);
        assertThat(from(address, "/authenticate/start", "{}").statusCode()).as("discoverable sign-in").isEqualTo(200);
        assertThat(http.get("/metrics").body()).contains("webauthn_rate_limited_total{scope=\"username\"}");
    }

    /**
     * Targeted lockout: failures for a username from other addresses, even with forged signatures for the account's
     * real passkey, do not lock the account's owner out; each sender is limited where it sends from.
     */
    @Test
    void failedSignInsFromOtherAddressesDoNotLockTheOwnerOut() {
        String username = unique("target");
        PasskeyClient victim = registered(username);
        for (int a = 1; a <= 3; a++) {
            String attacker = "198.51.100." + (10 + a);
            for (int i = 1; i <= PER_USERNAME; i++) {
                failSignIn(victim, username, attacker);
            }
            for (int i = 0; i < 2; i++) {
                JsonNode started = RawHttp.json(from(attacker, "/authenticate/start", "{}"));
                assertError(from(attacker, "/authenticate/complete", "{\"requestId\": \""
                        + started.path("requestId").asText() + "\", \"credential\": {}}"), 400,
                        "malformed_credential");
            }
            assertLimited(from(attacker, "/authenticate/start", "{\"username\": \"" + username + "\"}"));
        }
        String owner = "192.0.2.200";
        JsonNode started = RawHttp.json(from(owner, "/authenticate/start",
                PasskeyClient.object().put("username", username).toString()));
        ObjectNode complete = PasskeyClient.object().put("requestId", started.path("requestId").asText());
        complete.set("credential", victim.authenticator().authenticate(started.path("publicKey")));
        HttpResponse<String> signedIn = from(owner, "/authenticate/complete", complete.toString());
        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
        assertThat(RawHttp.json(signedIn).path("access_token").asText()).isNotBlank();
    }

    /** The limit does not tell whether an account exists: an unknown username is limited the same way. */
    @Test
    void anUnknownUsernameIsLimitedLikeAKnownOne() {
        String username = unique("ghost");
        String address = "192.0.2.1";
        for (int i = 1; i <= PER_USERNAME; i++) {
            JsonNode started = RawHttp.json(from(address, "/authenticate/start",
                    "{\"username\": \"" + username + "\"}"));
            assertError(from(address, "/authenticate/complete", "{\"requestId\": \""
                    + started.path("requestId").asText() + "\", \"credential\": {}}"), 400, "malformed_credential");
        }
        assertLimited(from(address, "/authenticate/start", "{\"username\": \"" + username + "\"}"));
        assertThat(from("192.0.2.99", "/authenticate/start", "{\"username\": \"" + username + "\"}").statusCode())
                .as("the same username from elsewhere").isEqualTo(200);
    }

    /** Without a trusted proxy in front, a client cannot escape its limit by sending X-Forwarded-For itself. */
    @Test
    void aSpoofedForwardedForDoesNotEscapeTheLimit() {
        try (TestServer direct = TestServer.start("ES256", Map.of("WEBAUTHN_RATE_LIMIT_ADDRESS", "3",
                "WEBAUTHN_RATE_LIMIT_WINDOW", "1m"))) {
            RawHttp client = new RawHttp(direct.baseUrl());
            for (int i = 1; i <= 3; i++) {
                assertError(client.post("/authenticate/complete", UNKNOWN_REQUEST, "X-Forwarded-For", "10.9.9." + i),
                        400, "unknown_request");
            }
            assertLimited(client.post("/authenticate/start", "{}", "X-Forwarded-For", "10.9.9.77"));
            assertLimited(client.post("/authenticate/start", "{}"));
        }
    }
}

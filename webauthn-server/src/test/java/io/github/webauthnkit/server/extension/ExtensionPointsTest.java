package io.github.webauthnkit.server.extension;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The extension points a project uses, through the real server over HTTP: extra token claims computed from the
 * account, and the event listener that sees every sign-in, registration, confirmation, passkey change and refusal.
 */
class ExtensionPointsTest {

    @Test
    void extraClaimsComputedFromTheAccountAreInEveryToken() throws Exception {
        TokenClaims roles = account -> Map.of("roles", account.username().startsWith("admin")
                ? List.of("user", "admin") : List.of("user"), "tenant", "acme");
        try (TestServer server = TestServer.start("ES256", Map.of(), b -> b.tokenClaims(roles))) {
            PasskeyClient admin = client(server);
            admin.register("admin-ann");
            SignedJWT token = SignedJWT.parse(admin.signIn("admin-ann"));

            assertThat(token.getJWTClaimsSet().getStringListClaim("roles")).containsExactly("user", "admin");
            assertThat(token.getJWTClaimsSet().getStringClaim("tenant")).isEqualTo("acme");
            assertThat(token.getJWTClaimsSet().getStringClaim("preferred_username")).isEqualTo("admin-ann");

            PasskeyClient bob = client(server);
            bob.register("bob");
            assertThat(SignedJWT.parse(bob.signIn("bob")).getJWTClaimsSet().getStringListClaim("roles"))
                    .containsExactly("user");
        }
    }

    @Test
    void anExtensionCannotReplaceTheServersOwnClaims() {
        TokenClaims hostile = account -> Map.of("sub", "someone-else");
        try (TestServer server = TestServer.start("RS256", Map.of(), b -> b.tokenClaims(hostile))) {
            PasskeyClient carol = client(server);
            carol.register("carol");
            JsonNode started = carol.startAuthentication("carol").expect(200).body();
            PasskeyClient.Response refused = carol.completeAuthentication(started);

            assertThat(refused.status()).isEqualTo(500);
            assertThat(refused.body().path("error").asText()).isEqualTo("internal_error");
            assertThat(refused.raw().body()).doesNotContain("someone-else").doesNotContain("access_token");
        }
    }

    @Test
    void theListenerSeesRegistrationsSignInsConfirmationsPasskeyChangesAndRefusals() {
        List<AuthEvent> events = new CopyOnWriteArrayList<>();
        AuthEventListener failing = event -> {
            throw new IllegalStateException("a listener's own failure does not change the outcome");
        };
        try (TestServer server = TestServer.start("ES256", Map.of(),
                b -> b.eventListener(events::add).eventListener(failing))) {
            PasskeyClient dave = client(server);
            JsonNode registered = dave.register("dave");
            String manage = dave.manage(dave.signIn("dave"));
            JsonNode added = client(server).addPasskey(manage);
            dave.patch("/credentials/" + added.path("credentialId").asText(),
                    PasskeyClient.object().put("name", "Laptop"), manage).expect(200);
            dave.delete("/credentials/" + added.path("credentialId").asText(), manage).expect(204);
            dave.post("/authenticate/complete", PasskeyClient.object().put("requestId", "forged")
                    .set("credential", PasskeyClient.object()), null).expect(400);

            assertThat(events).extracting(AuthEvent::type).containsExactly(AuthEvent.Type.REGISTERED,
                    AuthEvent.Type.SIGNED_IN, AuthEvent.Type.REAUTHENTICATED, AuthEvent.Type.PASSKEY_ADDED,
                    AuthEvent.Type.PASSKEY_RENAMED, AuthEvent.Type.PASSKEY_REMOVED, AuthEvent.Type.REFUSED);
            String userId = registered.path("userId").asText();
            assertThat(events.subList(0, 6)).allSatisfy(e -> {
                assertThat(e.userId()).isEqualTo(userId);
                assertThat(e.username()).isEqualTo("dave");
                assertThat(e.clientAddress()).isEqualTo("127.0.0.1");
                assertThat(e.reason()).isNull();
            });
            assertThat(events.get(0).credentialId()).isEqualTo(registered.path("credentialId").asText());
            assertThat(events.get(2).credentialId()).as("the passkey that confirmed")
                    .isEqualTo(registered.path("credentialId").asText());
            assertThat(events.get(3).credentialId()).isEqualTo(added.path("credentialId").asText());
            assertThat(events.get(6).reason()).isNotBlank();
            assertThat(events.get(6).userId()).isNull();
        }
    }

    private static PasskeyClient client(TestServer server) {
        return new PasskeyClient(server.baseUrl(), new SoftwareAuthenticator(server.origin(), SoftwareAuthenticator.Algorithm.ES256));
    }
}

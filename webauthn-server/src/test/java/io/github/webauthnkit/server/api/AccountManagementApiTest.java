package io.github.webauthnkit.server.api;

import static io.github.webauthnkit.server.api.ApiAssertions.assertError;
import static io.github.webauthnkit.server.api.ApiAssertions.unique;
import static io.github.webauthnkit.server.api.ApiAssertions.verifyAsAService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.webauthnkit.server.ceremonies.RegistrationCeremony;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Algorithm;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Tamper;
import io.github.webauthnkit.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Changing an account's passkeys needs proof that the passkey holder is present now, not just a sign-in token: the
 * access token (which every API receives) gets 403 on every route that adds, renames or deletes a passkey; the
 * management token of the account ceremony (a fresh assertion by one of the account's own passkeys, with user
 * verification) is the only thing those routes accept, and nothing else accepts it. The server signs ES256 with the
 * default issuer and audience, and user verification is only preferred for sign-ins.
 */
class AccountManagementApiTest {
    private static final String MANAGEMENT_AUDIENCE = "webauthn-server#account";

    private static TestServer server;

    @BeforeAll
    static void start() {
        // High limits: this class fails on purpose, and the limits have their own test.
        server = TestServer.start("ES256", Map.of("WEBAUTHN_RATE_LIMIT_ADDRESS", "10000",
                "WEBAUTHN_RATE_LIMIT_USERNAME", "10000"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A registered account, signed in: its client (with the account's passkey), its id, passkey and access token. */
    private record Account(PasskeyClient client, String userId, String credentialId, String token) {
        static Account signedUp(String name) {
            PasskeyClient client = AccountManagementApiTest.client();
            String username = unique(name);
            JsonNode registered = client.register(username);
            return new Account(client, registered.path("userId").asText(), registered.path("credentialId").asText(),
                    client.signIn(username));
        }

        String manage() {
            return client.manage(token);
        }

        JsonNode passkeys() {
            return client.get("/credentials", token).expect(200).body().path("credentials");
        }
    }

    private static PasskeyClient client() {
        return new PasskeyClient(server.baseUrl(), new SoftwareAuthenticator(server.origin(), Algorithm.ES256));
    }

    private static ObjectNode named(String name) {
        return PasskeyClient.object().put("name", name);
    }

    @Test
    void theAccessTokenOfASignInCannotChangeTheAccount() {
        Account alice = Account.signedUp("alice");
        String passkey = "/credentials/" + alice.credentialId();

        assertError(alice.client().post("/register/start", PasskeyClient.object(), alice.token()), 403,
                "fresh_authentication_required");
        assertError(alice.client().patch(passkey, named("Stolen"), alice.token()), 403,
                "fresh_authentication_required");
        assertError(alice.client().delete(passkey, alice.token()), 403, "fresh_authentication_required");
        // A passkey addition started with the management token cannot be completed with the access token.
        PasskeyClient laptop = client();
        JsonNode started = laptop.post("/register/start", PasskeyClient.object(), alice.manage()).expect(200).body();
        assertError(laptop.completeRegistration(started, alice.token()), 403, "fresh_authentication_required");

        JsonNode passkeys = alice.passkeys();
        assertThat(passkeys).as("nothing changed").hasSize(1);
        assertThat(passkeys.get(0).path("name").asText()).isEqualTo("Passkey 1");
    }

    @Test
    void withoutATokenTheAccountRoutesAskForOne() {
        Account bob = Account.signedUp("bob");
        String passkey = "/credentials/" + bob.credentialId();
        PasskeyClient stranger = client();

        for (PasskeyClient.Response refused : new PasskeyClient.Response[] {
                stranger.patch(passkey, named("Mine"), null), stranger.delete(passkey, null),
                stranger.startAccount(null),
                stranger.completeRegistration(stranger.post("/register/start", PasskeyClient.object(), bob.manage())
                        .expect(200).body(), null)}) {
            assertError(refused, 401, "unauthorized");
            assertThat(refused.raw().headers().firstValue("WWW-Authenticate")).contains("Bearer");
        }
        // Without a token, /register/start is the registration of a new account, which needs a username.
        assertError(stranger.post("/register/start", PasskeyClient.object(), null), 400, "invalid_request");
        assertThat(bob.passkeys()).hasSize(1);
    }

    @Test
    void theManagementTokenAddsRenamesAndDeletesPasskeysWhileItLives() throws Exception {
        Account carol = Account.signedUp("carol");
        PasskeyClient.Response confirmed = carol.client().completeAccount(
                carol.client().startAccount(carol.token()).expect(200).body(), carol.token()).expect(200);
        assertThat(confirmed.raw().headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(confirmed.body().path("expires_in").asLong()).isEqualTo(300);
        String manage = confirmed.body().path("management_token").asText();

        SignedJWT jwt = SignedJWT.parse(manage);
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("account-management+jwt");
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(claims.getAudience()).containsExactly(MANAGEMENT_AUDIENCE);
        assertThat(claims.getIssuer()).isEqualTo("webauthn-server");
        assertThat(claims.getSubject()).isEqualTo(carol.userId());
        assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isEqualTo(300_000);
        assertThat(claims.getDateClaim("auth_time").toInstant())
                .isCloseTo(Instant.now(), within(10, ChronoUnit.SECONDS));
        assertThat(claims.getClaims()).doesNotContainKey("preferred_username");

        // One confirmation, several changes.
        String added = client().addPasskey(manage).path("credentialId").asText();
        assertThat(carol.client().patch("/credentials/" + added, named("Laptop"), manage).expect(200).body()
                .path("name").asText()).isEqualTo("Laptop");
        carol.client().delete("/credentials/" + carol.credentialId(), manage).expect(204);
        assertThat(carol.passkeys().findValuesAsText("id")).containsExactly(added);
    }

    @Test
    void theManagementTokenIsNoAccessToken() throws Exception {
        Account dave = Account.signedUp("dave");
        String manage = dave.manage();

        assertError(dave.client().get("/credentials", manage), 401, "invalid_token");
        assertError(dave.client().startAccount(manage), 401, "invalid_token");
        // A consuming service refuses it by its audience, whether or not it checks the header type too.
        assertThatThrownBy(() -> verifyAsAService(server, "webauthn-server", "webauthn-api", manage, true))
                .isInstanceOf(BadJOSEException.class).hasMessageContaining("aud");
        assertThatThrownBy(() -> verifyAsAService(server, "webauthn-server", "webauthn-api", manage, false))
                .isInstanceOf(BadJOSEException.class);
        assertThat(verifyAsAService(server, "webauthn-server", "webauthn-api", dave.token(), false).getSubject())
                .as("the access token verifies").isEqualTo(dave.userId());
    }

    @Test
    void anExpiredManagementTokenIsRefused() throws Exception {
        Account erin = Account.signedUp("erin");
        SignedJWT genuine = SignedJWT.parse(erin.manage());
        Instant now = Instant.now();
        // The same token signed again with the ring's key: only its times differ.
        String stillValid = resigned(genuine, now.minus(4, ChronoUnit.MINUTES), now.plus(1, ChronoUnit.MINUTES));
        String expired = resigned(genuine, now.minus(7, ChronoUnit.MINUTES), now.minus(2, ChronoUnit.MINUTES));

        erin.client().patch("/credentials/" + erin.credentialId(), named("Phone"), stillValid).expect(200);
        assertError(erin.client().patch("/credentials/" + erin.credentialId(), named("Expired"), expired), 401,
                "invalid_token");
        assertError(erin.client().post("/register/start", PasskeyClient.object(), expired), 401, "invalid_token");
        assertThat(erin.passkeys().get(0).path("name").asText()).isEqualTo("Phone");
    }

    private static String resigned(SignedJWT token, Instant issued, Instant expires) throws Exception {
        ECKey key = JWKSet.load(server.ringFile().toFile()).getKeyByKeyId(token.getHeader().getKeyID()).toECKey();
        SignedJWT copy = new SignedJWT(token.getHeader(), new JWTClaimsSet.Builder(token.getJWTClaimsSet())
                .issueTime(Date.from(issued)).expirationTime(Date.from(expires)).build());
        copy.sign(new ECDSASigner(key));
        return copy.serialize();
    }

    @Test
    void theAccountCeremonyAcceptsOnlyThatAccountsPasskeys() {
        Account frank = Account.signedUp("frank");
        Account mallory = Account.signedUp("mallory");
        JsonNode started = frank.client().startAccount(frank.token()).expect(200).body();
        assertThat(started.path("publicKey").path("allowCredentials").findValuesAsText("id"))
                .containsExactly(frank.credentialId());

        // Frank's stolen access token, and the thief's own passkey answering Frank's challenge.
        ObjectNode offered = started.deepCopy();
        ((ObjectNode) offered.path("publicKey")).remove("allowCredentials");
        assertError(mallory.client().post("/account/complete", mallory.client().assertion(offered), frank.token()),
                400, "verification_failed");
        // Frank's ceremony completed under another account's token, with Frank's passkey.
        JsonNode again = frank.client().startAccount(frank.token()).expect(200).body();
        assertError(mallory.client().post("/account/complete", frank.client().assertion(again), mallory.token()),
                400, "unknown_request");
        assertThat(frank.passkeys()).hasSize(1);
    }

    @Test
    void theAccountCeremonyRequiresUserVerificationEvenWhereSignInsDoNot() {
        Account grace = Account.signedUp("grace");
        JsonNode started = grace.client().startAccount(grace.token()).expect(200).body();
        assertThat(started.path("publicKey").path("userVerification").asText()).isEqualTo("required");
        Tamper presenceOnly = new Tamper();
        presenceOnly.userVerified = false;
        grace.client().authenticator().tamperNext(presenceOnly);
        assertError(grace.client().completeAccount(started, grace.token()), 400, "verification_failed");

        JsonNode signIn = grace.client().startAuthentication(null).expect(200).body();
        assertThat(signIn.path("publicKey").path("userVerification").asText()).isEqualTo("preferred");
        grace.client().authenticator().tamperNext(presenceOnly);
        grace.client().completeAuthentication(signIn).expect(200);
    }

    @Test
    void signInAndAccountCeremoniesDoNotCompleteEachOther() {
        Account heidi = Account.signedUp("heidi");
        JsonNode account = heidi.client().startAccount(heidi.token()).expect(200).body();
        assertError(heidi.client().post("/authenticate/complete", heidi.client().assertion(account), null), 400,
                "unknown_request");
        JsonNode signIn = heidi.client().startAuthentication(null).expect(200).body();
        assertError(heidi.client().post("/account/complete", heidi.client().assertion(signIn), heidi.token()), 400,
                "unknown_request");
    }

    @Test
    void anotherAccountsManagementTokenCannotCompleteAnAddition() {
        Account ivan = Account.signedUp("ivan");
        Account judy = Account.signedUp("judy");
        PasskeyClient newDevice = client();
        JsonNode started = newDevice.post("/register/start", PasskeyClient.object(), ivan.manage()).expect(200).body();
        assertThat(started.path("publicKey").path("user").path("id").asText()).isEqualTo(ivan.userId());
        assertError(newDevice.completeRegistration(started, judy.manage()), 403, "fresh_authentication_required");
        assertThat(ivan.passkeys()).hasSize(1);
        assertThat(judy.passkeys()).hasSize(1);
    }

    @Test
    void anAccountHoldsAtMostTwentyPasskeysCheckedAtStartAndAgainAtComplete() {
        Account kim = Account.signedUp("kim");
        String manage = kim.manage();
        // Each on a device of its own: an authenticator creates one passkey per account.
        for (int held = 1; held < RegistrationCeremony.MAX_PASSKEYS_PER_ACCOUNT - 1; held++) {
            client().addPasskey(manage);
        }
        // One place left, and two devices that both started before either completed: only the first gets it.
        PasskeyClient phone = client();
        PasskeyClient key = client();
        JsonNode phoneStarted = phone.post("/register/start", PasskeyClient.object(), manage).expect(200).body();
        JsonNode keyStarted = key.post("/register/start", PasskeyClient.object(), manage).expect(200).body();
        phone.completeRegistration(phoneStarted, manage).expect(201);
        JsonNode late = assertError(key.completeRegistration(keyStarted, manage), 409, "too_many_passkeys");
        assertThat(late.path("message").asText()).isEqualTo("This account already holds 20 passkeys, the most it may"
                + " have; delete one before adding another.");
        assertThat(kim.passkeys()).hasSize(RegistrationCeremony.MAX_PASSKEYS_PER_ACCOUNT);

        // Full: refused at start, before any device is asked; a deletion makes room again.
        assertError(key.post("/register/start", PasskeyClient.object(), manage), 409, "too_many_passkeys");
        kim.client().delete("/credentials/" + kim.credentialId(), manage).expect(204);
        key.addPasskey(manage);
        assertThat(kim.passkeys()).hasSize(RegistrationCeremony.MAX_PASSKEYS_PER_ACCOUNT);
    }
}

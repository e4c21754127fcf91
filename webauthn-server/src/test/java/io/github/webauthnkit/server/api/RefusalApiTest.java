package io.github.webauthnkit.server.api;

import static io.github.webauthnkit.server.api.ApiAssertions.assertError;
import static io.github.webauthnkit.server.api.ApiAssertions.unique;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.keys.core.KeyAlgorithm;
import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Algorithm;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Attestation;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Tamper;
import io.github.webauthnkit.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.DirectEncrypter;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Everything the API must refuse, each with its status, its JSON {error, message} and no stack trace: hostile
 * authenticator answers, malformed and oversized requests, request ids that are not this ceremony's, forged tokens.
 * The ring signs RS256 here, so the RSA public key is what an algorithm-confusion attack would abuse.
 */
class RefusalApiTest {
    private static TestServer server;
    private static RawHttp http;

    @BeforeAll
    static void start() {
        // High limits: this class fails on purpose, and the limits have their own test.
        server = TestServer.start("RS256", Map.of("WEBAUTHN_RATE_LIMIT_ADDRESS", "10000",
                "WEBAUTHN_RATE_LIMIT_USERNAME", "10000"));
        http = new RawHttp(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static PasskeyClient client() {
        return new PasskeyClient(server.baseUrl(), new SoftwareAuthenticator(server.origin(), Algorithm.ES256,
                Attestation.PACKED_SELF));
    }

    private static Arguments hostile(String name, Consumer<Tamper> tamper, int status, String code) {
        return Arguments.of(name, tamper, status, code);
    }

    static Stream<Arguments> hostileRegistrations() {
        return Stream.of(
                hostile("wrong origin", t -> t.origin = "https://evil.example", 400, "verification_failed"),
                hostile("origin on another port", t -> t.origin = "http://localhost:1", 400, "verification_failed"),
                hostile("wrong type", t -> t.type = "webauthn.get", 400, "verification_failed"),
                hostile("wrong challenge", t -> t.challenge = "AAAAAAAAAAAAAAAAAAAAAA", 400, "verification_failed"),
                hostile("wrong RP id hash", t -> t.rpId = "evil.example", 400, "verification_failed"),
                hostile("tampered attestation signature", t -> t.signature = true, 400, "verification_failed"),
                hostile("user not present", t -> t.userPresent = false, 400, "verification_failed"),
                hostile("attested data without the AT flag", t -> t.attestedCredentialData = false, 400,
                        "verification_failed"),
                hostile("garbage CBOR attestationObject", t -> t.garbageAttestation = true, 400,
                        "malformed_credential"),
                hostile("bad base64url", t -> t.badBase64 = true, 400, "malformed_credential"),
                hostile("backed up but not backup eligible", t -> t.backedUp = true, 400, "malformed_credential"),
                // WebAuthn Level 3, 7.1: a credential id is at most 1023 bytes.
                hostile("credential id of 1024 bytes", t -> t.credentialIdLength = 1024, 400, "malformed_credential"),
                hostile("credential id of 4000 bytes", t -> t.credentialIdLength = 4000, 400, "malformed_credential"),
                hostile("forty transports", t -> t.transports = IntStream.range(0, 40).mapToObj(i -> "usb" + i).toList(),
                        400, "malformed_credential"),
                hostile("a transport of 300 characters", t -> t.transports = List.of("x".repeat(300)), 400,
                        "malformed_credential"),
                hostile("a transport with a comma", t -> t.transports = List.of("usb,nfc"), 400,
                        "malformed_credential"),
                hostile("a transport with a control character", t -> t.transports = List.of("usb\u0000"), 400,
                        "malformed_credential"));
    }

    /** The largest credential id WebAuthn allows, and a transport this server does not know yet, are stored. */
    @Test
    void aCredentialIdOf1023BytesAndAnUnknownTransportAreAccepted() {
        PasskeyClient client = client();
        String username = unique("wide");
        Tamper widest = new Tamper();
        widest.credentialIdLength = 1023;
        widest.transports = List.of("usb", "smart-card", "some-future-transport");
        client.authenticator().tamperNext(widest);
        String credentialId = client.register(username).path("credentialId").asText();
        assertThat(Base64.getUrlDecoder().decode(credentialId)).hasSize(1023);
        JsonNode listed = client.get("/credentials", client.signIn(username)).expect(200).body().path("credentials");
        assertThat(listed.get(0).path("transports")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("usb", "smart-card", "some-future-transport");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRegistrations")
    void hostileRegistrationsAreRefused(String name, Consumer<Tamper> hostile, int status, String code) {
        PasskeyClient client = client();
        JsonNode started = client.post("/register/start", PasskeyClient.object().put("username", unique("eve")), null)
                .expect(200).body();
        Tamper tamper = new Tamper();
        hostile.accept(tamper);
        client.authenticator().tamperNext(tamper);
        assertError(client.completeRegistration(started, null), status, code);
    }

    static Stream<Arguments> hostileAssertions() {
        return Stream.of(
                hostile("tampered signature", t -> t.signature = true, 400, "verification_failed"),
                hostile("wrong origin", t -> t.origin = "https://localhost", 400, "verification_failed"),
                hostile("wrong type", t -> t.type = "webauthn.create", 400, "verification_failed"),
                hostile("wrong challenge", t -> t.challenge = "AAAAAAAAAAAAAAAAAAAAAA", 400, "verification_failed"),
                hostile("wrong RP id hash", t -> t.rpId = "example.com", 400, "verification_failed"),
                hostile("user not present", t -> t.userPresent = false, 400, "verification_failed"),
                hostile("someone else's user handle", t -> t.userHandle = "c29tZW9uZS1lbHNl", 400,
                        "verification_failed"),
                hostile("bad base64url", t -> t.badBase64 = true, 400, "malformed_credential"),
                hostile("truncated authenticatorData", t -> t.garbageAuthenticatorData = true, 400,
                        "malformed_credential"),
                hostile("backed up but not backup eligible", t -> t.backedUp = true, 400, "malformed_credential"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileAssertions")
    void hostileAssertionsAreRefused(String name, Consumer<Tamper> hostile, int status, String code) {
        PasskeyClient frank = client();
        String username = unique("frank");
        frank.register(username);
        for (String startedWith : new String[] {username, null}) {
            JsonNode started = frank.startAuthentication(startedWith).expect(200).body();
            Tamper tamper = new Tamper();
            hostile.accept(tamper);
            frank.authenticator().tamperNext(tamper);
            assertError(frank.completeAuthentication(started), status, code);
        }
        assertThat(frank.signIn(username)).as("the honest answer still works").isNotBlank();
    }

    @Test
    void aPasskeyThisServerDoesNotKnowIsRefused() {
        PasskeyClient stranger = client();
        JsonNode refused = stranger.post("/register/start", PasskeyClient.object().put("username", unique("ivy")),
                null).expect(200).body();
        Tamper tamper = new Tamper();
        tamper.challenge = "AAAAAAAAAAAAAAAAAAAAAA";
        stranger.authenticator().tamperNext(tamper);
        assertError(stranger.completeRegistration(refused, null), 400, "verification_failed");
        // The authenticator kept the credential the server refused, and offers it to a discoverable sign-in.
        assertThat(stranger.authenticator().credentialCount()).isEqualTo(1);
        assertError(stranger.completeAuthentication(stranger.startAuthentication(null).expect(200).body()), 400,
                "unknown_credential");
    }

    /**
     * A passkey of another account, valid and registered here, presented where the username's or the user handle's
     * account is expected: the completion reads the presented passkey with its own account, which must not stand in
     * for the one asked about. With a username, the server listed the account's passkeys; without one, the assertion
     * names Alice's real user handle (a user handle is not signed). Both sign-ins of the accounts' owners still work.
     */
    @Test
    void aSignInForOneAccountIsRefusedWithAnotherAccountsPasskey() {
        PasskeyClient alice = client();
        String aliceName = unique("alice");
        String aliceId = alice.register(aliceName).path("userId").asText();
        PasskeyClient mallory = client();
        String malloryName = unique("mallory");
        mallory.register(malloryName);

        ObjectNode started = (ObjectNode) mallory.startAuthentication(aliceName).expect(200).body();
        // Mallory's authenticator signs the challenge with her own passkey instead of one the server listed.
        ((ObjectNode) started.path("publicKey")).remove("allowCredentials");
        assertError(mallory.completeAuthentication(started), 400, "verification_failed");

        Tamper asAlice = new Tamper();
        asAlice.userHandle = aliceId;
        mallory.authenticator().tamperNext(asAlice);
        assertError(mallory.completeAuthentication(mallory.startAuthentication(null).expect(200).body()), 400,
                "verification_failed");

        assertThat(alice.signIn(aliceName)).isNotBlank();
        assertThat(mallory.completeAuthentication(mallory.startAuthentication(null).expect(200).body()).expect(200)
                .body().path("access_token").asText()).isNotBlank();
    }

    /** A registration's request id sent with an assertion: the stored state is not this ceremony's. */
    @Test
    void anAuthenticationCannotCompleteARegistrationsRequestId() {
        PasskeyClient judy = client();
        String username = unique("judy");
        judy.register(username);
        JsonNode registration = judy.post("/register/start", PasskeyClient.object().put("username", unique("kim")),
                null).expect(200).body();
        JsonNode authentication = judy.startAuthentication(username).expect(200).body();
        ObjectNode body = PasskeyClient.object().put("requestId", registration.path("requestId").asText());
        body.set("credential", judy.authenticator().authenticate(authentication.path("publicKey")));
        assertError(judy.post("/authenticate/complete", body, null), 400, "unknown_request");
    }

    @Test
    void aRegistrationCannotCompleteAnAuthenticationsRequestId() {
        PasskeyClient kate = client();
        String username = unique("kate");
        kate.register(username);
        JsonNode authentication = kate.startAuthentication(username).expect(200).body();
        JsonNode registration = kate.post("/register/start", PasskeyClient.object().put("username", unique("lou")),
                null).expect(200).body();
        ObjectNode body = PasskeyClient.object().put("requestId", authentication.path("requestId").asText());
        body.set("credential", kate.authenticator().register(registration.path("publicKey")));
        assertError(kate.post("/register/complete", body, null), 400, "unknown_request");
    }

    @Test
    void malformedRequestsGetA4xxWithJsonErrors() {
        PasskeyClient client = client();
        assertError(client.postRaw("/register/start", "application/json", "{not json"), 400, "malformed_json");
        assertError(client.postRaw("/register/start", "application/json", "[1,2]"), 400, "malformed_json");
        assertError(client.postRaw("/register/start", "application/json", "\"alice\""), 400, "malformed_json");
        assertError(client.postRaw("/register/start", "application/json", "[".repeat(5000) + "]".repeat(5000)),
                400, "malformed_json");
        assertError(client.postRaw("/register/start", "application/json", "{\"username\": 5}"), 400,
                "invalid_request");
        assertError(client.postRaw("/register/start", "application/json", "{\"username\": [\"a\"]}"), 400,
                "invalid_request");
        assertError(client.postRaw("/register/start", "application/json", "{\"username\": \"a b\"}"), 400,
                "invalid_request");
        assertError(client.postRaw("/register/start", "application/json", "{}"), 400, "invalid_request");
        assertError(client.postRaw("/register/start", "application/json",
                "{\"username\": \"ok\", \"displayName\": {}}"), 400, "invalid_request");
        assertError(client.postRaw("/authenticate/start", "application/json", "{\"username\": true}"), 400,
                "invalid_request");
        assertError(client.postRaw("/register/start", "text/plain", "{\"username\": \"x\"}"), 415,
                "unsupported_media_type");
        assertError(http.send("POST", "/register/start", HttpRequest.BodyPublishers.ofString("{}")), 415,
                "unsupported_media_type");

        assertError(client.postRaw("/authenticate/complete", "application/json",
                "{\"requestId\": \"AAAAAAAAAAAAAAAAAAAAAA\", \"credential\": {}}"), 400, "unknown_request");
        assertError(client.postRaw("/authenticate/complete", "application/json",
                "{\"requestId\": 12345, \"credential\": {}}"), 400, "invalid_request");
        assertError(client.postRaw("/authenticate/complete", "application/json",
                "{\"requestId\": \"x\", \"credential\": \"nope\"}"), 400, "invalid_request");
        assertError(client.postRaw("/register/complete", "application/json", "{\"credential\": {}}"), 400,
                "invalid_request");
        assertError(client.get("/nowhere", null), 404, "not_found");
        HttpResponse<String> wrongMethod = http.send("PUT", "/register/start",
                HttpRequest.BodyPublishers.ofString("{}"), "Content-Type", "application/json");
        assertError(wrongMethod, 405, "method_not_allowed");
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("POST");
        HttpResponse<String> deleteAll = http.send("DELETE", "/credentials", HttpRequest.BodyPublishers.noBody());
        assertError(deleteAll, 405, "method_not_allowed");
        assertThat(deleteAll.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(deleteAll.body()).contains("/credentials answers GET, HEAD");
        // A browser's request, which accepts HTML, gets the same JSON and Allow.
        HttpResponse<String> fromBrowser = http.send("DELETE", "/credentials", HttpRequest.BodyPublishers.noBody(),
                "Accept", "text/html,application/xhtml+xml");
        assertError(fromBrowser, 405, "method_not_allowed");
        assertThat(fromBrowser.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void credentialsThatAreNotWebAuthnResponsesAreRefused() {
        PasskeyClient client = client();
        for (String credential : new String[] {"{}", "{\"id\": 5, \"type\": \"public-key\"}",
                "{\"id\": \"AAAA\", \"rawId\": \"AAAA\", \"type\": \"public-key\", \"response\": {}}",
                "{\"id\": \"AAAA\", \"rawId\": \"AAAA\", \"type\": \"public-key\", \"response\":"
                        + " {\"clientDataJSON\": 5, \"attestationObject\": [1]}, \"clientExtensionResults\": {}}"}) {
            JsonNode registration = client.post("/register/start",
                    PasskeyClient.object().put("username", unique("lee")), null).expect(200).body();
            assertError(client.postRaw("/register/complete", "application/json", "{\"requestId\": \""
                    + registration.path("requestId").asText() + "\", \"credential\": " + credential + "}"), 400,
                    "malformed_credential");
            JsonNode authentication = client.startAuthentication(null).expect(200).body();
            assertError(client.postRaw("/authenticate/complete", "application/json", "{\"requestId\": \""
                    + authentication.path("requestId").asText() + "\", \"credential\": " + credential + "}"), 400,
                    "malformed_credential");
        }
    }

    /**
     * Refusal messages explain the problem without naming the server's libraries or classes (which would tell an
     * attacker what to look up): the server strips exception class prefixes, and must strip the class names that
     * the JSON binding quotes too.
     */
    @Test
    void refusalMessagesDoNotNameTheServersClasses() {
        PasskeyClient client = client();
        JsonNode started = client.post("/register/start", PasskeyClient.object().put("username", unique("max")), null)
                .expect(200).body();
        Tamper garbage = new Tamper();
        garbage.garbageAttestation = true;
        client.authenticator().tamperNext(garbage);
        String message = assertError(client.completeRegistration(started, null), 400, "malformed_credential")
                .path("message").asText();
        assertThat(message).doesNotContain("com.yubico").doesNotContain("com.fasterxml").doesNotContain("`");
    }

    @Test
    void oversizeBodiesAreRefusedWith413() {
        PasskeyClient client = client();
        String big = "{\"username\": \"" + "x".repeat(70_000) + "\"}";
        // Many times: refused before its body was read, such a request met a closed connection about once in 20
        // while its client was still sending (a broken pipe, no 413).
        for (int i = 0; i < 60; i++) {
            assertError(client.postRaw("/register/start", "application/json", big), 413, "payload_too_large");
        }
        // Without a Content-Length (chunked), the limit holds too.
        assertError(http.send("POST", "/authenticate/start", chunked(big), "Content-Type", "application/json"), 413,
                "payload_too_large");
    }

    /**
     * The limit is the body's size exactly, with a Content-Length and in chunks. A body that ends before its declared
     * length, or whose chunks cannot be parsed, is refused with 400: it is neither read as an empty object nor taken
     * for a server error.
     */
    @Test
    void bodiesAreReadUpToTheLimitAndBrokenOnesAreRefused() throws Exception {
        String json = "{\"username\": \"" + unique("limit") + "\"}";
        String atLimit = json + " ".repeat(ServerConfig.MAX_BODY_BYTES - json.length());
        String pastLimit = atLimit + " ";
        assertThat(http.post("/authenticate/start", atLimit).statusCode()).isEqualTo(200);
        assertError(http.post("/authenticate/start", pastLimit), 413, "payload_too_large");
        assertThat(http.send("POST", "/authenticate/start", chunked(atLimit), "Content-Type", "application/json")
                .statusCode()).isEqualTo(200);
        assertError(http.send("POST", "/authenticate/start", chunked(pastLimit), "Content-Type", "application/json"),
                413, "payload_too_large");

        String head = "POST /authenticate/start HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Connection: close\r\n";
        // Jetty reports both as a failed read (RequestBodiesTest has a stream that merely ends early).
        String unreadable = "{\"error\":\"malformed_json\",\"message\":\"The request body could not be read.\"}";
        assertThat(http.onSocket(head + "Content-Length: 100\r\n\r\n" + json)).as("a body shorter than declared")
                .startsWith("HTTP/1.1 400").endsWith(unreadable);
        assertThat(http.onSocket(head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + json + "\r\n0\r\n\r\n"))
                .as("a chunk size that is no number").startsWith("HTTP/1.1 400").endsWith(unreadable);
    }

    private static HttpRequest.BodyPublisher chunked(String body) {
        return HttpRequest.BodyPublishers.fromPublisher(
                subscriber -> HttpRequest.BodyPublishers.ofString(body).subscribe(subscriber));
    }

    @Test
    void forgedAndMalformedTokensAreRefused() throws Exception {
        PasskeyClient olivia = client();
        String username = unique("olivia");
        String userId = olivia.register(username).path("userId").asText();
        String genuine = olivia.signIn(username);
        SignedJWT parsed = SignedJWT.parse(genuine);
        JWTClaimsSet claims = new JWTClaimsSet.Builder(parsed.getJWTClaimsSet())
                .expirationTime(new Date(System.currentTimeMillis() + 600_000)).build();
        assertThat(claims.getSubject()).isEqualTo(userId);
        RSAKey published = (RSAKey) JWKSet.load(server.jwksFile().toFile())
                .getKeyByKeyId(parsed.getHeader().getKeyID());

        RSAKey impostor = new RSAKeyGenerator(2048).keyID(published.getKeyID()).generate();
        SignedJWT otherKey = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(published.getKeyID())
                .build(), claims);
        otherKey.sign(new RSASSASigner(impostor));
        // The RSA public key used as an HMAC secret: the classic algorithm confusion.
        SignedJWT confused = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(published.getKeyID())
                .build(), claims);
        confused.sign(new MACSigner(published.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
        SignedJWT ecForged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(published.getKeyID())
                .build(), claims);
        ecForged.sign(new ECDSASigner(new ECKeyGenerator(Curve.P_256).generate()));
        String[] parts = genuine.split("\\.");
        String tamperedClaims = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims.toString().replace(username, "admin").getBytes(StandardCharsets.UTF_8)) + "." + parts[2];

        EncryptedJWT encrypted = new EncryptedJWT(new JWEHeader(JWEAlgorithm.DIR, EncryptionMethod.A128GCM), claims);
        encrypted.encrypt(new DirectEncrypter(new byte[16]));

        // A type of the caller's own, checked before the signature: refused without being repeated.
        SignedJWT oddType = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(published.getKeyID())
                .type(new JOSEObjectType("<b>admin</b>\nX-Injected: 1")).build(), claims);
        oddType.sign(new RSASSASigner(impostor));

        // Each refusal says what is wrong in the API's words (not the JOSE library's "extend class to handle").
        String invalidSignature = "its signature does not verify with the published key it names";
        Map<String, String> reasons = new LinkedHashMap<>();
        reasons.put(otherKey.serialize(), invalidSignature);
        reasons.put(confused.serialize(), "its algorithm is not one this server signs with ("
                + KeyAlgorithm.allowedNames() + ")");
        reasons.put(ecForged.serialize(), "no published key has its key id (kid) and algorithm; a token of a key no"
                + " longer published is refused: sign in again");
        reasons.put(oddType.serialize(), "its type (typ) is not one this endpoint takes: an access token is a JWT, a"
                + " management token account-management+jwt");
        reasons.put(new PlainJWT(claims).serialize(), "an unsigned token (alg \"none\") is never accepted");
        reasons.put(encrypted.serialize(), "an encrypted token is not one this server issues; send the signed token it"
                + " issued");
        reasons.put(tamperedClaims, invalidSignature);
        reasons.put("not-a-jwt", "it is not a JWT");
        reasons.put(genuine + "x", invalidSignature);
        for (Map.Entry<String, String> reason : reasons.entrySet()) {
            String forged = reason.getKey();
            HttpResponse<String> refused = http.get("/credentials", "Authorization", "Bearer " + forged);
            assertThat(assertError(refused, 401, "invalid_token").path("message").asText())
                    .isEqualTo("The bearer token was refused: " + reason.getValue());
            assertThat(refused.headers().firstValue("WWW-Authenticate")).get().asString().startsWith("Bearer");
            assertError(http.post("/register/start", PasskeyClient.object(), "Authorization", "Bearer " + forged),
                    401, "invalid_token");
            assertError(http.send("DELETE", "/credentials/" + userId, HttpRequest.BodyPublishers.noBody(),
                    "Authorization", "Bearer " + forged), 401, "invalid_token");
        }
        assertError(http.get("/credentials", "Authorization", "Basic " + genuine), 401, "invalid_token");
        assertError(http.get("/credentials"), 401, "unauthorized");
        assertThat(http.get("/credentials", "Authorization", "Bearer " + genuine).statusCode()).isEqualTo(200);
    }

}

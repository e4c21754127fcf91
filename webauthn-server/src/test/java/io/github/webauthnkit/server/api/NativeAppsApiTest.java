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
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Passkeys from Android apps (Credential Manager's JSON, the android:apk-key-hash: origin), from iOS apps, and from
 * related origins: accepted exactly for what the server is configured with, and the well-known documents that allow
 * them, field by field. A server without that configuration serves none of the documents and refuses all of them.
 */
class NativeAppsApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APP = "com.example.app";
    private static final String WEAR_APP = "com.example.wear";
    private static final String APP_KEY = SoftwareAuthenticator.randomFingerprint();
    /** The same app's second signing certificate (as with Play App Signing and a local upload key). */
    private static final String APP_UPLOAD_KEY = SoftwareAuthenticator.randomFingerprint();
    private static final String WEAR_KEY = SoftwareAuthenticator.randomFingerprint();
    private static final String IOS_APP = "ABCDE12345.com.example.app";
    private static final String RELATED = "https://shop.example";

    private static TestServer configured;
    private static TestServer plain;

    @BeforeAll
    static void start() {
        // Written in lower case and with spaces, as people paste them: the server normalizes the fingerprints.
        configured = TestServer.start("ES256", Map.of(
                "WEBAUTHN_ANDROID_APPS", APP + "=" + APP_KEY.toLowerCase() + ", " + WEAR_APP + "=" + WEAR_KEY + ","
                        + APP + "=" + APP_UPLOAD_KEY,
                "WEBAUTHN_IOS_APPS", IOS_APP,
                "WEBAUTHN_RELATED_ORIGINS", RELATED + ", http://related.localhost:8443",
                "WEBAUTHN_RATE_LIMIT_ADDRESS", "1000", "WEBAUTHN_RATE_LIMIT_USERNAME", "1000"));
        plain = TestServer.start();
    }

    @AfterAll
    static void stop() {
        configured.close();
        plain.close();
    }

    private static PasskeyClient client(TestServer server, SoftwareAuthenticator authenticator) {
        return new PasskeyClient(server.baseUrl(), authenticator);
    }

    @Test
    void aConfiguredAndroidAppRegistersAndSignsInWithCredentialManagersJson() {
        for (String key : List.of(APP_KEY, APP_UPLOAD_KEY)) {
            PasskeyClient app = client(configured, SoftwareAuthenticator.android(APP, key, Algorithm.ES256));
            String username = unique("android");
            JsonNode started = app.post("/register/start", PasskeyClient.object().put("username", username), null)
                    .expect(200).body();
            JsonNode credential = app.authenticator().register(started.path("publicKey"));
            JsonNode clientData = clientData(credential);
            assertThat(clientData.path("origin").asText()).isEqualTo(SoftwareAuthenticator.androidOrigin(key))
                    .matches("android:apk-key-hash:[A-Za-z0-9_-]{43}");
            assertThat(clientData.path("androidPackageName").asText()).isEqualTo(APP);
            app.post("/register/complete", PasskeyClient.object().put("requestId", started.path("requestId").asText())
                    .set("credential", credential), null).expect(201);

            assertThat(app.signIn(username)).isNotBlank();
            // Credential Manager's assertion JSON has no clientExtensionResults.
            JsonNode signIn = app.startAuthentication(null).expect(200).body();
            JsonNode assertion = app.assertion(signIn);
            assertThat(assertion.path("credential").has("clientExtensionResults")).isFalse();
            assertThat(app.post("/authenticate/complete", assertion, null).expect(200).body().path("access_token")
                    .asText()).isNotBlank();
        }
        PasskeyClient wear = client(configured, SoftwareAuthenticator.android(WEAR_APP, WEAR_KEY, Algorithm.RS256));
        wear.register(unique("wear"));
    }

    @Test
    void anAndroidAppIsRefusedUnlessItsCertificateAndPackageAreConfigured() {
        String unconfigured = SoftwareAuthenticator.randomFingerprint();
        String nearMiss = APP_KEY.substring(0, APP_KEY.length() - 1) + (APP_KEY.endsWith("0") ? "1" : "0");
        List<String> refusals = new ArrayList<>();
        refusals.add(refusedRegistration(SoftwareAuthenticator.android(APP, unconfigured, Algorithm.ES256)));
        refusals.add(refusedRegistration(SoftwareAuthenticator.android(APP, nearMiss, Algorithm.ES256)));
        assertThat(refusals).allSatisfy(m -> assertThat(m).startsWith("The Android app signing certificate of origin"
                + " 'android:apk-key-hash:").endsWith("' is not one this server accepts."));
        // The origin names only the certificate; Credential Manager names the package too, and the pair must match.
        assertThat(refusedRegistration(SoftwareAuthenticator.android("com.example.other", APP_KEY, Algorithm.ES256)))
                .isEqualTo("This Android app is not accepted with the signing certificate of origin '"
                        + SoftwareAuthenticator.androidOrigin(APP_KEY) + "'.");
        assertThat(refusedRegistration(SoftwareAuthenticator.android(APP, WEAR_KEY, Algorithm.ES256)))
                .as("a configured certificate of another package").startsWith("This Android app is not accepted");

        // Sign-in: the same passkey, presented as from each of those.
        PasskeyClient app = client(configured, SoftwareAuthenticator.android(APP, APP_KEY, Algorithm.ES256));
        String username = unique("android");
        app.register(username);
        for (Tamper tamper : List.of(origin(SoftwareAuthenticator.androidOrigin(unconfigured)),
                origin(SoftwareAuthenticator.androidOrigin(nearMiss)), packageName("com.example.other"),
                packageName(WEAR_APP))) {
            JsonNode started = app.startAuthentication(username).expect(200).body();
            app.authenticator().tamperNext(tamper);
            assertThat(assertError(app.completeAuthentication(started), 400, "verification_failed").path("message")
                    .asText()).contains("android:apk-key-hash:", "not");
        }
        assertThat(app.signIn(username)).isNotBlank();
    }

    @Test
    void aRelatedOriginIsAcceptedAndAnOriginNotOnTheListIsNot() {
        PasskeyClient related = client(configured, new SoftwareAuthenticator(RELATED, Algorithm.ES256));
        String username = unique("related");
        related.register(username);
        assertThat(related.signIn(username)).isNotBlank();

        // The passkey belongs to the RP ID, so the main origin signs in with it too.
        PasskeyClient main = client(configured, related.authenticator());
        assertThat(main.signIn(username)).isNotBlank();

        assertThat(refusedRegistration(new SoftwareAuthenticator("https://other.example", Algorithm.ES256)))
                .isEqualTo("The origin 'https://other.example' is not one this server accepts.");
        // A hostile origin of any length is named, cut to 120 characters.
        String longOrigin = "https://" + "a".repeat(300) + ".example";
        assertThat(refusedRegistration(new SoftwareAuthenticator(longOrigin, Algorithm.ES256)))
                .isEqualTo("The origin '" + longOrigin.substring(0, 120) + "...' is not one this server accepts.");
        JsonNode started = related.startAuthentication(username).expect(200).body();
        related.authenticator().tamperNext(origin("https://shop.example:8443"));
        assertThat(assertError(related.completeAuthentication(started), 400, "verification_failed").path("message")
                .asText()).isEqualTo("The origin 'https://shop.example:8443' is not one this server accepts.");
    }

    @Test
    void anIosAppsCeremonyCarriesTheRpIdsHttpsOrigin() {
        String iosOrigin = "https://" + configured.rpId();
        PasskeyClient ios = client(configured, new SoftwareAuthenticator(iosOrigin, Algorithm.ES256));
        String username = unique("ios");
        ios.register(username);
        assertThat(ios.signIn(username)).isNotBlank();
        assertThat(refusedRegistration(plain, new SoftwareAuthenticator("https://" + plain.rpId(), Algorithm.ES256)))
                .isEqualTo("The origin 'https://localhost' is not one this server accepts.");
    }

    @Test
    void withoutConfigurationNoAppOrRelatedOriginIsAccepted() {
        assertThat(refusedRegistration(plain, SoftwareAuthenticator.android(APP, APP_KEY, Algorithm.ES256)))
                .startsWith("The Android app signing certificate of origin");
        assertThat(refusedRegistration(plain, new SoftwareAuthenticator(RELATED, Algorithm.ES256)))
                .isEqualTo("The origin 'https://shop.example' is not one this server accepts.");
        RawHttp http = new RawHttp(plain.baseUrl());
        for (String path : List.of("/.well-known/assetlinks.json", "/.well-known/apple-app-site-association",
                "/.well-known/webauthn")) {
            assertError(http.get(path), 404, "not_found");
        }
    }

    @Test
    void theAssetLinksListEveryPackageWithItsCertificatesAndBothRelations() throws Exception {
        JsonNode statements = document("/.well-known/assetlinks.json");
        assertThat(statements.isArray()).isTrue();
        assertThat(statements).hasSize(2);
        List<String> relations = List.of("delegate_permission/common.handle_all_urls",
                "delegate_permission/common.get_login_creds");
        JsonNode app = statements.get(0);
        assertThat(fieldNames(app)).containsExactly("relation", "target");
        assertThat(JSON.convertValue(app.get("relation"), List.class)).isEqualTo(relations);
        assertThat(fieldNames(app.get("target"))).containsExactly("namespace", "package_name",
                "sha256_cert_fingerprints");
        assertThat(app.at("/target/namespace").asText()).isEqualTo("android_app");
        assertThat(app.at("/target/package_name").asText()).isEqualTo(APP);
        assertThat(JSON.convertValue(app.at("/target/sha256_cert_fingerprints"), List.class))
                .isEqualTo(List.of(APP_KEY, APP_UPLOAD_KEY));
        assertThat(APP_KEY).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
        JsonNode wear = statements.get(1);
        assertThat(JSON.convertValue(wear.get("relation"), List.class)).isEqualTo(relations);
        assertThat(wear.at("/target/package_name").asText()).isEqualTo(WEAR_APP);
        assertThat(JSON.convertValue(wear.at("/target/sha256_cert_fingerprints"), List.class))
                .isEqualTo(List.of(WEAR_KEY));
    }

    @Test
    void theAppleAppSiteAssociationNamesTheAppsForWebCredentials() throws Exception {
        JsonNode association = document("/.well-known/apple-app-site-association");
        assertThat(fieldNames(association)).containsExactly("webcredentials");
        assertThat(fieldNames(association.get("webcredentials"))).containsExactly("apps");
        assertThat(JSON.convertValue(association.at("/webcredentials/apps"), List.class)).isEqualTo(List.of(IOS_APP));
    }

    @Test
    void theRelatedOriginsDocumentListsTheOrigins() throws Exception {
        JsonNode origins = document("/.well-known/webauthn");
        assertThat(fieldNames(origins)).containsExactly("origins");
        assertThat(JSON.convertValue(origins.get("origins"), List.class))
                .isEqualTo(List.of("http://related.localhost:8443", RELATED));
    }

    /**
     * The JSON the Kotlin and Swift snippets of the generated INTEGRATION.md send, member for member, and the members
     * they read from the answers (those snippets cannot be compiled here).
     */
    @Test
    void theJsonTheClientSnippetsSendIsAccepted() {
        // Kotlin: the start answers' publicKey goes to Credential Manager as it is, its JSON answers come back as they are.
        PasskeyClient android = client(configured, SoftwareAuthenticator.android(APP, APP_KEY, Algorithm.ES256));
        String username = unique("kotlin");
        JsonNode started = android.post("/register/start", PasskeyClient.object().put("username", username)
                .put("displayName", username), null).expect(200).body();
        JsonNode options = started.path("publicKey");
        assertThat(options.at("/rp/id").asText()).isEqualTo(configured.rpId());
        for (String member : List.of("/challenge", "/rp/name", "/user/id", "/user/name", "/user/displayName",
                "/pubKeyCredParams/0/alg")) {
            assertThat(options.at(member).isMissingNode()).as(member).isFalse();
        }
        android.post("/register/complete", PasskeyClient.object().put("requestId", started.path("requestId").asText())
                .set("credential", android.authenticator().register(options)), null).expect(201);
        for (JsonNode body : List.of(PasskeyClient.object(), PasskeyClient.object().put("username", username))) {
            JsonNode signIn = android.post("/authenticate/start", body, null).expect(200).body();
            assertThat(signIn.at("/publicKey/rpId").asText()).isEqualTo(configured.rpId());
            JsonNode answer = android.post("/authenticate/complete", PasskeyClient.object()
                    .put("requestId", signIn.path("requestId").asText()).set("credential",
                            android.authenticator().authenticate(signIn.path("publicKey"))), null).expect(200).body();
            assertThat(answer.path("access_token").asText()).isNotBlank();
        }

        // Swift: the snippet reads challenge, user.name and user.id, and sends only the members it builds.
        SoftwareAuthenticator ios = new SoftwareAuthenticator("https://" + configured.rpId(), Algorithm.ES256);
        PasskeyClient swift = client(configured, ios);
        String iosUser = unique("swift");
        started = swift.post("/register/start", PasskeyClient.object().put("username", iosUser)
                .put("displayName", iosUser), null).expect(200).body();
        assertThat(started.at("/publicKey/user/name").asText()).isEqualTo(iosUser);
        JsonNode created = ios.register(started.path("publicKey"));
        swift.post("/register/complete", PasskeyClient.object().put("requestId", started.path("requestId").asText())
                .set("credential", swiftCredential(created, "clientDataJSON", "attestationObject")), null).expect(201);
        JsonNode signIn = swift.post("/authenticate/start", PasskeyClient.object().put("username", iosUser), null)
                .expect(200).body();
        JsonNode asserted = ios.authenticate(signIn.path("publicKey"));
        assertThat(swift.post("/authenticate/complete", PasskeyClient.object()
                .put("requestId", signIn.path("requestId").asText()).set("credential", swiftCredential(asserted,
                        "clientDataJSON", "authenticatorData", "signature", "userHandle")), null).expect(200).body()
                .path("access_token").asText()).isNotBlank();
    }

    /** The credential the Swift snippet builds from the system's answer: only these members. */
    private static JsonNode swiftCredential(JsonNode full, String... responseMembers) {
        var credential = PasskeyClient.object().put("id", full.path("id").asText()).put("rawId", full.path("id").asText())
                .put("type", "public-key");
        credential.putObject("clientExtensionResults");
        var response = credential.putObject("response");
        for (String member : responseMembers) {
            response.put(member, full.at("/response/" + member).asText());
        }
        return credential;
    }

    /** A well-known document: 200 at once (no redirect), JSON, public and cacheable with an ETag that gives 304. */
    private static JsonNode document(String path) throws Exception {
        RawHttp http = new RawHttp(configured.baseUrl());
        HttpResponse<String> response = http.get(path);
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).get().isEqualTo("application/json");
        assertThat(response.headers().firstValue("Cache-Control")).get().asString()
                .matches("public, max-age=[1-9][0-9]*");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).get().isEqualTo("nosniff");
        String etag = response.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[A-Za-z0-9_-]+\"");
        assertThat(http.get(path, "If-None-Match", etag).statusCode()).isEqualTo(304);
        assertThat(http.send("HEAD", path, java.net.http.HttpRequest.BodyPublishers.noBody()).headers()
                .firstValue("ETag")).get().isEqualTo(etag);
        return JSON.readTree(response.body());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String refusedRegistration(SoftwareAuthenticator authenticator) {
        return refusedRegistration(configured, authenticator);
    }

    /** Registers a new account from the authenticator and returns the refusal's message. */
    private static String refusedRegistration(TestServer server, SoftwareAuthenticator authenticator) {
        PasskeyClient client = client(server, authenticator);
        JsonNode started = client.post("/register/start", PasskeyClient.object().put("username", unique("refused")),
                null).expect(200).body();
        return assertError(client.completeRegistration(started, null), 400, "verification_failed").path("message")
                .asText();
    }

    private static JsonNode clientData(JsonNode credential) {
        try {
            return JSON.readTree(java.util.Base64.getUrlDecoder().decode(credential.at("/response/clientDataJSON")
                    .asText()));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Tamper origin(String origin) {
        Tamper tamper = new Tamper();
        tamper.origin = origin;
        return tamper;
    }

    private static Tamper packageName(String name) {
        Tamper tamper = new Tamper();
        tamper.androidPackageName = name;
        return tamper;
    }
}

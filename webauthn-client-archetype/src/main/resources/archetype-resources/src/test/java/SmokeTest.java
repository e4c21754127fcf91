package ${package};

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.TestServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A fast check of this project with nothing but a JDK: its server in-process (embedded database, in-memory ceremony
 * state, a throwaway key ring), one registration and sign-in with a software authenticator, the token as your APIs
 * verify it, the JWKS, and this project's extensions at work.
 */
class SmokeTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;
    private static Properties defaults;

    @BeforeAll
    static void start() throws Exception {
        defaults = new Properties();
        try (InputStream in = SmokeTest.class.getResourceAsStream("/webauthn-defaults.properties")) {
            defaults.load(in);
        }
        server = TestServer.start("RS256", Map.of(), Application::configure);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aPasskeyRegistersAndSignsInAndTheTokenVerifiesWithThisProjectsClaims() throws Exception {
        PasskeyClient alice = new PasskeyClient(server.baseUrl(),
                new SoftwareAuthenticator(server.origin(), SoftwareAuthenticator.Algorithm.ES256));
        String userId = alice.register("alice").path("userId").asText();

        JWTClaimsSet claims = verify(alice.signIn("alice"), JWKSet.parse(get("/.well-known/jwks.json").body()));

        assertThat(claims.getSubject()).isEqualTo(userId).isNotEqualTo("alice");
        assertThat(claims.getStringClaim("preferred_username")).isEqualTo("alice");
        assertThat(claims.getIssuer()).isEqualTo(defaults.getProperty("WEBAUTHN_JWT_ISSUER"));
        assertThat(claims.getAudience()).containsExactly(defaults.getProperty("WEBAUTHN_JWT_AUDIENCE"));
        assertThat(claims.getStringListClaim("roles")).as("Application.TOKEN_CLAIMS").containsExactly("user");
    }

    @Test
    void theTokenLifetimeIsThePomsValue() throws Exception {
        assertThat(defaults.getProperty("WEBAUTHN_TOKEN_TTL")).as("filtered from webauthn.keys.tokenTtl")
                .isEqualTo("${tokenTtl}");
    }

    @Test
    void theJwksIsPublicCacheableAndHoldsNoPrivateMember() throws Exception {
        HttpResponse<String> jwks = get("/.well-known/jwks.json");

        assertThat(jwks.statusCode()).isEqualTo(200);
        assertThat(jwks.headers().firstValue("Cache-Control")).hasValueSatisfying(v -> assertThat(v).contains("public"));
        assertThat(jwks.headers().firstValue("ETag")).isPresent();
        JsonNode keys = JSON.readTree(jwks.body()).path("keys");
        assertThat(keys).isNotEmpty();
        keys.forEach(key -> assertThat(key.has("d")).isFalse());
    }

    @Test
    void theWebClientUsesThisProjectsTheme() throws Exception {
        HttpResponse<String> theme = get("/theme.css");

        assertThat(theme.statusCode()).isEqualTo(200);
        assertThat(theme.body()).isEqualTo(Files.readString(Path.of("src/main/resources/static/theme.css")));
        assertThat(get("/").body()).contains("/theme.css");
    }

    @Test
    void healthIsUp() throws Exception {
        HttpResponse<String> health = get("/health");

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).path("status").asText()).isEqualTo("UP");
    }

    private static JWTClaimsSet verify(String token, JWKSet jwks) throws Exception {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
                new ImmutableJWKSet<>(jwks)));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(defaults.getProperty("WEBAUTHN_JWT_AUDIENCE"),
                new JWTClaimsSet.Builder().issuer(defaults.getProperty("WEBAUTHN_JWT_ISSUER")).build(),
                Set.of("sub", "iat", "exp", "jti")));
        return processor.process(token, null);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

package io.github.webauthnkit.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.UUID;

/**
 * What every API test checks of a refusal, a token verified as a consuming service does, and fresh names so tests
 * sharing a server do not meet.
 */
final class ApiAssertions {
    private ApiAssertions() {
    }

    static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A refusal: the status, a JSON {error, message} with the given code, and nothing of the server's insides. */
    static JsonNode assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
        JsonNode body = RawHttp.json(response);
        assertThat(body.path("error").asText()).as(response.body()).isEqualTo(code);
        assertThat(body.path("message").asText()).isNotBlank();
        assertNoLeak(response);
        return body;
    }

    static JsonNode assertError(PasskeyClient.Response response, int status, String code) {
        return assertError(response.raw(), status, code);
    }

    /**
     * Verifies a token the way a consuming service does: with the ring's public JWKS (as config/webauthn-jwks.json),
     * an algorithm allow-list, the issuer and the audience.
     *
     * @param anyType accept any header {@code typ}, as verifiers that do not look at it do (the kit's examples in
     *                Python, TypeScript and Go); otherwise nimbus' default, {@code JWT} or none
     */
    static JWTClaimsSet verifyAsAService(TestServer server, String issuer, String audience, String token,
                                         boolean anyType) throws Exception {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        if (anyType) {
            processor.setJWSTypeVerifier((type, context) -> {
            });
        }
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256),
                new ImmutableJWKSet<>(JWKSet.load(server.jwksFile().toFile()))));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience,
                new JWTClaimsSet.Builder().issuer(issuer).build(),
                Set.of("sub", "iat", "exp", "jti", "auth_time", "preferred_username")));
        return processor.process(token, null);
    }

    static void assertNoLeak(HttpResponse<String> response) {
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain(".java:");
    }
}

package io.github.webauthnkit.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.PasskeyClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.UUID;

/** What every API test checks of a refusal, and fresh names so tests sharing a server do not meet. */
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

    static void assertNoLeak(HttpResponse<String> response) {
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain(".java:");
    }
}

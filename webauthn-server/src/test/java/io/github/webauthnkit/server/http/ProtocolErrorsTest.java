package io.github.webauthnkit.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The bodies of Jetty's own answers; the 4xx ones on the wire are in HttpSurfaceApiTest. */
class ProtocolErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ProtocolErrors errors = new ProtocolErrors(new SecurityHeaders(false), JSON);

    @Test
    void aServerErrorAndANotFoundAnswerAsTheApisOwn() throws Exception {
        assertBody(500, "internal_error", ErrorResponses.UNEXPECTED_ERROR);
        assertBody(503, "unavailable", ErrorResponses.UNAVAILABLE);
        assertBody(404, "not_found", ProtocolErrors.NO_SUCH_RESOURCE);
        assertBody(502, "http_502", "The request was refused as malformed (Bad Gateway): look at its request line, its"
                + " URI's encoding and its headers.");
    }

    private void assertBody(int status, String code, String message) throws Exception {
        JsonNode body = JSON.readTree(errors.body(status));
        assertThat(body.path("error").asText()).as("the code of a " + status).isEqualTo(code);
        assertThat(body.path("message").asText()).as("the message of a " + status).isEqualTo(message);
    }

    @Test
    void aRefusalNamesItsStatusAndWhereToLook() throws Exception {
        assertThat(JSON.readTree(errors.body(505)).path("message").asText()).as("an HTTP version it does not speak")
                .startsWith("The request was refused as malformed (HTTP Version Not Supported)");
        JsonNode body = JSON.readTree(errors.body(414));
        assertThat(body.path("error").asText()).isEqualTo("http_414");
        assertThat(body.path("message").asText()).isEqualTo("The request was refused as malformed (URI Too Long): look"
                + " at its request line, its URI's encoding and its headers.");
    }
}

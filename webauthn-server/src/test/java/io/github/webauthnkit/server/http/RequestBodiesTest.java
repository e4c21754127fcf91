package io.github.webauthnkit.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.http.RequestBodies.RegisterStartRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The bytes of a request body up to the limit, the fields that are read, and the refusal of the first one that is
 * wrong.
 */
class RequestBodiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSignedInUsersUsernameIsNotReadButTheDisplayNameIs() throws Exception {
        JsonNode body = JSON.readTree("{\"username\": 5, \"displayName\": \"Alice\"}");

        assertThat(RequestBodies.registerStart(body, true)).isEqualTo(new RegisterStartRequest(null, "Alice"));
        assertThatThrownBy(() -> RequestBodies.registerStart(body, false)).isInstanceOf(ApiException.class)
                .hasMessage("Field 'username' must be a string.");
        assertThatThrownBy(() -> RequestBodies.registerStart(JSON.readTree("{\"displayName\": []}"), true))
                .hasMessage("Field 'displayName' must be a string.");
    }

    @Test
    void theRequestIdIsCheckedBeforeTheCredential() throws Exception {
        assertThatThrownBy(() -> RequestBodies.complete(JSON.readTree("{\"credential\": 1}")))
                .isInstanceOf(ApiException.class).hasMessage("Missing field 'requestId'.");
        assertThatThrownBy(() -> RequestBodies.complete(JSON.readTree("{\"requestId\": \"r\", \"credential\": 1}")))
                .hasMessage("Field 'credential' must be a JSON object.");
        assertThat(RequestBodies.complete(JSON.readTree("{\"requestId\": \"r\", \"credential\": {}}")).requestId())
                .isEqualTo("r");
    }

    @Test
    void aBodyIsReadUpToTheLimitWithOrWithoutItsLength() throws Exception {
        int limit = ServerConfig.MAX_BODY_BYTES;
        assertThat(RequestBodies.body(new ByteArrayInputStream(new byte[limit]), limit)).hasSize(limit);
        assertThat(RequestBodies.body(new ByteArrayInputStream(new byte[limit]), -1)).hasSize(limit);
        assertThat(RequestBodies.body(new ByteArrayInputStream(new byte[0]), 0)).isEmpty();
        assertThatThrownBy(() -> RequestBodies.body(new ByteArrayInputStream(new byte[limit + 1]), -1))
                .isInstanceOf(ApiException.class).hasMessage(RequestBodies.TOO_LARGE)
                .extracting(e -> ((ApiException) e).status()).isEqualTo(413);
    }

    /** The stream is read to its end, so Jetty finds the request consumed when it answers. */
    @Test
    void aBodyOfADeclaredLengthIsReadToTheStreamsEnd() throws Exception {
        AtomicBoolean ended = new AtomicBoolean();
        InputStream sent = new ByteArrayInputStream("{\"a\": 1}".getBytes()) {
            @Override
            public synchronized int read() {
                int b = super.read();
                if (b < 0) {
                    ended.set(true);
                }
                return b;
            }
        };
        assertThat(RequestBodies.body(sent, 8)).hasSize(8);
        assertThat(ended).as("the end of the stream seen").isTrue();
        assertThatThrownBy(() -> RequestBodies.body(new ByteArrayInputStream("{\"a\": 1} ".getBytes()), 8))
                .isInstanceOf(ApiException.class).hasMessage("The request body is longer than its Content-Length.");
    }

    /** Refused unread, a client still sending met a closed connection instead of the 413. */
    @Test
    void aBodyDeclaredOverTheLimitIsReadUpToTheLimitBeforeItsRefusal() {
        int limit = ServerConfig.MAX_BODY_BYTES;
        ByteArrayInputStream sent = new ByteArrayInputStream(new byte[limit + 5000]);
        assertThatThrownBy(() -> RequestBodies.body(sent, limit + 5000)).isInstanceOf(ApiException.class)
                .hasMessage(RequestBodies.TOO_LARGE).extracting(e -> ((ApiException) e).status()).isEqualTo(413);
        assertThat(sent.available()).as("bytes left unread").isEqualTo(5000);
    }

    /** Jetty reports a connection that ends early as an error of its own; a stream that just ends is refused too. */
    @Test
    void aBodyShorterThanItsLengthIsRefused() {
        assertThatThrownBy(() -> RequestBodies.body(new ByteArrayInputStream("{\"a\": 1}".getBytes()), 100))
                .isInstanceOf(ApiException.class).hasMessage("The request body is shorter than its Content-Length.")
                .extracting(e -> ((ApiException) e).code()).isEqualTo("malformed_json");
    }
}

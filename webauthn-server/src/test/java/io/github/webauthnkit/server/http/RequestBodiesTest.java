package io.github.webauthnkit.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.webauthnkit.server.http.RequestBodies.RegisterStartRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The fields of a request body that are read, and the refusal of the first one that is wrong. */
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
}

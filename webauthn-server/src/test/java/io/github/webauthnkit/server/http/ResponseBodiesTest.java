package io.github.webauthnkit.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.http.ResponseBodies.CeremonyStarted;
import io.github.webauthnkit.server.http.ResponseBodies.CredentialList;
import io.github.webauthnkit.server.http.ResponseBodies.CredentialView;
import io.github.webauthnkit.server.http.ResponseBodies.ErrorBody;
import io.github.webauthnkit.server.http.ResponseBodies.HealthReport;
import io.github.webauthnkit.server.http.ResponseBodies.ManagementTokenResponse;
import io.github.webauthnkit.server.http.ResponseBodies.RegistrationDone;
import io.github.webauthnkit.server.http.ResponseBodies.TokenResponse;
import io.github.webauthnkit.server.storage.StoredCredential;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The response bodies on the wire, as the server's mapper writes them: field names, their order and nulls. */
class ResponseBodiesTest {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final Instant CREATED = Instant.parse("2024-05-06T07:08:09.123456Z");

    @Test
    void ceremonyAndTokenBodiesKeepTheirFieldNamesInOrder() throws Exception {
        assertThat(JSON.writeValueAsString(new CeremonyStarted("r1", JSON.readTree("{\"challenge\":\"c\"}"))))
                .isEqualTo("{\"requestId\":\"r1\",\"publicKey\":{\"challenge\":\"c\"}}");
        assertThat(JSON.writeValueAsString(new RegistrationDone("u1", "c1")))
                .isEqualTo("{\"userId\":\"u1\",\"credentialId\":\"c1\"}");
        assertThat(JSON.writeValueAsString(new TokenResponse("t", "Bearer", 900)))
                .isEqualTo("{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":900}");
        assertThat(JSON.writeValueAsString(new ManagementTokenResponse("m", 300)))
                .isEqualTo("{\"management_token\":\"m\",\"expires_in\":300}");
        assertThat(JSON.writeValueAsString(new ErrorBody("not_found", "No.")))
                .isEqualTo("{\"error\":\"not_found\",\"message\":\"No.\"}");
    }

    @Test
    void aCredentialNeverUsedHasANullLastUseAndItsTransportsAsAList() throws Exception {
        StoredCredential unused = new StoredCredential("c1", "u1", "key", 0, true, false, "", "Laptop", CREATED, null);
        StoredCredential used = new StoredCredential("c2", "u1", "key", 3, false, false, "usb,nfc", "Key", CREATED,
                CREATED.plusSeconds(60));

        assertThat(JSON.writeValueAsString(new CredentialList(List.of(CredentialView.of(unused),
                CredentialView.of(used))))).isEqualTo("{\"credentials\":["
                + "{\"id\":\"c1\",\"name\":\"Laptop\",\"createdAt\":\"2024-05-06T07:08:09.123456Z\","
                + "\"lastUsedAt\":null,\"backupEligible\":true,\"backedUp\":false,\"transports\":[]},"
                + "{\"id\":\"c2\",\"name\":\"Key\",\"createdAt\":\"2024-05-06T07:08:09.123456Z\","
                + "\"lastUsedAt\":\"2024-05-06T07:09:09.123456Z\",\"backupEligible\":false,\"backedUp\":false,"
                + "\"transports\":[\"usb\",\"nfc\"]}]}");
    }

    @Test
    void aHealthReportWithoutASigningKeyNamesItNull() throws Exception {
        assertThat(JSON.writeValueAsString(new HealthReport("DOWN", "UP", "DOWN", "UP", null)))
                .isEqualTo("{\"status\":\"DOWN\",\"store\":\"UP\",\"ceremonies\":\"DOWN\",\"keyRing\":\"UP\","
                        + "\"signingKey\":null}");
    }
}

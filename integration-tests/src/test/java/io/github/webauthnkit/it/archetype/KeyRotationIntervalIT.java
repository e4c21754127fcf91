package io.github.webauthnkit.it.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.github.webauthnkit.it.support.GeneratedProject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The archetype's keyRotationInterval is what the generated project's check-secrets enforces, not only a doc value. */
class KeyRotationIntervalIT {
    private static final Duration BUILD = Duration.ofMinutes(5);

    @Test
    @SuppressWarnings("unchecked")
    void aSigningKeyOlderThanTheIntervalFailsTheProjectsBuild() throws Exception {
        GeneratedProject project = GeneratedProject.generate("rotation-due", Map.of("keyRotationInterval", "2h"));
        project.mvnw(BUILD, "validate").assertSuccess("validate with a fresh key");

        // The key was created three hours ago: older than 2h, still the signing key (nbf in the past).
        Path ringFile = project.file("docker/secrets/jwt_signing_keys.json");
        Map<String, Object> ring = JSONObjectUtils.parse(Files.readString(ringFile));
        Map<String, Object> key = ((List<Map<String, Object>>) ring.get("keys")).get(0);
        long created = Instant.now().minus(Duration.ofHours(3)).getEpochSecond();
        key.put("iat", created);
        key.put("nbf", created);
        Files.writeString(ringFile, JSONObjectUtils.toJSONString(ring));

        // generate-jwks first, so the JWKS carries the new times and the age is the only finding.
        var result = project.mvnw(BUILD, "webauthn-keys:generate-jwks", "validate");

        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains("check-secrets found 1 problem:")
                .contains("the signing key " + key.get("kid") + " was created "
                        + Instant.ofEpochSecond(created) + ", more than webauthn.keys.rotationInterval (2h) ago."
                        + " Run 'mvn webauthn-keys:rotate' to stage the next key.");
    }
}

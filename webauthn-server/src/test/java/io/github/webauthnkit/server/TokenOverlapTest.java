package io.github.webauthnkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.keys.core.KeyAlgorithm;
import io.github.webauthnkit.keys.core.KeyRing;
import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.RotationPolicy;
import io.github.webauthnkit.server.config.ServerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The start-up warning when the server's tokens outlive the overlap the ring's rotation gave them. */
class TokenOverlapTest {
    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

    @Test
    void tokensLongerThanTheRotationsOverlapAreWarnedAbout() throws KeyRingException {
        KeyRing ring = rotatedWith(Duration.ofMinutes(15));

        assertThat(WebAuthnServer.tokenOverlapWarnings(config("1h"), ring)).singleElement().asString()
                .contains("WEBAUTHN_TOKEN_TTL=PT1H is longer than the PT16M that key " + ring.keys().get(0).getKeyID())
                .contains("webauthn.keys.tokenTtl");
    }

    @Test
    void tokensWithinTheOverlapOrARingWithoutSuccessorNeedNoWarning() throws KeyRingException {
        assertThat(WebAuthnServer.tokenOverlapWarnings(config("15m"), rotatedWith(Duration.ofMinutes(15)))).isEmpty();
        KeyRing single = KeyRing.empty().rotate(NOW, policy(Duration.ofMinutes(15))).ring();
        assertThat(WebAuthnServer.tokenOverlapWarnings(config("24h"), single)).isEmpty();
    }

    private static KeyRing rotatedWith(Duration tokenTtl) throws KeyRingException {
        KeyRing first = KeyRing.empty().rotate(NOW, policy(tokenTtl)).ring();
        return first.rotate(NOW.plusSeconds(60), policy(tokenTtl)).ring();
    }

    private static RotationPolicy policy(Duration tokenTtl) {
        return new RotationPolicy(KeyAlgorithm.ES256, 2048, Duration.ofHours(1), tokenTtl, Duration.ofSeconds(60));
    }

    private static ServerConfig config(String tokenTtl) {
        return ServerConfig.fromEnvironment(Map.of("WEBAUTHN_TOKEN_TTL", tokenTtl, "WEBAUTHN_KEYS_FILE", "unused.json"));
    }
}

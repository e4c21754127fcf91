package io.github.webauthnkit.keys.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Key ids are the creation date (so operators can tell keys apart in logs) followed by the start of the key's
 * RFC 7638 thumbprint (so two keys made the same second never collide), for example {@code 20261124-q1x9Lr0aT3kZ}.
 */
final class KidFormat {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    private KidFormat() {
    }

    static String forKey(JWK key, Instant issued) throws JOSEException {
        String thumbprint = key.computeThumbprint().toString();
        return DAY.format(issued) + "-" + thumbprint.substring(0, 16);
    }
}

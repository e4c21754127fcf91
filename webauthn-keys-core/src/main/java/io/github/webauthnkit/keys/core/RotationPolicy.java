package io.github.webauthnkit.keys.core;

import java.time.Duration;

/**
 * How new keys are made and how long old ones stay published.
 *
 * @param algorithm    algorithm of new keys
 * @param rsaBits      modulus size of new RSA keys (at least 2048)
 * @param publishAhead how long a new key is published before it starts signing, so verifiers' JWKS caches learn it
 * @param tokenTtl     the longest lifetime of a token the server issues
 * @param clockSkew    allowance for clocks of the signer and verifiers that disagree, added to every key's {@code exp}
 */
public record RotationPolicy(KeyAlgorithm algorithm, int rsaBits, Duration publishAhead, Duration tokenTtl,
                             Duration clockSkew) {

    public static final int DEFAULT_RSA_BITS = 2048;
    public static final Duration DEFAULT_PUBLISH_AHEAD = Duration.ofHours(1);
    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofMinutes(15);
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);

    public RotationPolicy {
        if (publishAhead.isNegative() || tokenTtl.isNegative() || tokenTtl.isZero() || clockSkew.isNegative()) {
            throw new IllegalArgumentException("publishAhead and clockSkew must not be negative, tokenTtl must be positive");
        }
    }

    public static RotationPolicy defaults(KeyAlgorithm algorithm) {
        return new RotationPolicy(algorithm, DEFAULT_RSA_BITS, DEFAULT_PUBLISH_AHEAD, DEFAULT_TOKEN_TTL,
                DEFAULT_CLOCK_SKEW);
    }
}

package ${package}.tokens;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The key ring as the server reads it (the format webauthn-keys:rotate writes): the signing key is the key with the
 * greatest {@code nbf <= now} that has not expired; the public JWKS is every key not yet expired, including a next
 * key published before it starts signing.
 */
public record SigningKeys(List<JWK> keys) {
    private static final Comparator<JWK> BY_NOT_BEFORE =
            Comparator.comparing(JWK::getNotBeforeTime).thenComparing(JWK::getKeyID);

    public static SigningKeys of(JWKSet set) {
        for (JWK key : set.getKeys()) {
            if (!key.isPrivate() || key.getKeyID() == null || key.getNotBeforeTime() == null || key.getAlgorithm() == null) {
                throw new IllegalArgumentException("key " + key.getKeyID() + " lacks its private part, kid, nbf or alg");
            }
            if (key.getAlgorithm().getName().startsWith("HS")) {
                throw new IllegalArgumentException("key " + key.getKeyID() + " uses HMAC, which is refused");
            }
        }
        return new SigningKeys(set.getKeys().stream().sorted(BY_NOT_BEFORE).toList());
    }

    public Optional<JWK> signingKey(Instant now) {
        return keys.stream()
                .filter(k -> !k.getNotBeforeTime().toInstant().isAfter(now))
                .filter(k -> !expired(k, now))
                .max(BY_NOT_BEFORE);
    }

    public List<JWK> publicKeys(Instant now) {
        return keys.stream().filter(k -> !expired(k, now)).map(JWK::toPublicJWK).toList();
    }

    private static boolean expired(JWK key, Instant now) {
        return key.getExpirationTime() != null && !key.getExpirationTime().toInstant().isAfter(now);
    }
}

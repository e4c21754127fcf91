package io.github.webauthnkit.server.tokens;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.storage.UserAccount;
import io.github.webauthnkit.server.extension.TokenClaims;
import io.github.webauthnkit.keys.core.KeyAlgorithm;
import io.github.webauthnkit.keys.core.KeyRing;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.crypto.factories.DefaultJWSSignerFactory;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/** Issues the server's tokens with the ring's current signing key, and verifies them for its own endpoints. */
public final class TokenService {
    /** What this server signs and accepts: the ring's algorithms (webauthn-keys-core), never HMAC or none. */
    private static final Set<JWSAlgorithm> ALLOWED = Arrays.stream(KeyAlgorithm.values()).map(KeyAlgorithm::jws)
            .collect(Collectors.toUnmodifiableSet());

    /**
     * The {@code amr} claim (RFC 8176 values): "user", the user presence test every passkey sign-in passes; with "mfa"
     * when the authenticator also verified the user by PIN or biometric, so that the passkey (something the user has)
     * and the verification (something the user knows or is) are two factors. Which verification method was used,
     * and whether the key is hardware-bound ("hwk") or synced ("swk"), the authenticator does not tell verifiably.
     */
    private static final List<String> AMR_PRESENT = List.of("user");
    private static final List<String> AMR_VERIFIED = List.of("user", "mfa");

    private final ServerConfig config;
    private final KeyRingWatcher ring;
    private final TokenClaims extraClaims;
    /** The signer of the last signing key: building one parses the private key, which costs as much as a signature. */
    private volatile KeySigner signer;

    private record KeySigner(JWK key, JWSSigner signer) {
    }

    public TokenService(ServerConfig config, KeyRingWatcher ring) {
        this(config, ring, TokenClaims.NONE);
    }

    /** @param extraClaims the project's claims, added to every token; the server's own claims cannot be replaced */
    public TokenService(ServerConfig config, KeyRingWatcher ring, TokenClaims extraClaims) {
        this.config = config;
        this.ring = ring;
        this.extraClaims = extraClaims;
    }

    /** A signed token. */
    public record Issued(String token, long expiresIn, String kid) {
    }

    /**
     * @param userVerified whether the authenticator verified the user (the UV flag): it decides the {@code amr} claim
     */
    public Issued issue(UserAccount user, boolean userVerified, Instant now) {
        JWK key = ring.keys().signingKey(now).orElseThrow(() -> new IllegalStateException(
                "The key ring has no key that may sign now; run 'mvn webauthn-keys:rotate'."));
        Instant expires = now.plus(config.tokenTtl());
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder();
        extraClaims(user).forEach(builder::claim);
        JWTClaimsSet claims = builder
                .issuer(config.issuer())
                .subject(user.id())
                .audience(config.audience())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expires))
                .jwtID(UUID.randomUUID().toString())
                .claim("auth_time", now.getEpochSecond())
                .claim("preferred_username", user.username())
                .claim("amr", userVerified ? AMR_VERIFIED : AMR_PRESENT)
                .build();
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.parse(key.getAlgorithm().getName()))
                .keyID(key.getKeyID()).type(JOSEObjectType.JWT).build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signerFor(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("Signing with key " + key.getKeyID() + " failed: " + e.getMessage(), e);
        }
        return new Issued(jwt.serialize(), config.tokenTtl().toSeconds(), key.getKeyID());
    }

    private Map<String, Object> extraClaims(UserAccount user) {
        Map<String, Object> extra = extraClaims.claimsFor(user);
        if (extra == null) {
            throw new IllegalStateException("TokenClaims " + extraClaims.getClass().getName() + " returned null; return"
                    + " an empty map for no extra claims.");
        }
        for (String name : extra.keySet()) {
            if (TokenClaims.RESERVED.contains(name)) {
                throw new IllegalStateException("TokenClaims " + extraClaims.getClass().getName() + " returned the"
                        + " reserved claim '" + name + "'; the server sets " + new TreeSet<>(TokenClaims.RESERVED)
                        + " itself. Rename the claim.");
            }
        }
        return extra;
    }

    private JWSSigner signerFor(JWK key) throws JOSEException {
        KeySigner current = signer;
        if (current == null || current.key() != key) {
            current = new KeySigner(key, new DefaultJWSSignerFactory().createJWSSigner(key));
            signer = current;
        }
        return current.signer();
    }

    /**
     * Verifies a token this server issued: signature by a published key, allowed algorithm, issuer, audience and
     * expiry (30 s leeway).
     *
     * @return the verified claims
     * @throws InvalidTokenException with a reason safe to show the caller
     */
    public JWTClaimsSet verify(String token, Instant now) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALLOWED,
                new ImmutableJWKSet<>(new JWKSet(ring.keys().verificationKeys(now)))));
        DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(config.audience(),
                new JWTClaimsSet.Builder().issuer(config.issuer()).build(), Set.of("sub", "exp", "iat", "jti")) {
            @Override
            public Date currentTime() {
                return Date.from(now);
            }
        };
        verifier.setMaxClockSkew(30);
        processor.setJWTClaimsSetVerifier(verifier);
        try {
            return processor.process(token, null);
        } catch (ParseException e) {
            throw new InvalidTokenException("the token is not a JWT");
        } catch (BadJOSEException e) {
            throw new InvalidTokenException(e.getMessage());
        } catch (JOSEException e) {
            throw new InvalidTokenException("the token could not be verified");
        }
    }

    /** The public JWKS and its ETag, computed once per ring and kept until the ring changes or a key expires. */
    public record PublishedJwks(String json, String etag, KeyRing ring, Instant validUntil) {
    }

    private volatile PublishedJwks published;

    /** The public JWKS: every key not yet expired, members sorted, never a private member (webauthn-keys-core). */
    public PublishedJwks publicJwks(Instant now) {
        PublishedJwks current = published;
        KeyRing ring = this.ring.keys();
        if (current != null && current.ring() == ring && now.isBefore(current.validUntil())) {
            return current;
        }
        // The same bytes as the project's config/webauthn-jwks.json when it is current: one writer, the core's.
        String json = ring.publicJwks(now);
        Instant validUntil = ring.keys().stream().map(JWK::getExpirationTime).filter(java.util.Objects::nonNull)
                .map(Date::toInstant).filter(now::isBefore).min(Instant::compareTo).orElse(Instant.MAX);
        PublishedJwks fresh = new PublishedJwks(json, etag(json), ring, validUntil);
        published = fresh;
        return fresh;
    }

    /** The ring the tokens are signed with, and how its reloads fare. */
    public KeyRingWatcher keyRing() {
        return ring;
    }

    /** The kid of the key that signs now, if any. */
    public java.util.Optional<String> signingKid(Instant now) {
        return ring.keys().signingKey(now).map(JWK::getKeyID);
    }

    /** A strong ETag of a JWKS document. */
    public static String etag(String jwks) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(jwks.getBytes(StandardCharsets.UTF_8));
            return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token that must be refused; the message is safe to return to the caller. */
    public static final class InvalidTokenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InvalidTokenException(String message) {
            super(message);
        }
    }
}

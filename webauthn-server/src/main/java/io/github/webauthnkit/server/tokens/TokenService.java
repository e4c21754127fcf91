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
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
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

/**
 * Issues the server's tokens with the ring's current signing key, and verifies them for its own endpoints. Two kinds,
 * which never stand in for each other:
 * <ul>
 * <li>the access token of a sign-in, for the project's APIs (audience {@link ServerConfig#audience()}, type JWT);</li>
 * <li>the management token of a fresh passkey confirmation, which changes the account's passkeys here and nowhere
 * else (audience {@link ServerConfig#managementAudience()}, type {@link #MANAGEMENT_TYPE}, at most
 * {@link #MANAGEMENT_TTL}).</li>
 * </ul>
 */
public final class TokenService {
    /** What this server signs and accepts: the ring's algorithms (webauthn-keys-core), never HMAC or none. */
    private static final Set<JWSAlgorithm> ALLOWED = Arrays.stream(KeyAlgorithm.values()).map(KeyAlgorithm::jws)
            .collect(Collectors.toUnmodifiableSet());
    /**
     * The header type of management tokens (explicit typing, RFC 8725 3.11): verifiers that expect {@code JWT}, as
     * nimbus does by default, refuse them even before their audience check.
     */
    public static final JOSEObjectType MANAGEMENT_TYPE = new JOSEObjectType("account-management+jwt");
    /** How long a management token lives at most; never longer than the access tokens (the ring's overlap). */
    public static final Duration MANAGEMENT_TTL = Duration.ofMinutes(5);
    private static final JOSEObjectTypeVerifier<SecurityContext> ACCESS_TYPES =
            new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, null);
    private static final JOSEObjectTypeVerifier<SecurityContext> MANAGEMENT_TYPES =
            new DefaultJOSEObjectTypeVerifier<>(MANAGEMENT_TYPE);

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
     * The access token of a sign-in: for the project's APIs, with the project's extra claims.
     *
     * @param userVerified whether the authenticator verified the user (the UV flag): it decides the {@code amr} claim
     */
    public Issued issue(UserAccount user, boolean userVerified, Instant now) {
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder();
        extraClaims(user).forEach(builder::claim);
        return sign(claims(builder, user, config.audience(), now, config.tokenTtl())
                .claim("preferred_username", user.username())
                .claim("amr", userVerified ? AMR_VERIFIED : AMR_PRESENT).build(), JOSEObjectType.JWT, now,
                config.tokenTtl());
    }

    /**
     * The management token of a fresh passkey confirmation: for this server's account routes only, never with extra
     * claims, living {@link #MANAGEMENT_TTL} or the access tokens' lifetime when that is shorter.
     */
    public Issued issueManagement(UserAccount user, Instant now) {
        Duration ttl = managementTtl();
        return sign(claims(new JWTClaimsSet.Builder(), user, config.managementAudience(), now, ttl).build(),
                MANAGEMENT_TYPE, now, ttl);
    }

    private Duration managementTtl() {
        return config.tokenTtl().compareTo(MANAGEMENT_TTL) < 0 ? config.tokenTtl() : MANAGEMENT_TTL;
    }

    /** The claims both kinds carry: who, for whom, when; {@code auth_time} is now, as both end a passkey ceremony. */
    private JWTClaimsSet.Builder claims(JWTClaimsSet.Builder builder, UserAccount user, String audience, Instant now,
                                       Duration ttl) {
        return builder
                .issuer(config.issuer())
                .subject(user.id())
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString())
                .claim("auth_time", now.getEpochSecond());
    }

    private Issued sign(JWTClaimsSet claims, JOSEObjectType type, Instant now, Duration ttl) {
        JWK key = ring.keys().signingKey(now).orElseThrow(() -> new IllegalStateException(
                "The key ring has no key that may sign now; run 'mvn webauthn-keys:rotate'."));
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.parse(key.getAlgorithm().getName()))
                .keyID(key.getKeyID()).type(type).build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signerFor(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("Signing with key " + key.getKeyID() + " failed: " + e.getMessage(), e);
        }
        return new Issued(jwt.serialize(), ttl.toSeconds(), key.getKeyID());
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
     * Verifies an access token this server issued: signature by a published key, allowed algorithm, type JWT (or
     * none), issuer, audience and expiry (30 s leeway). A management token is refused.
     *
     * @return the verified claims
     * @throws InvalidTokenException with a reason safe to show the caller
     */
    public JWTClaimsSet verify(String token, Instant now) {
        return verify(token, now, ACCESS_TYPES, config.audience());
    }

    /**
     * Verifies a management token: as {@link #verify}, but its own type and audience, so an access token is refused.
     *
     * @throws InvalidTokenException with a reason safe to show the caller
     */
    public JWTClaimsSet verifyManagement(String token, Instant now) {
        return verify(token, now, MANAGEMENT_TYPES, config.managementAudience());
    }

    private JWTClaimsSet verify(String token, Instant now, JOSEObjectTypeVerifier<SecurityContext> type,
                                String audience) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(type);
        processor.setJWSKeySelector(new RingKeys(new JWKSet(ring.keys().verificationKeys(now))));
        processor.setJWSVerifierFactory(RingKeys.VERIFIERS);
        DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(audience,
                new JWTClaimsSet.Builder().issuer(config.issuer()).build(), Set.of("sub", "exp", "iat", "jti")) {
            @Override
            public Date currentTime() {
                return Date.from(now);
            }
        };
        verifier.setMaxClockSkew(30);
        processor.setJWTClaimsSetVerifier(verifier);
        try {
            return processor.process(signed(token, type), null);
        } catch (BadJWSException e) {
            throw new InvalidTokenException("its signature does not verify with the published key it names");
        } catch (BadJWTException e) {
            // The library's fixed words for the claims ("Expired JWT", "JWT aud claim rejected") or a payload that is
            // not a claims set: a claim's name, never its value.
            throw new InvalidTokenException(e.getMessage());
        } catch (BadJOSEException e) {
            // What is left once signed() has checked the rest: no key of the ring has the token's kid and algorithm.
            throw new InvalidTokenException("no published key has its key id (kid) and algorithm; a token of a key"
                    + " no longer published is refused: sign in again");
        } catch (JOSEException e) {
            throw new InvalidTokenException("the token could not be verified");
        }
    }

    /**
     * The token as a signed JWT of the type asked for, in an algorithm this server signs with, or a refusal in the
     * API's words: the JOSE library's own words ("extend class to handle") are meant for its users, and its refusal of
     * a type repeats the caller's header.
     */
    private static SignedJWT signed(String token, JOSEObjectTypeVerifier<SecurityContext> type) {
        JWT parsed;
        try {
            parsed = JWTParser.parse(token);
        } catch (ParseException e) {
            throw new InvalidTokenException("it is not a JWT");
        }
        if (parsed instanceof PlainJWT) {
            throw new InvalidTokenException("an unsigned token (alg \"none\") is never accepted");
        }
        if (!(parsed instanceof SignedJWT signed)) {
            throw new InvalidTokenException("an encrypted token is not one this server issues; send the signed token"
                    + " it issued");
        }
        if (!ALLOWED.contains(signed.getHeader().getAlgorithm())) {
            // Not echoed: the header is the caller's, and HMAC with the public key is the classic forgery.
            throw new InvalidTokenException("its algorithm is not one this server signs with ("
                    + KeyAlgorithm.allowedNames() + ")");
        }
        try {
            type.verify(signed.getHeader().getType(), null);
        } catch (BadJOSEException e) {
            throw new InvalidTokenException("its type (typ) is not one this endpoint takes: an access token is a JWT,"
                    + " a management token " + MANAGEMENT_TYPE);
        }
        return signed;
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

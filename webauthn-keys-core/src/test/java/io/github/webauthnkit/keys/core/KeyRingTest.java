package io.github.webauthnkit.keys.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.factories.DefaultJWSSignerFactory;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyRingTest {
    private static final Instant T0 = Instant.parse("2026-11-24T12:00:00Z");
    private static final RotationPolicy POLICY = new RotationPolicy(KeyAlgorithm.ES256, 2048, Duration.ofHours(1),
            Duration.ofMinutes(15), Duration.ofSeconds(60));

    @Test
    void firstRotationCreatesOneKeyThatSignsAtOnce() throws Exception {
        KeyRing.Rotation rotation = KeyRing.empty().rotate(T0, RotationPolicy.defaults(KeyAlgorithm.RS256));

        KeyRing ring = rotation.ring();
        assertThat(ring.keys()).hasSize(1);
        assertThat(ring.signingKey(T0)).contains(rotation.added());
        assertThat(rotation.added().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(rotation.added().getExpirationTime()).isNull();
        assertThat(rotation.dropped()).isEmpty();
    }

    /**
     * The whole life of a staged rotation, seen by a verifier that refreshes its JWKS at every stage: no token signed
     * by the server ever fails to verify before it expires.
     */
    @Test
    void stagedRotationKeepsEveryIssuedTokenVerifiableUntilItExpires() throws Exception {
        KeyRing ring = KeyRing.empty().rotate(T0, POLICY).ring();
        JWK first = ring.signingKey(T0).orElseThrow();

        Instant rotatedAt = T0.plus(Duration.ofDays(180));
        KeyRing.Rotation rotation = ring.rotate(rotatedAt, POLICY);
        ring = rotation.ring();
        JWK second = rotation.added();
        Instant switchAt = rotatedAt.plus(POLICY.publishAhead());

        // Both keys are published at once, so caches learn the new key before it signs.
        assertThat(kids(ring.verificationKeys(rotatedAt))).containsExactly(first.getKeyID(), second.getKeyID());
        assertThat(second.getNotBeforeTime().toInstant()).isEqualTo(switchAt);
        // The old key signs until the new key's nbf...
        assertThat(ring.signingKey(rotatedAt)).map(JWK::getKeyID).contains(first.getKeyID());
        assertThat(ring.signingKey(switchAt.minusSeconds(1))).map(JWK::getKeyID).contains(first.getKeyID());
        assertThat(ring.signingKey(switchAt)).map(JWK::getKeyID).contains(second.getKeyID());
        // ...and stays published until its last token (signed just before the switch) expires, plus the skew.
        Instant firstExp = switchAt.plus(POLICY.tokenTtl()).plus(POLICY.clockSkew());
        assertThat(ring.find(first.getKeyID()).orElseThrow().getExpirationTime().toInstant()).isEqualTo(firstExp);

        String signedBeforeSwitch = sign(ring, switchAt.minusSeconds(1));
        String signedAtSwitch = sign(ring, switchAt);
        assertThat(header(signedBeforeSwitch)).isEqualTo(first.getKeyID());
        assertThat(header(signedAtSwitch)).isEqualTo(second.getKeyID());

        // A verifier holding the JWKS published at rotation time verifies both tokens.
        String publishedAtRotation = ring.publicJwks(rotatedAt);
        verify(publishedAtRotation, signedBeforeSwitch, switchAt.minusSeconds(1));
        verify(publishedAtRotation, signedAtSwitch, switchAt);
        // The last token of the old key verifies until its own expiry, against the JWKS of that moment.
        Instant lastValid = switchAt.minusSeconds(1).plus(POLICY.tokenTtl()).minusSeconds(1);
        verify(ring.publicJwks(lastValid), signedBeforeSwitch, lastValid);
        assertThat(kids(ring.verificationKeys(firstExp))).containsExactly(second.getKeyID());

        // The next rotation after the old key's exp drops it.
        KeyRing.Rotation third = ring.rotate(firstExp.plusSeconds(1), POLICY);
        assertThat(kids(third.dropped())).containsExactly(first.getKeyID());
        assertThat(kids(third.ring().keys())).containsExactly(second.getKeyID(), third.added().getKeyID());
        String signedLater = sign(ring, switchAt.plus(Duration.ofMinutes(10)));
        verify(third.ring().publicJwks(firstExp.plusSeconds(1)), signedLater, firstExp.plusSeconds(1));
    }

    @Test
    void aTokenSignedByARevokedKeyNoLongerVerifies() throws Exception {
        KeyRing ring = KeyRing.empty().rotate(T0, POLICY).ring();
        String oldToken = sign(ring, T0);
        String revokedKid = ring.keys().get(0).getKeyID();

        KeyRing.Rotation revocation = ring.revoke(revokedKid, T0.plusSeconds(10), POLICY);

        assertThat(revocation.revoked().getKeyID()).isEqualTo(revokedKid);
        assertThat(revocation.ring().find(revokedKid)).isEmpty();
        assertThat(revocation.ring().publicJwks(T0.plusSeconds(10))).doesNotContain(revokedKid);
        assertThat(revocation.ring().signingKey(T0.plusSeconds(10))).contains(revocation.added());
        String jwks = revocation.ring().publicJwks(T0.plusSeconds(10));
        assertThatThrownBy(() -> verify(jwks, oldToken, T0.plusSeconds(10))).hasMessageContaining("no matching key");
        verify(jwks, sign(revocation.ring(), T0.plusSeconds(10)), T0.plusSeconds(10));
    }

    @Test
    void revokingTheSigningKeyDuringAStagedRotationKeepsThePendingKey() throws Exception {
        KeyRing ring = KeyRing.empty().rotate(T0, POLICY).ring();
        KeyRing.Rotation staged = ring.rotate(T0.plusSeconds(60), POLICY);
        String current = staged.ring().signingKey(T0.plusSeconds(60)).orElseThrow().getKeyID();

        KeyRing.Rotation revocation = staged.ring().revoke(current, T0.plusSeconds(120), POLICY);

        assertThat(kids(revocation.ring().keys()))
                .containsExactly(revocation.added().getKeyID(), staged.added().getKeyID());
        assertThat(revocation.ring().signingKey(T0.plusSeconds(120))).contains(revocation.added());
        assertThat(revocation.ring().signingKey(staged.added().getNotBeforeTime().toInstant()))
                .map(JWK::getKeyID).contains(staged.added().getKeyID());
    }

    @Test
    void revokingAnUnknownKidFailsAndNamesTheKeysThereAre() throws Exception {
        KeyRing ring = KeyRing.empty().rotate(T0, POLICY).ring();

        assertThatThrownBy(() -> ring.revoke("nope", T0, POLICY))
                .isInstanceOf(KeyRingException.class)
                .hasMessage("Cannot revoke key 'nope': the ring holds no such key (it holds: "
                        + ring.keys().get(0).getKeyID() + "). Nothing was changed.");
    }

    @Test
    void rotatingTwiceWithinPublishAheadChainsTheKeys() throws Exception {
        KeyRing ring = KeyRing.empty().rotate(T0, POLICY).ring();
        KeyRing.Rotation second = ring.rotate(T0.plusSeconds(60), POLICY);
        KeyRing.Rotation third = second.ring().rotate(T0.plusSeconds(120), POLICY);

        List<JWK> keys = third.ring().keys();
        assertThat(keys).hasSize(3);
        // Each superseded key expires after its successor starts plus one token lifetime and the skew.
        for (int i = 0; i < 2; i++) {
            Instant successorStart = keys.get(i + 1).getNotBeforeTime().toInstant();
            assertThat(keys.get(i).getExpirationTime().toInstant())
                    .isEqualTo(successorStart.plus(Duration.ofMinutes(16)));
        }
        assertThat(keys.get(2).getExpirationTime()).isNull();
    }

    @Test
    void anExistingExpiryIsNeverMovedEarlier() throws Exception {
        RotationPolicy longTokens = new RotationPolicy(KeyAlgorithm.ES256, 2048, Duration.ofHours(1),
                Duration.ofHours(12), Duration.ofSeconds(60));
        KeyRing ring = KeyRing.empty().rotate(T0, longTokens).ring();
        KeyRing staged = ring.rotate(T0.plusSeconds(60), longTokens).ring();
        Date firstExp = staged.keys().get(0).getExpirationTime();

        KeyRing again = staged.rotate(T0.plusSeconds(120), POLICY).ring();

        assertThat(again.keys().get(0).getExpirationTime()).isEqualTo(firstExp);
    }

    @Test
    void publicJwksIsDeterministicAndHoldsNoPrivateMember() throws Exception {
        for (KeyAlgorithm algorithm : KeyAlgorithm.values()) {
            RotationPolicy policy = RotationPolicy.defaults(algorithm);
            KeyRing ring = KeyRing.empty().rotate(T0, policy).ring().rotate(T0.plusSeconds(5), policy).ring();

            String jwks = ring.publicJwks(T0.plusSeconds(5));
            assertThat(jwks).isEqualTo(ring.publicJwks(T0.plusSeconds(5)));
            assertThat(KeyRing.parse(ring.toJson(), "copy").publicJwks(T0.plusSeconds(5))).isEqualTo(jwks);
            JWKSet parsed = JWKSet.parse(jwks);
            assertThat(parsed.getKeys()).hasSize(2).allSatisfy(key -> {
                assertThat(key.isPrivate()).isFalse();
                assertThat(key.getKeyID()).isNotBlank();
                assertThat(key.getAlgorithm().getName()).isEqualTo(algorithm.name());
                assertThat(key.getKeyUse().identifier()).isEqualTo("sig");
                assertThat(key.toJSONObject().keySet()).doesNotContainAnyElementsOf(KeyRing.PRIVATE_MEMBERS);
            });
        }
    }

    @Test
    void parseRefusesWhatWouldLoseOrCorruptKeys() throws Exception {
        String good = KeyRing.empty().rotate(T0, POLICY).ring().toJson();
        String publicOnly = KeyRing.empty().rotate(T0, POLICY).ring().publicJwks(T0);

        assertThatThrownBy(() -> KeyRing.parse(good.substring(0, good.length() / 2), "ring.json"))
                .hasMessageStartingWith("Key ring ring.json is not valid JSON")
                .hasMessageContaining("left untouched");
        assertThatThrownBy(() -> KeyRing.parse("{\"kees\": []}", "ring.json"))
                .hasMessageContaining("has no \"keys\" array");
        assertThatThrownBy(() -> KeyRing.parse(publicOnly, "ring.json")).hasMessageContaining("has no private part");
        assertThatThrownBy(() -> KeyRing.parse(good.replace("\"nbf\"", "\"nbx\""), "ring.json"))
                .hasMessageContaining("has no 'nbf'");
        String twice = "{\"keys\":[" + strip(good) + "," + strip(good) + "]}";
        assertThatThrownBy(() -> KeyRing.parse(twice, "ring.json")).hasMessageContaining("repeats kid");
    }

    private static String strip(String ringJson) {
        String inner = ringJson.substring(ringJson.indexOf('[') + 1, ringJson.lastIndexOf(']'));
        return inner.strip();
    }

    private static List<String> kids(List<JWK> keys) {
        return keys.stream().map(JWK::getKeyID).toList();
    }

    private static String header(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    /** Signs a token as the server would at {@code at}: with the ring's signing key, kid in the header. */
    static String sign(KeyRing ring, Instant at) throws JOSEException {
        JWK key = ring.signingKey(at).orElseThrow();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("webauthn-server").subject("user-1")
                .audience("api").issueTime(Date.from(at)).expirationTime(Date.from(at.plus(POLICY.tokenTtl())))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.parse(key.getAlgorithm().getName()))
                .keyID(key.getKeyID()).build(), claims);
        jwt.sign(new DefaultJWSSignerFactory().createJWSSigner(key));
        return jwt.serialize();
    }

    /** Verifies a token as a relying service would at {@code at}, with only the published JWKS. */
    static JWTClaimsSet verify(String jwks, String token, Instant at) throws Exception {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        Set<JWSAlgorithm> allowed = new HashSet<>();
        for (KeyAlgorithm algorithm : KeyAlgorithm.values()) {
            allowed.add(algorithm.jws());
        }
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(allowed, new ImmutableJWKSet<>(JWKSet.parse(jwks))));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>("api",
                new JWTClaimsSet.Builder().issuer("webauthn-server").build(), Set.of("sub", "exp")) {
            @Override
            public Date currentTime() {
                return Date.from(at);
            }
        };
        claims.setMaxClockSkew(0);
        processor.setJWTClaimsSetVerifier(claims);
        return processor.process(token, null);
    }
}

package io.github.webauthnkit.keys.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyAlgorithmTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void generatesAFitKeyWithTimesAndKidForEveryAlgorithm(KeyAlgorithm algorithm) throws Exception {
        JWK key = algorithm.generate(2048, NOW, NOW.plusSeconds(3600));

        assertThat(key.isPrivate()).isTrue();
        assertThat(key.getAlgorithm().getName()).isEqualTo(algorithm.name());
        assertThat(key.getKeyUse()).isEqualTo(KeyUse.SIGNATURE);
        assertThat(key.getIssueTime().toInstant()).isEqualTo(NOW);
        assertThat(key.getNotBeforeTime().toInstant()).isEqualTo(NOW.plusSeconds(3600));
        assertThat(key.getKeyID()).matches("20261124-[A-Za-z0-9_-]{16}");
        assertThat(KeyAlgorithm.weaknesses(key)).isEmpty();
        switch (algorithm) {
            case ES256 -> assertThat(((ECKey) key).getCurve()).isEqualTo(Curve.P_256);
            case ES384 -> assertThat(((ECKey) key).getCurve()).isEqualTo(Curve.P_384);
            case EdDSA -> assertThat(((OctetKeyPair) key).getCurve()).isEqualTo(Curve.Ed25519);
            default -> assertThat(((RSAKey) key).size()).isEqualTo(2048);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"HS256", "HS384", "HS512"})
    void refusesHmacExplainingWhy(String name) {
        assertThatThrownBy(() -> KeyAlgorithm.parse(name))
                .isInstanceOf(KeyRingException.class)
                .hasMessageContaining("'" + name + "' is refused")
                .hasMessageContaining("could forge tokens")
                .hasMessageContaining("RS256, RS384, RS512, PS256, ES256, ES384, EdDSA");
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "RSA", "es256", ""})
    void refusesUnknownNamesListingTheChoices(String name) {
        assertThatThrownBy(() -> KeyAlgorithm.parse(name))
                .isInstanceOf(KeyRingException.class)
                .hasMessageContaining("Unsupported algorithm")
                .hasMessageContaining("Use one of: RS256");
    }

    @Test
    void refusesRsaBelow2048Bits() {
        assertThatThrownBy(() -> KeyAlgorithm.RS256.generate(1024, NOW, NOW))
                .isInstanceOf(KeyRingException.class)
                .hasMessage("RSA key size 1024 is refused: RSA keys must have at least 2048 bits.");
    }

    @Test
    void reportsWeakAndMismatchedKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        var pair = generator.generateKeyPair();
        JWK weakRsa = new RSAKey.Builder((RSAPublicKey) pair.getPublic())
                .privateKey((RSAPrivateCrtKey) pair.getPrivate()).keyID("weak").algorithm(KeyAlgorithm.RS256.jws())
                .build();
        JWK hmac = new OctetSequenceKeyGenerator(256).keyID("mac").generate();
        JWK wrongCurve = new ECKeyGenerator(Curve.P_384).keyID("curve").algorithm(KeyAlgorithm.ES256.jws()).generate();
        JWK wrongType = new ECKeyGenerator(Curve.P_256).keyID("type").algorithm(KeyAlgorithm.RS256.jws()).generate();
        JWK encryption = new ECKeyGenerator(Curve.P_256).keyID("enc").algorithm(KeyAlgorithm.ES256.jws())
                .keyUse(KeyUse.ENCRYPTION).generate();
        JWK noAlg = new ECKeyGenerator(Curve.P_256).keyID("noalg").generate();

        assertThat(KeyAlgorithm.weaknesses(weakRsa)).containsExactly(
                "key weak is a 1024-bit RSA key; at least 2048 bits are required");
        assertThat(KeyAlgorithm.weaknesses(hmac)).containsExactly(
                "key mac is a symmetric (oct) key; only asymmetric keys are allowed");
        assertThat(KeyAlgorithm.weaknesses(wrongCurve)).containsExactly(
                "key curve is on curve P-384 but ES256 needs P-256");
        assertThat(KeyAlgorithm.weaknesses(wrongType)).containsExactly(
                "key type is of type " + KeyType.EC + " but its algorithm RS256 needs RSA");
        assertThat(KeyAlgorithm.weaknesses(encryption)).containsExactly(
                "key enc has use 'enc'; signing keys need 'sig'");
        assertThat(KeyAlgorithm.weaknesses(noAlg)).singleElement().asString().contains("has no 'alg'");
    }
}

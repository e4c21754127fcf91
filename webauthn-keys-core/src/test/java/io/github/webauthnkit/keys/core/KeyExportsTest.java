package io.github.webauthnkit.keys.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KeyExportsTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void pemIsTheSigningKeysSubjectPublicKeyInfo(KeyAlgorithm algorithm) throws Exception {
        KeyRing ring = KeyRing.empty().rotate(NOW, RotationPolicy.defaults(algorithm)).ring();
        JWK signing = ring.signingKey(NOW).orElseThrow();
        Path pem = dir.resolve("config/webauthn-public-key.pem");

        KeyExports.Result result = KeyExports.writePublicKey(ring, NOW, pem);

        String text = Files.readString(pem);
        assertThat(result.written()).isTrue();
        assertThat(text).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("-----END PUBLIC KEY-----\n");
        byte[] der = PublicKeys.readPem(text);
        String jdkAlgorithm = switch (algorithm) {
            case ES256, ES384 -> "EC";
            case EdDSA -> "Ed25519";
            default -> "RSA";
        };
        PublicKey key = KeyFactory.getInstance(jdkAlgorithm).generatePublic(new X509EncodedKeySpec(der));
        assertThat(key.getEncoded()).isEqualTo(PublicKeys.spki(signing));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pem))).isEqualTo("rw-r--r--");
    }

    @ParameterizedTest
    @EnumSource(value = KeyAlgorithm.class, names = {"RS256", "ES256"})
    void unchangedExportsAreLeftUntouched(KeyAlgorithm algorithm) throws Exception {
        KeyRing ring = KeyRing.empty().rotate(NOW, RotationPolicy.defaults(algorithm)).ring();
        Path pem = dir.resolve("webauthn-public-key.pem");
        Path jwks = dir.resolve("webauthn-jwks.json");
        KeyExports.writePublicKey(ring, NOW, pem);
        KeyExports.writeJwks(ring, NOW, jwks);
        FileTime old = FileTime.from(NOW.minusSeconds(3600));
        Files.setLastModifiedTime(pem, old);
        Files.setLastModifiedTime(jwks, old);

        KeyExports.Result pemAgain = KeyExports.writePublicKey(ring, NOW, pem);
        KeyExports.Result jwksAgain = KeyExports.writeJwks(ring, NOW, jwks);

        assertThat(pemAgain.written()).isFalse();
        assertThat(jwksAgain.written()).isFalse();
        assertThat(Files.getLastModifiedTime(pem)).isEqualTo(old);
        assertThat(Files.getLastModifiedTime(jwks)).isEqualTo(old);
        assertThat(pemAgain.describe("public key")).isEqualTo("Unchanged: public key " + pem + " ("
                + ring.keys().get(0).getKeyID() + ")");

        KeyRing rotated = ring.rotate(NOW.plusSeconds(1), RotationPolicy.defaults(algorithm)).ring();
        assertThat(KeyExports.writeJwks(rotated, NOW.plusSeconds(1), jwks).written()).isTrue();
        assertThat(KeyExports.writePublicKey(rotated, NOW.plusSeconds(1), pem).written())
                .as("the old key still signs until the new key's nbf").isFalse();
    }
}

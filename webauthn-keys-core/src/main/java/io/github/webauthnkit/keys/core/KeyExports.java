package io.github.webauthnkit.keys.core;

import com.nimbusds.jose.jwk.JWK;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** Writes the public exports: the signing key as PEM and the verification keys as JWKS, only when they changed. */
public final class KeyExports {
    private KeyExports() {
    }

    /**
     * @param file    the file
     * @param written false when the file already held exactly this content and was left untouched
     * @param kids    the key ids the file holds
     */
    public record Result(Path file, boolean written, List<String> kids) {
        public String describe(String what) {
            return (written ? "Wrote " : "Unchanged: ") + what + " " + file + " (" + String.join(", ", kids) + ")";
        }
    }

    public static Result writePublicKey(KeyRing ring, Instant now, Path file) throws KeyRingException {
        JWK signing = ring.signingKey(now).orElseThrow(() -> new KeyRingException("The key ring has no key that may"
                + " sign now (every key is expired or starts later). Run 'mvn webauthn-keys:rotate'."));
        return writePublicKey(signing, file);
    }

    public static Result writePublicKey(JWK key, Path file) throws KeyRingException {
        return write(file, PublicKeys.pem(key), List.of(key.getKeyID()));
    }

    public static Result writeJwks(KeyRing ring, Instant now, Path file) throws KeyRingException {
        return writeJwks(ring.verificationKeys(now), file);
    }

    public static Result writeJwks(List<JWK> publicKeys, Path file) throws KeyRingException {
        return write(file, KeyRing.jwksJson(publicKeys), publicKeys.stream().map(JWK::getKeyID).toList());
    }

    private static Result write(Path file, String content, List<String> kids) throws KeyRingException {
        try {
            boolean written = SecureFiles.writeIfChanged(file, content, SecureFiles.PUBLIC_READ);
            return new Result(file, written, kids);
        } catch (IOException e) {
            throw new KeyRingException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}

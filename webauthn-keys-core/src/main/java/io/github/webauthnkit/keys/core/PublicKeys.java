package io.github.webauthnkit.keys.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/** SubjectPublicKeyInfo PEM of a JWK's public half, the form {@code openssl pkey -pubin} and every JWT library read. */
public final class PublicKeys {
    private static final String PEM_TYPE = "PUBLIC KEY";

    private PublicKeys() {
    }

    /** The DER-encoded SubjectPublicKeyInfo of a key. */
    public static byte[] spki(JWK key) throws KeyRingException {
        try {
            if (key instanceof OctetKeyPair okp) {
                // The JDK cannot turn an OKP JWK into a PublicKey, so encode RFC 8410's structure directly.
                return new SubjectPublicKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519),
                        okp.getDecodedX()).getEncoded();
            }
            if (key instanceof AsymmetricJWK asymmetric) {
                return asymmetric.toPublicKey().getEncoded();
            }
        } catch (JOSEException | IOException e) {
            throw new KeyRingException("Cannot encode the public key of " + key.getKeyID() + ": " + e.getMessage(), e);
        }
        throw new KeyRingException("Key " + key.getKeyID() + " of type " + key.getKeyType() + " has no public key.");
    }

    public static String pem(JWK key) throws KeyRingException {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject(PEM_TYPE, spki(key)));
        } catch (IOException e) {
            throw new KeyRingException("Cannot write PEM: " + e.getMessage(), e);
        }
        return out.toString();
    }

    /**
     * Decodes the first {@code PUBLIC KEY} block of a PEM text.
     *
     * @return its DER bytes, or {@code null} when the text holds no such block
     */
    public static byte[] readPem(String text) {
        try (PemReader reader = new PemReader(new StringReader(text))) {
            PemObject object;
            while ((object = reader.readPemObject()) != null) {
                if (PEM_TYPE.equals(object.getType())) {
                    return object.getContent();
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}

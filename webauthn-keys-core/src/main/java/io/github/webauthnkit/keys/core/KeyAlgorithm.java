package io.github.webauthnkit.keys.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.JWKGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/** The asymmetric JWS algorithms a key ring may hold. HMAC is never one of them: verifiers must not need a secret. */
public enum KeyAlgorithm {
    RS256(JWSAlgorithm.RS256, KeyType.RSA, null),
    RS384(JWSAlgorithm.RS384, KeyType.RSA, null),
    RS512(JWSAlgorithm.RS512, KeyType.RSA, null),
    PS256(JWSAlgorithm.PS256, KeyType.RSA, null),
    ES256(JWSAlgorithm.ES256, KeyType.EC, Curve.P_256),
    ES384(JWSAlgorithm.ES384, KeyType.EC, Curve.P_384),
    EdDSA(JWSAlgorithm.EdDSA, KeyType.OKP, Curve.Ed25519);

    /** The smallest RSA modulus accepted, in bits (NIST SP 800-131A, RFC 7518 section 3.3). */
    public static final int MIN_RSA_BITS = 2048;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final JWSAlgorithm jws;
    private final KeyType keyType;
    private final Curve curve;

    KeyAlgorithm(JWSAlgorithm jws, KeyType keyType, Curve curve) {
        this.jws = jws;
        this.keyType = keyType;
        this.curve = curve;
    }

    public JWSAlgorithm jws() {
        return jws;
    }

    public static String allowedNames() {
        return String.join(", ", Arrays.stream(values()).map(Enum::name).toList());
    }

    /** Looks up an algorithm by its JOSE name, refusing HMAC and anything unknown with a message that lists the choices. */
    public static KeyAlgorithm parse(String name) throws KeyRingException {
        Optional<KeyAlgorithm> found = find(name);
        if (found.isPresent()) {
            return found.get();
        }
        String shown = name == null ? "" : name.trim();
        if (shown.toUpperCase(Locale.ROOT).startsWith("HS")) {
            throw new KeyRingException("Algorithm '" + shown + "' is refused: HMAC algorithms share one secret between the"
                    + " signer and every verifier, so any verifier could forge tokens. Use one of: " + allowedNames() + ".");
        }
        throw new KeyRingException("Unsupported algorithm '" + shown + "'. Use one of: " + allowedNames() + ".");
    }

    public static Optional<KeyAlgorithm> find(String name) {
        if (name == null) {
            return Optional.empty();
        }
        return Arrays.stream(values()).filter(a -> a.name().equals(name.trim())).findFirst();
    }

    /**
     * Generates a new private key for this algorithm with the given times.
     *
     * @param rsaBits modulus size for RSA algorithms, at least {@link #MIN_RSA_BITS}; ignored otherwise
     */
    public JWK generate(int rsaBits, Instant issued, Instant notBefore) throws KeyRingException {
        if (keyType == KeyType.RSA && rsaBits < MIN_RSA_BITS) {
            throw new KeyRingException("RSA key size " + rsaBits + " is refused: RSA keys must have at least "
                    + MIN_RSA_BITS + " bits.");
        }
        try {
            JWK key;
            if (keyType == KeyType.OKP) {
                key = ed25519(issued, notBefore);
            } else {
                JWKGenerator<? extends JWK> generator = keyType == KeyType.RSA
                        ? new RSAKeyGenerator(rsaBits)
                        : new ECKeyGenerator(curve);
                key = generator.secureRandom(RANDOM)
                        .algorithm(jws)
                        .keyUse(KeyUse.SIGNATURE)
                        .issueTime(Date.from(issued))
                        .notBeforeTime(Date.from(notBefore))
                        .generate();
            }
            Map<String, Object> json = key.toJSONObject();
            json.put("kid", KidFormat.forKey(key, issued));
            return JWK.parse(json);
        } catch (JOSEException | ParseException e) {
            throw new KeyRingException("Could not generate a " + name() + " key: " + e.getMessage(), e);
        }
    }

    /** Nimbus generates Ed25519 keys only with Google Tink on the class path; BouncyCastle is here already. */
    private JWK ed25519(Instant issued, Instant notBefore) {
        Ed25519PrivateKeyParameters privateKey = new Ed25519PrivateKeyParameters(RANDOM);
        return new OctetKeyPair.Builder(curve, Base64URL.encode(privateKey.generatePublicKey().getEncoded()))
                .d(Base64URL.encode(privateKey.getEncoded()))
                .algorithm(jws)
                .keyUse(KeyUse.SIGNATURE)
                .issueTime(Date.from(issued))
                .notBeforeTime(Date.from(notBefore))
                .build();
    }

    /**
     * Lists what makes a key unfit for a ring: wrong type for its algorithm, a weak size, a missing or symmetric
     * algorithm, a use other than signing. Empty when the key is acceptable.
     */
    public static List<String> weaknesses(JWK key) {
        List<String> problems = new ArrayList<>();
        String kid = key.getKeyID() == null ? "(no kid)" : key.getKeyID();
        if (key.getKeyType() == KeyType.OCT) {
            problems.add("key " + kid + " is a symmetric (oct) key; only asymmetric keys are allowed");
            return problems;
        }
        if (key.getAlgorithm() == null) {
            problems.add("key " + kid + " has no 'alg'; set one of " + allowedNames());
            return problems;
        }
        Optional<KeyAlgorithm> alg = find(key.getAlgorithm().getName());
        if (alg.isEmpty()) {
            problems.add("key " + kid + " uses algorithm " + key.getAlgorithm().getName() + ", which is not one of "
                    + allowedNames());
            return problems;
        }
        KeyAlgorithm a = alg.get();
        if (key.getKeyType() != a.keyType) {
            problems.add("key " + kid + " is of type " + key.getKeyType() + " but its algorithm " + a + " needs "
                    + a.keyType);
        } else if (key instanceof RSAKey rsa && rsa.size() < MIN_RSA_BITS) {
            problems.add("key " + kid + " is a " + rsa.size() + "-bit RSA key; at least " + MIN_RSA_BITS
                    + " bits are required");
        } else if (key instanceof ECKey ec && !a.curve.equals(ec.getCurve())) {
            problems.add("key " + kid + " is on curve " + ec.getCurve() + " but " + a + " needs " + a.curve);
        } else if (key instanceof OctetKeyPair okp && !a.curve.equals(okp.getCurve())) {
            problems.add("key " + kid + " is on curve " + okp.getCurve() + " but " + a + " needs " + a.curve);
        }
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            problems.add("key " + kid + " has use '" + key.getKeyUse().identifier() + "'; signing keys need 'sig'");
        }
        return problems;
    }
}

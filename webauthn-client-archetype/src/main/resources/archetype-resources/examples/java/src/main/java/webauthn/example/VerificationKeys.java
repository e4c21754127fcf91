package webauthn.example;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the verification keys come from: a JWKS URL (cached), a JWKS file, or a single PEM public key.
 *
 * @param source        the keys
 * @param single        a PEM key, the only key, used whatever the token's {@code kid}; null when the token's
 *                      {@code kid} selects the key (a JWKS)
 * @param description   where the keys come from, for messages
 */
public record VerificationKeys(JWKSource<SecurityContext> source, JWK single, String description) {

    private static final Pattern PEM_PUBLIC_KEY =
            Pattern.compile("-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----");
    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 raw key bytes follow it. */
    private static final byte[] ED25519_SPKI_PREFIX = {
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    /** The verifier's --jwks value: a URL when it starts with http:// or https://, else a file. */
    public static VerificationKeys jwks(String fileOrUrl, Duration cooldown) throws ConfigException {
        String lower = fileOrUrl.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return jwksUrl(fileOrUrl, cooldown);
        }
        return jwksFile(Path.of(fileOrUrl), cooldown);
    }

    /** Nothing is fetched here: the first token that passes the header checks triggers the first fetch. */
    public static VerificationKeys jwksUrl(String url, Duration cooldown) throws ConfigException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ConfigException("the JWKS URL " + url + " is not a URL: " + e.getMessage());
        }
        if (uri.getHost() == null) {
            throw new ConfigException("the JWKS URL " + url + " has no host");
        }
        return new VerificationKeys(CachingJwkSource.url(uri, cooldown, Clock.systemUTC()), null, url);
    }

    public static VerificationKeys jwksFile(Path file, Duration cooldown) throws ConfigException {
        try {
            return new VerificationKeys(CachingJwkSource.file(file, cooldown, Clock.systemUTC()), null,
                    file.toString());
        } catch (IOException e) {
            throw new ConfigException("cannot read the JWKS file " + file + ": " + describe(e));
        } catch (ParseException e) {
            throw new ConfigException("the JWKS file " + file + " is not a JWK set: " + e.getMessage());
        }
    }

    /**
     * A PEM public key. It names no algorithm: it verifies every algorithm of the allow-list that suits its type (an
     * RSA key: RS256 to PS512; P-256: ES256; P-384: ES384; Ed25519: EdDSA), so a project that signs with RS384 or
     * PS256 is verified as one that signs with RS256. {@link TokenVerifier} refuses an allow-list it suits none of.
     */
    public static VerificationKeys publicKeyPem(Path file) throws ConfigException {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigException("cannot read the public key file " + file + ": " + describe(e));
        }
        Matcher m = PEM_PUBLIC_KEY.matcher(pem);
        if (!m.find()) {
            throw new ConfigException("the public key file " + file + " holds no PEM \"PUBLIC KEY\" block");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("the public key file " + file + " is not valid PEM: " + e.getMessage());
        }
        JWK key = toJwk(decodePublicKey(der, file));
        return new VerificationKeys(new ImmutableJWKSet<>(new JWKSet(key)), key, file.toString());
    }

    /** A fixed key ring, selected by kid: how the exchange service trusts its own tokens. */
    public static VerificationKeys of(JWK publicKey, String description) {
        return new VerificationKeys(new ImmutableJWKSet<>(new JWKSet(publicKey.toPublicJWK())), null, description);
    }

    /**
     * Without the options: {@code WEBAUTHN_JWKS_URL}, else {@code WEBAUTHN_JWKS_FILE}, else
     * {@code WEBAUTHN_PUBLIC_KEY_FILE}.
     */
    public static VerificationKeys fromEnvironment(Map<String, String> env, Duration cooldown)
            throws ConfigException {
        if (present(env.get("WEBAUTHN_JWKS_URL"))) {
            return jwksUrl(env.get("WEBAUTHN_JWKS_URL"), cooldown);
        }
        if (present(env.get("WEBAUTHN_JWKS_FILE"))) {
            return jwksFile(Path.of(env.get("WEBAUTHN_JWKS_FILE")), cooldown);
        }
        if (present(env.get("WEBAUTHN_PUBLIC_KEY_FILE"))) {
            return publicKeyPem(Path.of(env.get("WEBAUTHN_PUBLIC_KEY_FILE")));
        }
        throw new ConfigException("no keys: set WEBAUTHN_JWKS_URL, WEBAUTHN_JWKS_FILE or WEBAUTHN_PUBLIC_KEY_FILE");
    }

    /** {@code WEBAUTHN_JWKS_COOLDOWN}: seconds between two refetches for an unknown kid, default 30. */
    public static Duration cooldownFromEnvironment(Map<String, String> env) throws ConfigException {
        String value = env.get("WEBAUTHN_JWKS_COOLDOWN");
        return present(value) ? Duration.ofSeconds(nonNegative("WEBAUTHN_JWKS_COOLDOWN", value))
                : Duration.ofSeconds(30);
    }

    public static long nonNegative(String name, String value) throws ConfigException {
        try {
            long n = Long.parseLong(value.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, with the name of the setting
        }
        throw new ConfigException(name + " must be a whole number, 0 or more, not \"" + value + "\"");
    }

    /** Whether the token's {@code kid} selects the key: a JWKS, not a single PEM key. */
    public boolean byKid() {
        return single == null;
    }

    static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    private static PublicKey decodePublicKey(byte[] der, Path file) throws ConfigException {
        for (String type : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this type; try the next
            }
        }
        throw new ConfigException("the public key in " + file + " is not an RSA, EC or Ed25519 key");
    }

    private static JWK toJwk(PublicKey key) throws ConfigException {
        if (key instanceof RSAPublicKey rsa) {
            return new RSAKey.Builder(rsa).keyUse(KeyUse.SIGNATURE).build();
        }
        if (key instanceof ECPublicKey ec) {
            Curve curve = Curve.forECParameterSpec(ec.getParams());
            if (!Curve.P_256.equals(curve) && !Curve.P_384.equals(curve)) {
                throw new ConfigException("the EC public key is on an unsupported curve (P-256 and P-384 are)");
            }
            return new ECKey.Builder(curve, ec).keyUse(KeyUse.SIGNATURE).build();
        }
        if (key instanceof EdECPublicKey) {
            byte[] der = key.getEncoded();
            if (der.length != ED25519_SPKI_PREFIX.length + 32
                    || !Arrays.equals(der, 0, ED25519_SPKI_PREFIX.length, ED25519_SPKI_PREFIX, 0,
                            ED25519_SPKI_PREFIX.length)) {
                throw new ConfigException("the EdDSA public key is not an Ed25519 key");
            }
            byte[] raw = Arrays.copyOfRange(der, ED25519_SPKI_PREFIX.length, der.length);
            return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(raw))
                    .keyUse(KeyUse.SIGNATURE).build();
        }
        throw new ConfigException("unsupported public key type " + key.getAlgorithm());
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException ? "no such file"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}

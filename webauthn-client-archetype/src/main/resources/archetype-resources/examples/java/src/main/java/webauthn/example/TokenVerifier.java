package webauthn.example;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Verifies a JWT with the contract's checks, in the contract's order (RFC 8725), each refusal carrying its reason code.
 *
 * <p>The steps are written out rather than handed to nimbus' {@code DefaultJWTProcessor}: that processor parses the
 * claims before the signature and reports its refusals as free text, while the contract fixes both the order and the
 * codes. nimbus still does the parsing, the key selection and the cryptography.
 */
public final class TokenVerifier {
    /** What the passkey server signs with; the default allow-list. */
    public static final String DEFAULT_ALGORITHMS = "RS256,RS384,RS512,PS256,ES256,ES384,EdDSA";

    /** Every algorithm an allow-list may name: asymmetric only, so never {@code none} and never HMAC. */
    private static final Map<String, JWSAlgorithm> SUPPORTED = new LinkedHashMap<>();

    static {
        for (JWSAlgorithm alg : List.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
                JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
                JWSAlgorithm.ES512, JWSAlgorithm.EdDSA)) {
            SUPPORTED.put(alg.getName(), alg);
        }
    }

    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]*");

    private final VerificationKeys keys;
    private final Map<String, JWSAlgorithm> allowed;
    private final String issuer;
    private final String audience;
    private final Duration leeway;
    private final Clock clock;

    public TokenVerifier(VerificationKeys keys, List<JWSAlgorithm> allowed, String issuer, String audience,
                         Duration leeway, Clock clock) throws ConfigException {
        if (keys.single() != null && allowed.stream().noneMatch(alg -> fits(keys.single(), alg))) {
            throw new ConfigException("the public key in " + keys.description() + " (kty " + keys.single().getKeyType()
                    + ") suits none of the allowed algorithms " + allowed);
        }
        this.keys = keys;
        this.allowed = new LinkedHashMap<>();
        allowed.forEach(alg -> this.allowed.put(alg.getName(), alg));
        this.issuer = issuer;
        this.audience = audience;
        this.leeway = leeway;
        this.clock = clock;
    }

    /** Parses an allow-list such as {@code RS256,ES256,EdDSA}; {@code none}, HMAC and unknown names are refused. */
    public static List<JWSAlgorithm> parseAlgorithms(String list) throws ConfigException {
        List<JWSAlgorithm> result = new ArrayList<>();
        for (String name : list.split(",")) {
            String trimmed = name.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            JWSAlgorithm alg = SUPPORTED.get(trimmed);
            if (alg == null) {
                throw new ConfigException("unsupported algorithm \"" + trimmed + "\" on the allow-list (supported: "
                        + String.join(",", SUPPORTED.keySet()) + "; never none or HMAC)");
            }
            result.add(alg);
        }
        if (result.isEmpty()) {
            throw new ConfigException("the algorithm allow-list is empty");
        }
        return result;
    }

    /** Returns the verified claims, or throws the first refusal in the contract's order. */
    public JWTClaimsSet verify(String token) throws Refusal {
        JWSAlgorithm alg = checkHeader(token);
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new Refusal("malformed", "the token is not a JWS: " + e.getMessage());
        }
        JWK key = selectKey(jwt, alg);
        checkSignature(jwt, key, alg);
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new Refusal("malformed", "the payload is not a valid claims set: " + e.getMessage());
        }
        checkClaims(claims);
        return claims;
    }

    /** Steps 1 and 2: the shape, then the allow-list, before any key is touched. */
    private JWSAlgorithm checkHeader(String token) throws Refusal {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new Refusal("malformed", "a JWT has three dot-separated parts, this one has " + parts.length);
        }
        for (int i = 0; i < parts.length; i++) {
            if (!BASE64URL.matcher(parts[i]).matches() || (i < 2 && parts[i].isEmpty())) {
                throw new Refusal("malformed", "part " + (i + 1) + " of the token is not base64url");
            }
        }
        Map<String, Object> header;
        try {
            header = JSONObjectUtils.parse(new String(new Base64URL(parts[0]).decode(), StandardCharsets.UTF_8));
        } catch (ParseException e) {
            throw new Refusal("malformed", "the header is not a JSON object");
        }
        if (!(header.get("alg") instanceof String name)) {
            throw new Refusal("malformed", "the header has no alg");
        }
        JWSAlgorithm alg = allowed.get(name);
        if (alg == null) {
            throw new Refusal("algorithm", "alg " + Refusal.quote(name) + " is not allowed (allowed: "
                    + String.join(",", allowed.keySet()) + ")");
        }
        return alg;
    }

    /** Steps 3 and 4: the key by kid (a lookup key only), then the key's own algorithm and type. */
    private JWK selectKey(SignedJWT jwt, JWSAlgorithm alg) throws Refusal {
        String kid = jwt.getHeader().getKeyID();
        JWKMatcher matcher;
        if (keys.byKid()) {
            if (kid == null || kid.isEmpty()) {
                throw new Refusal("unknown_kid", "the token has no kid");
            }
            matcher = new JWKMatcher.Builder().keyID(kid).build();
        } else {
            matcher = new JWKMatcher.Builder().build();
        }
        List<JWK> candidates;
        try {
            candidates = keys.source().get(new JWKSelector(matcher), null);
        } catch (KeySourceException e) {
            throw new Refusal("keys_unavailable", e.getMessage());
        }
        if (candidates.isEmpty()) {
            throw new Refusal("unknown_kid", "no key with kid " + Refusal.quote(kid) + " in " + keys.description());
        }
        for (JWK candidate : candidates) {
            if (fits(candidate, alg)) {
                return candidate;
            }
        }
        JWK first = candidates.get(0);
        throw new Refusal("algorithm", "the token says " + alg + " but its key" + (kid == null ? "" : " "
                + Refusal.quote(kid)) + " is a " + first.getKeyType() + " key"
                + (first.getAlgorithm() == null ? "" : " for " + first.getAlgorithm()));
    }

    /** A key without its own alg is judged by its type alone (RFC 7517 makes alg optional). */
    private static boolean fits(JWK key, JWSAlgorithm alg) {
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            return false;
        }
        if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg.getName())) {
            return false;
        }
        if (JWSAlgorithm.Family.RSA.contains(alg)) {
            return key instanceof RSAKey;
        }
        if (JWSAlgorithm.EdDSA.equals(alg)) {
            return key instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve());
        }
        Curve curve = JWSAlgorithm.ES256.equals(alg) ? Curve.P_256
                : JWSAlgorithm.ES384.equals(alg) ? Curve.P_384 : Curve.P_521;
        return key instanceof ECKey ec && curve.equals(ec.getCurve());
    }

    /** Step 5. */
    private static void checkSignature(SignedJWT jwt, JWK key, JWSAlgorithm alg) throws Refusal {
        boolean valid;
        try {
            JWSVerifier verifier = key instanceof RSAKey rsa ? new RSASSAVerifier(rsa)
                    : key instanceof ECKey ec ? new ECDSAVerifier(ec)
                    : new Ed25519Verifier((OctetKeyPair) key);
            valid = jwt.verify(verifier);
        } catch (JOSEException e) {
            throw new Refusal("signature", "the signature cannot be checked: " + e.getMessage());
        }
        if (!valid) {
            throw new Refusal("signature", "the " + alg + " signature does not match the token");
        }
    }

    /** Steps 6 to 9. */
    private void checkClaims(JWTClaimsSet claims) throws Refusal {
        List<String> missing = new ArrayList<>();
        if (claims.getExpirationTime() == null) {
            missing.add("exp");
        }
        if (claims.getIssueTime() == null) {
            missing.add("iat");
        }
        if (claims.getSubject() == null) {
            missing.add("sub");
        }
        if (!missing.isEmpty()) {
            throw new Refusal("missing_claim", "the token has no " + String.join(", ", missing));
        }
        Instant now = clock.instant();
        Instant exp = claims.getExpirationTime().toInstant();
        if (!now.isBefore(exp.plus(leeway))) {
            throw new Refusal("expired", "the token expired at " + exp + " (now " + now.truncatedTo(ChronoUnit.SECONDS)
                    + ", leeway " + leeway.toSeconds() + " s)");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.isBefore(nbf.toInstant().minus(leeway))) {
            throw new Refusal("not_yet_valid", "the token is valid from " + nbf.toInstant() + " (leeway "
                    + leeway.toSeconds() + " s)");
        }
        if (!issuer.equals(claims.getIssuer())) {
            throw new Refusal("issuer", "iss is " + (claims.getIssuer() == null ? "missing"
                    : Refusal.quote(claims.getIssuer())) + ", expected " + Refusal.quote(issuer));
        }
        List<String> aud = claims.getAudience();
        if (!aud.contains(audience)) {
            throw new Refusal("audience", "aud is " + (aud.isEmpty() ? "missing" : Refusal.quote(String.join(",", aud)))
                    + ", expected " + Refusal.quote(audience));
        }
    }

    public Duration leeway() {
        return leeway;
    }
}

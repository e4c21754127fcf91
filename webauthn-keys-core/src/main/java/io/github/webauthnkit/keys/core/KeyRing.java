package io.github.webauthnkit.keys.core;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable set of private signing keys with their JWK time members ({@code iat}, {@code nbf}, {@code exp}).
 *
 * <ul>
 *   <li>The signing key at an instant is the key with the greatest {@code nbf <= now} that has not expired.</li>
 *   <li>The verification keys are every key not yet expired, including a next key whose {@code nbf} lies ahead.</li>
 *   <li>A superseded key's {@code exp} is its successor's {@code nbf} + token TTL + clock skew: the last moment a
 *       token it signed can still be valid.</li>
 * </ul>
 */
public final class KeyRing {
    /** Members of a JWK that carry private key material (RFC 7518 section 6). */
    public static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

    private static final Comparator<JWK> BY_NOT_BEFORE = Comparator
            .comparing((JWK k) -> k.getNotBeforeTime())
            .thenComparing(JWK::getKeyID);

    private final List<JWK> keys;

    private KeyRing(List<JWK> keys) {
        List<JWK> sorted = new ArrayList<>(keys);
        sorted.sort(BY_NOT_BEFORE);
        this.keys = List.copyOf(sorted);
    }

    public static KeyRing empty() {
        return new KeyRing(List.of());
    }

    /**
     * Parses a ring, refusing anything that could make a later write lose or corrupt keys.
     *
     * @param source where the text came from, for messages
     */
    public static KeyRing parse(String json, String source) throws KeyRingException {
        Map<String, Object> root;
        try {
            root = JSONObjectUtils.parse(json);
        } catch (ParseException e) {
            throw new KeyRingException("Key ring " + source + " is not valid JSON (" + e.getMessage() + "). The file was"
                    + " left untouched; restore it from a backup, or move it away and run 'mvn webauthn-keys:rotate' to"
                    + " start a new ring.", e);
        }
        Object keysMember = root.get("keys");
        if (!(keysMember instanceof List<?> list)) {
            throw new KeyRingException("Key ring " + source + " has no \"keys\" array; it must be a JSON Web Key Set."
                    + " The file was left untouched.");
        }
        List<JWK> keys = new ArrayList<>();
        Set<String> kids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JWK key;
            try {
                if (!(list.get(i) instanceof Map<?, ?>)) {
                    throw new ParseException("not a JSON object", 0);
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> member = (Map<String, Object>) list.get(i);
                key = JWK.parse(member);
            } catch (ParseException e) {
                throw new KeyRingException("Key ring " + source + ": key #" + (i + 1) + " is not a valid JWK ("
                        + e.getMessage() + "). The file was left untouched.", e);
            }
            String where = "Key ring " + source + ": key #" + (i + 1);
            if (key.getKeyID() == null || key.getKeyID().isBlank()) {
                throw new KeyRingException(where + " has no 'kid'. The file was left untouched.");
            }
            if (!kids.add(key.getKeyID())) {
                throw new KeyRingException(where + " repeats kid '" + key.getKeyID() + "'. The file was left untouched.");
            }
            if (!key.isPrivate()) {
                throw new KeyRingException(where + " (" + key.getKeyID() + ") has no private part; a ring holds the"
                        + " signing keys themselves. The file was left untouched.");
            }
            if (key.getNotBeforeTime() == null) {
                throw new KeyRingException(where + " (" + key.getKeyID() + ") has no 'nbf'. The file was left untouched.");
            }
            keys.add(key);
        }
        return new KeyRing(keys);
    }

    public List<JWK> keys() {
        return keys;
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    public Optional<JWK> find(String kid) {
        return keys.stream().filter(k -> k.getKeyID().equals(kid)).findFirst();
    }

    public Optional<JWK> signingKey(Instant now) {
        return keys.stream()
                .filter(k -> !k.getNotBeforeTime().toInstant().isAfter(now))
                .filter(k -> !isExpired(k, now))
                .max(BY_NOT_BEFORE);
    }

    /** Public halves of every key not yet expired, in a fixed order (by {@code nbf}, then {@code kid}). */
    public List<JWK> verificationKeys(Instant now) {
        return keys.stream().filter(k -> !isExpired(k, now)).map(JWK::toPublicJWK).toList();
    }

    static boolean isExpired(JWK key, Instant now) {
        return key.getExpirationTime() != null && !key.getExpirationTime().toInstant().isAfter(now);
    }

    /**
     * Staged rotation. An empty ring gets its first key, signing at once. Otherwise expired keys are dropped and a
     * new key is added that is published now and signs from {@code now + publishAhead}; every superseded key gets
     * the {@code exp} that keeps its last tokens verifiable.
     */
    public Rotation rotate(Instant now, RotationPolicy policy) throws KeyRingException {
        if (keys.isEmpty()) {
            JWK first = policy.algorithm().generate(policy.rsaBits(), now, now);
            return new Rotation(new KeyRing(List.of(first)), first, List.of(), null);
        }
        List<JWK> dropped = keys.stream().filter(k -> isExpired(k, now)).toList();
        List<JWK> kept = new ArrayList<>(keys.stream().filter(k -> !isExpired(k, now)).toList());
        JWK next = policy.algorithm().generate(policy.rsaBits(), now, now.plus(policy.publishAhead()));
        kept.add(next);
        KeyRing ring = withExpiries(kept, policy);
        return new Rotation(ring, ring.find(next.getKeyID()).orElseThrow(), dropped, null);
    }

    /**
     * Emergency path: removes the key at once (tokens it signed stop verifying as soon as verifiers refresh) and adds
     * a new key that signs immediately.
     */
    public Rotation revoke(String kid, Instant now, RotationPolicy policy) throws KeyRingException {
        JWK revoked = find(kid).orElseThrow(() -> new KeyRingException("Cannot revoke key '" + kid + "': the ring holds"
                + " no such key (it holds: " + String.join(", ", keys.stream().map(JWK::getKeyID).toList())
                + "). Nothing was changed."));
        List<JWK> dropped = keys.stream().filter(k -> isExpired(k, now)).toList();
        List<JWK> kept = new ArrayList<>(keys.stream()
                .filter(k -> !isExpired(k, now) && !k.getKeyID().equals(kid)).toList());
        JWK next = policy.algorithm().generate(policy.rsaBits(), now, now);
        kept.add(next);
        KeyRing ring = withExpiries(kept, policy);
        return new Rotation(ring, ring.find(next.getKeyID()).orElseThrow(), dropped, revoked);
    }

    /** Sets each key's {@code exp} from its successor, never moving an existing {@code exp} earlier. */
    private static KeyRing withExpiries(List<JWK> keys, RotationPolicy policy) throws KeyRingException {
        List<JWK> sorted = new ArrayList<>(keys);
        sorted.sort(BY_NOT_BEFORE);
        List<JWK> result = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            JWK key = sorted.get(i);
            if (i + 1 < sorted.size()) {
                Instant successorStart = sorted.get(i + 1).getNotBeforeTime().toInstant();
                Instant exp = successorStart.plus(policy.tokenTtl()).plus(policy.clockSkew());
                if (key.getExpirationTime() != null && key.getExpirationTime().toInstant().isAfter(exp)) {
                    exp = key.getExpirationTime().toInstant();
                }
                key = withExpiration(key, exp);
            }
            result.add(key);
        }
        return new KeyRing(result);
    }

    private static JWK withExpiration(JWK key, Instant exp) throws KeyRingException {
        Map<String, Object> json = new LinkedHashMap<>(key.toJSONObject());
        json.put("exp", Date.from(exp).getTime() / 1000);
        try {
            return JWK.parse(json);
        } catch (ParseException e) {
            throw new KeyRingException("Could not set the expiry of key " + key.getKeyID() + ": " + e.getMessage(), e);
        }
    }

    /** The ring as a JSON Web Key Set with private members, deterministic. */
    public String toJson() {
        return Json.write(Map.of("keys", keys.stream().map(JWK::toJSONObject).toList()));
    }

    /** The public JWKS at an instant, deterministic, never with a private member. */
    public String publicJwks(Instant now) {
        return jwksJson(verificationKeys(now));
    }

    /** A JWKS of the given public keys, in their order, never with a private member. */
    public static String jwksJson(List<JWK> publicKeys) {
        List<Map<String, Object>> members = new ArrayList<>();
        for (JWK key : publicKeys) {
            Map<String, Object> json = key.toPublicJWK().toJSONObject();
            PRIVATE_MEMBERS.forEach(json::remove);
            members.add(json);
        }
        return Json.write(Map.of("keys", members));
    }

    /**
     * What a rotation did.
     *
     * @param ring    the new ring
     * @param added   the key that was added, as the new ring holds it
     * @param dropped keys removed because they had expired
     * @param revoked the key removed by revocation, or {@code null}
     */
    public record Rotation(KeyRing ring, JWK added, List<JWK> dropped, JWK revoked) {
    }
}

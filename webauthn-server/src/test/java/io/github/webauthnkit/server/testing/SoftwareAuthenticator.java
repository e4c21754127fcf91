package io.github.webauthnkit.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A software FIDO2 authenticator for the tests, with the browser around it: it reads the server's WebAuthn Level 3
 * JSON options (the {@code publicKey} member) and answers with what {@code credential.toJSON()} gives in a browser.
 * It creates discoverable credentials (so sign-ins started without a username work), with "none" attestation or
 * "packed" self attestation. {@link Tamper} makes the next answer misbehave the ways an attacker, a cloned or synced
 * authenticator, or a broken client would.
 *
 * <p>{@link #android} gives the same authenticator behind Android's Credential Manager instead of a browser, for an
 * app's ceremonies; a related origin's page is a browser at another origin ({@code new SoftwareAuthenticator(origin,
 * ...)}) that is given the server's options with the main RP ID.
 *
 * <p>Like a browser, it throws (with the DOMException name first in the message) where a real one would reject:
 * NotSupportedError when the options offer none of its algorithms, InvalidStateError for an excluded credential,
 * NotAllowedError when it holds no credential the options allow.
 */
public final class SoftwareAuthenticator {
    /** COSE algorithms this authenticator can create keys for. */
    public enum Algorithm {
        ES256(-7), RS256(-257), EdDSA(-8);

        final int cose;

        Algorithm(int cose) {
            this.cose = cose;
        }

        public int coseId() {
            return cose;
        }
    }

    /** The attestation statement of a registration. */
    public enum Attestation {
        /** fmt "none", an empty statement: what passkey providers send. */
        NONE,
        /** fmt "packed" with a self attestation: the statement is signed by the new credential's own key. */
        PACKED_SELF
    }

    /**
     * How the next answer differs from an honest one (see tamperNext); every field defaults to honest behaviour.
     */
    public static final class Tamper {
        /** clientDataJSON origin instead of the authenticator's. */
        public String origin;
        /** clientDataJSON androidPackageName instead of the app's (Android authenticators only). */
        public String androidPackageName;
        /** clientDataJSON type instead of webauthn.create / webauthn.get. */
        public String type;
        /** clientDataJSON challenge instead of the server's. */
        public String challenge;
        /** The RP id whose SHA-256 goes into authenticatorData instead of the server's. */
        public String rpId;
        /** Flips a bit of the assertion signature, or of the packed attestation signature. */
        public boolean signature;
        /** The signature counter to report (and keep): a regression, a jump, or 0. */
        public Long counter;
        /** attestationObject is not CBOR at all. */
        public boolean garbageAttestation;
        /** authenticatorData of an assertion is cut short. */
        public boolean garbageAuthenticatorData;
        /** Binary members are not base64url. */
        public boolean badBase64;
        /** The userHandle of an assertion (base64url) instead of the credential's. */
        public String userHandle;
        /** Flag UP (user present). */
        public boolean userPresent = true;
        /** Flag UV (user verified). */
        public boolean userVerified = true;
        /**
         * Flag BE (backup eligible), as a synced passkey sets it. Null: false for a new credential, and the
         * credential's own value (set when it was created) for an assertion.
         */
        public Boolean backupEligible;
        /** Flag BS (backed up), null as for BE; BS without BE is a contradiction a relying party must refuse. */
        public Boolean backedUp;
        /** Flag AT (attested credential data); null sets it exactly when the data is included (registrations). */
        public Boolean attestedCredentialData;
        /** The length in bytes of a new credential's id instead of 32 (WebAuthn allows at most 1023). */
        public Integer credentialIdLength;
        /** The transports a registration reports instead of hybrid and internal. */
        public List<String> transports;
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder D64 = Base64.getUrlDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] AAGUID = new byte[16];
    private static final int UP = 0x01;
    private static final int UV = 0x04;
    private static final int BE = 0x08;
    private static final int BS = 0x10;
    private static final int AT = 0x40;

    private final String origin;
    /** The package Credential Manager names in clientDataJSON, or null in a browser. */
    private final String androidPackageName;
    private final Algorithm algorithm;
    private final Attestation attestation;
    private final Map<String, Credential> credentials = new LinkedHashMap<>();
    private Tamper tamper = new Tamper();

    private static final class Credential {
        final byte[] id;
        final byte[] userHandle;
        final String rpId;
        final KeyPair keys;
        final Algorithm algorithm;
        long counter;
        boolean backupEligible;
        boolean backedUp;

        Credential(byte[] id, byte[] userHandle, String rpId, KeyPair keys, Algorithm algorithm) {
            this.id = id;
            this.userHandle = userHandle;
            this.rpId = rpId;
            this.keys = keys;
            this.algorithm = algorithm;
        }
    }

    /**
     * An authenticator with "none" attestation.
     *
     * @param origin    the origin the "browser" reports in clientDataJSON
     * @param algorithm the key type of the credentials this authenticator creates
     */
    public SoftwareAuthenticator(String origin, Algorithm algorithm) {
        this(origin, algorithm, Attestation.NONE);
    }

    public SoftwareAuthenticator(String origin, Algorithm algorithm, Attestation attestation) {
        this(origin, null, algorithm, attestation);
    }

    private SoftwareAuthenticator(String origin, String androidPackageName, Algorithm algorithm,
                                  Attestation attestation) {
        this.origin = origin;
        this.androidPackageName = androidPackageName;
        this.algorithm = algorithm;
        this.attestation = attestation;
    }

    /**
     * An Android app's authenticator, answering as Credential Manager's {@code CreatePublicKeyCredentialResponse} and
     * {@code PublicKeyCredential} JSON do: clientDataJSON has the origin {@link #androidOrigin} of the app's signing
     * certificate and the app's {@code androidPackageName} (and no {@code crossOrigin}); a registration reports the
     * credProps extension, an assertion no {@code clientExtensionResults} at all.
     *
     * @param packageName the application id Android names as the caller
     * @param fingerprint the SHA-256 fingerprint of the app's signing certificate, as keytool prints it (AA:BB:...)
     */
    public static SoftwareAuthenticator android(String packageName, String fingerprint, Algorithm algorithm) {
        return new SoftwareAuthenticator(androidOrigin(fingerprint), packageName, algorithm, Attestation.NONE);
    }

    /** {@code android:apk-key-hash:} and the certificate's SHA-256 in base64url without padding. */
    public static String androidOrigin(String fingerprint) {
        return "android:apk-key-hash:" + B64.encodeToString(HexFormat.ofDelimiter(":").parseHex(fingerprint));
    }

    /** A random SHA-256 fingerprint in keytool's form, as of a new signing certificate. */
    public static String randomFingerprint() {
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(random(32));
    }

    /** Applies to the next response only. */
    public SoftwareAuthenticator tamperNext(Tamper next) {
        this.tamper = next;
        return this;
    }

    /**
     * Sets the signature counter of a credential: the next assertion reports it plus one (a counter of 0 stays 0,
     * as synced passkeys report).
     */
    public void setCounter(String credentialId, long counter) {
        credential(credentialId).counter = counter;
    }

    public long counter(String credentialId) {
        return credential(credentialId).counter;
    }

    public int credentialCount() {
        return credentials.size();
    }

    /** Answers {@code navigator.credentials.create} for the given PublicKeyCredentialCreationOptionsJSON. */
    public ObjectNode register(JsonNode options) {
        Tamper t = takeTamper();
        String rpId = options.path("rp").path("id").asText();
        boolean supported = false;
        for (JsonNode parameters : options.path("pubKeyCredParams")) {
            supported |= parameters.path("type").asText().equals("public-key")
                    && parameters.path("alg").asInt() == algorithm.cose;
        }
        if (!supported) {
            throw new IllegalStateException("NotSupportedError: the options do not offer " + algorithm);
        }
        for (JsonNode excluded : options.path("excludeCredentials")) {
            if (credentials.containsKey(excluded.path("id").asText())) {
                throw new IllegalStateException("InvalidStateError: credential already registered");
            }
        }
        byte[] credentialId = random(t.credentialIdLength != null ? t.credentialIdLength : 32);
        KeyPair keys = generate(algorithm);
        Credential credential = new Credential(credentialId, D64.decode(options.path("user").path("id").asText()),
                rpId, keys, algorithm);
        credential.counter = t.counter == null ? 0 : t.counter;
        credential.backupEligible = Boolean.TRUE.equals(t.backupEligible);
        credential.backedUp = Boolean.TRUE.equals(t.backedUp);
        byte[] clientData = clientData("webauthn.create", options.path("challenge").asText(), t);
        byte[] authData = authenticatorData(t.rpId != null ? t.rpId : rpId, flags(t, credential, true),
                credential.counter,
                attestedCredentialData(credentialId, keys, algorithm));
        byte[] attestationObject = t.garbageAttestation ? new byte[] {(byte) 0xff, 0x13, 0x37, 0x00, 0x42}
                : attestationObject(authData, attestationStatement(credential, authData, clientData, t));
        // A real authenticator keeps the credential even when the relying party then refuses the registration.
        credentials.put(B64.encodeToString(credentialId), credential);
        ObjectNode response = JSON.createObjectNode();
        response.put("clientDataJSON", encode(clientData, t));
        response.put("authenticatorData", encode(authData, t));
        (t.transports != null ? t.transports : List.of("hybrid", "internal"))
                .forEach(response.putArray("transports")::add);
        response.put("publicKeyAlgorithm", algorithm.cose);
        response.put("publicKey", encode(keys.getPublic().getEncoded(), t));
        response.put("attestationObject", encode(attestationObject, t));
        ObjectNode json = credentialJson(credentialId, response);
        if (androidPackageName != null) {
            json.putObject("clientExtensionResults").putObject("credProps").put("rk", true);
        }
        return json;
    }

    /** Answers {@code navigator.credentials.get} for the given PublicKeyCredentialRequestOptionsJSON. */
    public ObjectNode authenticate(JsonNode options) {
        Tamper t = takeTamper();
        String rpId = options.path("rpId").asText();
        Credential credential = choose(options.path("allowCredentials"), rpId)
                .orElseThrow(() -> new IllegalStateException("NotAllowedError: no credential for " + rpId));
        if (t.counter != null) {
            credential.counter = t.counter;
        } else if (credential.counter != 0) {
            credential.counter++;
        }
        byte[] clientData = clientData("webauthn.get", options.path("challenge").asText(), t);
        byte[] authData = authenticatorData(t.rpId != null ? t.rpId : rpId, flags(t, credential, false),
                credential.counter, null);
        byte[] signature = sign(credential.algorithm, credential.keys, concat(authData, sha256(clientData)));
        if (t.signature) {
            signature[signature.length - 1] ^= 0x01;
        }
        if (t.garbageAuthenticatorData) {
            authData = Arrays.copyOf(authData, 20);
        }
        ObjectNode response = JSON.createObjectNode();
        response.put("clientDataJSON", encode(clientData, t));
        response.put("authenticatorData", encode(authData, t));
        response.put("signature", encode(signature, t));
        response.put("userHandle", t.userHandle != null ? t.userHandle : B64.encodeToString(credential.userHandle));
        ObjectNode json = credentialJson(credential.id, response);
        if (androidPackageName != null) {
            json.remove("clientExtensionResults");
        }
        return json;
    }

    private Credential credential(String credentialId) {
        Credential credential = credentials.get(credentialId);
        if (credential == null) {
            throw new IllegalArgumentException("This authenticator holds no credential " + credentialId);
        }
        return credential;
    }

    private Tamper takeTamper() {
        Tamper t = tamper;
        tamper = new Tamper();
        return t;
    }

    private Optional<Credential> choose(JsonNode allowCredentials, String rpId) {
        if (allowCredentials.isArray() && !allowCredentials.isEmpty()) {
            for (JsonNode allowed : allowCredentials) {
                Credential c = credentials.get(allowed.path("id").asText());
                if (c != null && c.rpId.equals(rpId)) {
                    return Optional.of(c);
                }
            }
            return Optional.empty();
        }
        // Discoverable: the most recent credential for the RP, as if the user picked it.
        return credentials.values().stream().filter(c -> c.rpId.equals(rpId)).reduce((a, b) -> b);
    }

    private byte[] clientData(String type, String challenge, Tamper t) {
        ObjectNode data = JSON.createObjectNode();
        data.put("type", t.type != null ? t.type : type);
        data.put("challenge", t.challenge != null ? t.challenge : challenge);
        data.put("origin", t.origin != null ? t.origin : origin);
        if (androidPackageName == null) {
            data.put("crossOrigin", false);
        } else {
            data.put("androidPackageName", t.androidPackageName != null ? t.androidPackageName : androidPackageName);
        }
        return data.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int flags(Tamper t, Credential credential, boolean attested) {
        boolean be = t.backupEligible != null ? t.backupEligible : credential.backupEligible;
        boolean bs = t.backedUp != null ? t.backedUp : credential.backedUp;
        int flags = (t.userPresent ? UP : 0) | (t.userVerified ? UV : 0) | (be ? BE : 0) | (bs ? BS : 0);
        boolean at = t.attestedCredentialData != null ? t.attestedCredentialData : attested;
        return at ? flags | AT : flags;
    }

    private static byte[] authenticatorData(String rpId, int flags, long counter, byte[] attested) {
        ByteBuffer buffer = ByteBuffer.allocate(37 + (attested == null ? 0 : attested.length));
        buffer.put(sha256(rpId.getBytes(StandardCharsets.UTF_8)));
        buffer.put((byte) flags);
        buffer.putInt((int) counter);
        if (attested != null) {
            buffer.put(attested);
        }
        return buffer.array();
    }

    private static byte[] attestedCredentialData(byte[] credentialId, KeyPair keys, Algorithm algorithm) {
        byte[] cose = coseKey(keys, algorithm);
        ByteBuffer buffer = ByteBuffer.allocate(16 + 2 + credentialId.length + cose.length);
        buffer.put(AAGUID).putShort((short) credentialId.length).put(credentialId).put(cose);
        return buffer.array();
    }

    private static byte[] coseKey(KeyPair keys, Algorithm algorithm) {
        return cbor(gen -> {
            gen.writeStartObject();
            switch (algorithm) {
                case ES256 -> {
                    ECPublicKey key = (ECPublicKey) keys.getPublic();
                    field(gen, 1, 2);
                    field(gen, 3, -7);
                    field(gen, -1, 1);
                    gen.writeFieldId(-2);
                    gen.writeBinary(unsigned(key.getW().getAffineX(), 32));
                    gen.writeFieldId(-3);
                    gen.writeBinary(unsigned(key.getW().getAffineY(), 32));
                }
                case RS256 -> {
                    RSAPublicKey key = (RSAPublicKey) keys.getPublic();
                    field(gen, 1, 3);
                    field(gen, 3, -257);
                    gen.writeFieldId(-1);
                    gen.writeBinary(unsigned(key.getModulus(), 256));
                    gen.writeFieldId(-2);
                    gen.writeBinary(unsigned(key.getPublicExponent(), 3));
                }
                case EdDSA -> {
                    // The X.509 encoding of an Ed25519 key ends with the raw 32-byte key.
                    byte[] spki = keys.getPublic().getEncoded();
                    field(gen, 1, 1);
                    field(gen, 3, -8);
                    field(gen, -1, 6);
                    gen.writeFieldId(-2);
                    gen.writeBinary(Arrays.copyOfRange(spki, spki.length - 32, spki.length));
                }
            }
            gen.writeEndObject();
        });
    }

    /** @return the signature of a packed self attestation, or null for "none" */
    private byte[] attestationStatement(Credential credential, byte[] authData, byte[] clientData, Tamper t) {
        if (attestation == Attestation.NONE) {
            return null;
        }
        byte[] signature = sign(credential.algorithm, credential.keys, concat(authData, sha256(clientData)));
        if (t.signature) {
            signature[signature.length - 1] ^= 0x01;
        }
        return signature;
    }

    private byte[] attestationObject(byte[] authData, byte[] packedSignature) {
        return cbor(gen -> {
            gen.writeStartObject();
            gen.writeStringField("fmt", packedSignature == null ? "none" : "packed");
            gen.writeFieldName("attStmt");
            gen.writeStartObject();
            if (packedSignature != null) {
                gen.writeNumberField("alg", algorithm.cose);
                gen.writeFieldName("sig");
                gen.writeBinary(packedSignature);
            }
            gen.writeEndObject();
            gen.writeFieldName("authData");
            gen.writeBinary(authData);
            gen.writeEndObject();
        });
    }

    private static void field(CBORGenerator gen, long key, int value) throws IOException {
        gen.writeFieldId(key);
        gen.writeNumber(value);
    }

    @FunctionalInterface
    private interface CborWriter {
        void write(CBORGenerator gen) throws IOException;
    }

    private static byte[] cbor(CborWriter writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CBORGenerator gen = new CBORFactory().createGenerator(out)) {
            writer.write(gen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static ObjectNode credentialJson(byte[] credentialId, ObjectNode response) {
        ObjectNode json = JSON.createObjectNode();
        json.put("id", B64.encodeToString(credentialId));
        json.put("rawId", B64.encodeToString(credentialId));
        json.put("type", "public-key");
        json.put("authenticatorAttachment", "platform");
        json.set("response", response);
        json.putObject("clientExtensionResults");
        return json;
    }

    private static String encode(byte[] bytes, Tamper t) {
        String value = B64.encodeToString(bytes);
        return t.badBase64 ? "!!" + value + "*" : value;
    }

    private static KeyPair generate(Algorithm algorithm) {
        try {
            KeyPairGenerator generator;
            switch (algorithm) {
                case ES256 -> {
                    generator = KeyPairGenerator.getInstance("EC");
                    generator.initialize(new ECGenParameterSpec("secp256r1"));
                }
                case RS256 -> {
                    generator = KeyPairGenerator.getInstance("RSA");
                    generator.initialize(2048);
                }
                default -> generator = KeyPairGenerator.getInstance("Ed25519");
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sign(Algorithm algorithm, KeyPair keys, byte[] data) {
        String jca = switch (algorithm) {
            case ES256 -> "SHA256withECDSA";
            case RS256 -> "SHA256withRSA";
            case EdDSA -> "Ed25519";
        };
        try {
            Signature signature = Signature.getInstance(jca);
            signature.initSign(keys.getPrivate());
            signature.update(data);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] unsigned(BigInteger value, int length) {
        byte[] bytes = value.toByteArray();
        if (bytes.length == length) {
            return bytes;
        }
        byte[] out = new byte[length];
        int copy = Math.min(bytes.length, length);
        System.arraycopy(bytes, bytes.length - copy, out, length - copy, copy);
        return out;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}

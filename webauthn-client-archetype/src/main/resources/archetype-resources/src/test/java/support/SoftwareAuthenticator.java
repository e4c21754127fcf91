package ${package}.support;

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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A software FIDO2 authenticator for the tests: it reads the server's WebAuthn JSON options and answers with what a
 * browser's {@code credential.toJSON()} gives, "none" attestation, discoverable credentials. Knobs make it
 * misbehave the ways an attacker or a broken client would.
 */
public final class SoftwareAuthenticator {
    /** COSE algorithms this authenticator can create keys for. */
    public enum Algorithm {
        ES256(-7), RS256(-257), EdDSA(-8);

        final int cose;

        Algorithm(int cose) {
            this.cose = cose;
        }
    }

    /** What the next response should get wrong; every field defaults to correct behaviour. */
    public static final class Tamper {
        public String origin;
        public String type;
        public String challenge;
        public String rpId;
        public boolean signature;
        public Long counter;
        public boolean garbageAttestation;
        public boolean badBase64;
        public boolean backupEligible;
        public boolean backedUp;
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder D64 = Base64.getUrlDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] AAGUID = new byte[16];

    private final String origin;
    private final Algorithm algorithm;
    private final Map<String, Credential> credentials = new LinkedHashMap<>();
    private Tamper tamper = new Tamper();

    private static final class Credential {
        final byte[] id;
        final byte[] userHandle;
        final String rpId;
        final KeyPair keys;
        final Algorithm algorithm;
        long counter;

        Credential(byte[] id, byte[] userHandle, String rpId, KeyPair keys, Algorithm algorithm) {
            this.id = id;
            this.userHandle = userHandle;
            this.rpId = rpId;
            this.keys = keys;
            this.algorithm = algorithm;
        }
    }

    /**
     * @param origin    the origin the "browser" reports in clientDataJSON
     * @param algorithm the key type of the credentials this authenticator creates
     */
    public SoftwareAuthenticator(String origin, Algorithm algorithm) {
        this.origin = origin;
        this.algorithm = algorithm;
    }

    /** Applies to the next response only. */
    public SoftwareAuthenticator tamperNext(Tamper next) {
        this.tamper = next;
        return this;
    }

    /** Sets the signature counter the credential reports next (each assertion adds one first, unless it is 0). */
    public void setCounter(String credentialId, long counter) {
        credentials.get(credentialId).counter = counter;
    }

    public int credentialCount() {
        return credentials.size();
    }

    /** Answers {@code navigator.credentials.create} for the given PublicKeyCredentialCreationOptionsJSON. */
    public ObjectNode register(JsonNode options) {
        Tamper t = takeTamper();
        String rpId = options.path("rp").path("id").asText();
        byte[] credentialId = random(32);
        KeyPair keys = generate(algorithm);
        Credential credential = new Credential(credentialId, D64.decode(options.path("user").path("id").asText()),
                rpId, keys, algorithm);
        credential.counter = t.counter == null ? 0 : t.counter;
        for (JsonNode excluded : options.path("excludeCredentials")) {
            if (credentials.containsKey(excluded.path("id").asText())) {
                throw new IllegalStateException("InvalidStateError: credential already registered");
            }
        }
        byte[] clientData = clientData("webauthn.create", options.path("challenge").asText(), t);
        byte[] authData = authenticatorData(t.rpId != null ? t.rpId : rpId, flags(t, true), credential.counter,
                attestedCredentialData(credentialId, keys, algorithm));
        byte[] attestationObject = t.garbageAttestation ? new byte[] {(byte) 0xff, 0x13, 0x37, 0x00, 0x42}
                : attestationObject(authData);
        credentials.put(B64.encodeToString(credentialId), credential);
        ObjectNode response = JSON.createObjectNode();
        response.put("clientDataJSON", encode(clientData, t));
        response.put("attestationObject", encode(attestationObject, t));
        response.putArray("transports").add("internal");
        return credentialJson(credentialId, response);
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
        byte[] authData = authenticatorData(t.rpId != null ? t.rpId : rpId, flags(t, false), credential.counter, null);
        byte[] signature = sign(credential, concat(authData, sha256(clientData)));
        if (t.signature) {
            signature[signature.length - 1] ^= 0x01;
        }
        ObjectNode response = JSON.createObjectNode();
        response.put("clientDataJSON", encode(clientData, t));
        response.put("authenticatorData", encode(authData, t));
        response.put("signature", encode(signature, t));
        response.put("userHandle", B64.encodeToString(credential.userHandle));
        return credentialJson(credential.id, response);
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
                if (c != null) {
                    return Optional.of(c);
                }
            }
            return Optional.empty();
        }
        // Discoverable: the most recent credential for the RP.
        return credentials.values().stream().filter(c -> c.rpId.equals(rpId)).reduce((a, b) -> b);
    }

    private byte[] clientData(String type, String challenge, Tamper t) {
        ObjectNode data = JSON.createObjectNode();
        data.put("type", t.type != null ? t.type : type);
        data.put("challenge", t.challenge != null ? t.challenge : challenge);
        data.put("origin", t.origin != null ? t.origin : origin);
        data.put("crossOrigin", false);
        return data.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int flags(Tamper t, boolean attested) {
        int flags = 0x01 | 0x04;
        if (t.backupEligible || t.backedUp) {
            flags |= 0x08;
        }
        if (t.backedUp) {
            flags |= 0x10;
        }
        return attested ? flags | 0x40 : flags;
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

    private static byte[] attestationObject(byte[] authData) {
        return cbor(gen -> {
            gen.writeStartObject();
            gen.writeStringField("fmt", "none");
            gen.writeFieldName("attStmt");
            gen.writeStartObject();
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

    private static byte[] sign(Credential credential, byte[] data) {
        String jca = switch (credential.algorithm) {
            case ES256 -> "SHA256withECDSA";
            case RS256 -> "SHA256withRSA";
            case EdDSA -> "Ed25519";
        };
        try {
            Signature signature = Signature.getInstance(jca);
            signature.initSign(credential.keys.getPrivate());
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

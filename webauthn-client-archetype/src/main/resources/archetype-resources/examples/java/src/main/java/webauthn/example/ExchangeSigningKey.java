package webauthn.example;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The exchange service's own ES256 key: {@code exchange-signing-key.pem} (the PKCS#8 private key followed by its
 * public key, PEM, mode 0600) in the data directory (mode 0700), created on first start. Its kid is the key's
 * RFC 7638 thumbprint.
 */
public final class ExchangeSigningKey {
    public static final String FILE_NAME = "exchange-signing-key.pem";
    private static final Pattern PEM_PRIVATE_KEY =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final Pattern PEM_PUBLIC_KEY =
            Pattern.compile("-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----");

    private ExchangeSigningKey() {
    }

    /** Creates the directory if needed. */
    public static void createDataDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, ownerOnly("rwx------"));
        }
    }

    /** The given POSIX mode; none where the file system has no POSIX permissions (Windows: the ACLs inherited). */
    private static FileAttribute<?>[] ownerOnly(String mode) {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode))}
                : new FileAttribute<?>[0];
    }

    public static ECKey loadOrCreate(Path dir) throws IOException, ConfigException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            create(dir, file);
        }
        return load(file);
    }

    /**
     * Writes a new key to a temporary file and links it into place, so that two instances starting together on one
     * directory end up with the same key: the second link fails and that instance loads the first one's key.
     */
    private static void create(Path dir, Path file) throws IOException {
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate a P-256 key: " + e.getMessage(), e);
        }
        // The JDK's PKCS#8 leaves out the optional public key and offers no way to derive it, so the public half
        // follows as its own block (SubjectPublicKeyInfo), as 'openssl pkey -pubout' prints it.
        Base64.Encoder base64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
        String pem = "-----BEGIN PRIVATE KEY-----\n" + base64.encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n-----BEGIN PUBLIC KEY-----\n"
                + base64.encodeToString(pair.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
        Path temp = Files.createTempFile(dir, ".exchange-signing-key", ".tmp", ownerOnly("rw-------"));
        try {
            Files.writeString(temp, pem, StandardCharsets.US_ASCII);
            Files.createLink(file, temp);
        } catch (FileAlreadyExistsException e) {
            // another instance created it first: use that one
        } finally {
            Files.delete(temp);
        }
    }

    private static ECKey load(Path file) throws IOException, ConfigException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher privateBlock = PEM_PRIVATE_KEY.matcher(text);
        Matcher publicBlock = PEM_PUBLIC_KEY.matcher(text);
        if (!privateBlock.find()) {
            throw new ConfigException(file + " holds no PEM \"PRIVATE KEY\" (PKCS#8) block");
        }
        if (!publicBlock.find()) {
            throw new ConfigException(file + " holds no PEM \"PUBLIC KEY\" block after its private key; append it"
                    + " with 'openssl pkey -in " + file + " -pubout >> " + file + "', or delete the file for a new key");
        }
        try {
            KeyFactory factory = KeyFactory.getInstance("EC");
            ECPrivateKey priv = (ECPrivateKey) factory.generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(privateBlock.group(1))));
            ECPublicKey pub = (ECPublicKey) factory.generatePublic(
                    new X509EncodedKeySpec(Base64.getMimeDecoder().decode(publicBlock.group(1))));
            if (!Curve.P_256.equals(Curve.forECParameterSpec(priv.getParams()))) {
                throw new ConfigException(file + " is not a P-256 key (ES256 needs one)");
            }
            if (!pairs(priv, pub)) {
                throw new ConfigException(file + ": its public key does not belong to its private key");
            }
            return new ECKey.Builder(Curve.P_256, pub)
                    .privateKey(priv)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint()
                    .build();
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException | JOSEException e) {
            throw new ConfigException(file + " is not a PKCS#8 EC private key with its public key: " + e.getMessage());
        }
    }

    /** Whether the two halves belong together: a signature by one verifies with the other. */
    private static boolean pairs(ECPrivateKey priv, ECPublicKey pub) throws GeneralSecurityException {
        byte[] probe = "exchange-signing-key".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(priv);
        signer.update(probe);
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(pub);
        verifier.update(probe);
        return verifier.verify(signer.sign());
    }
}

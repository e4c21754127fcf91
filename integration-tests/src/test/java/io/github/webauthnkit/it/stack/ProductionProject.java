package io.github.webauthnkit.it.stack;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A production-mode project ready for its stack: generated for https://localhost, built, with a TLS certificate made
 * here for the proxy, and its secrets owned by a service user (uid {@value #SERVICE_USER}) rather than the user
 * running the tests, as on a server where a deploy user owns them.
 */
final class ProductionProject {
    static final String SERVICE_USER = "10001";
    static final String ORIGIN = "https://localhost";

    private ProductionProject() {
    }

    /** An Android app, an iOS app and a related origin that may use the passkeys (their well-known documents). */
    static final String ANDROID_APP = "com.example.passkeys=" + "AB:".repeat(31) + "CD";
    static final String IOS_APP = "ABCDE12345.com.example.passkeys";
    static final String RELATED_ORIGIN = "https://shop.example.com";

    static GeneratedProject prepare(String artifactId) {
        GeneratedProject project = GeneratedProject.generate(artifactId, Map.of("generateExamples", "none",
                "productionMode", "true", "serverUrl", ORIGIN, "relyingPartyId", "localhost",
                "androidApps", ANDROID_APP, "iosApps", IOS_APP, "relatedOrigins", RELATED_ORIGIN));
        project.mvnw(Duration.ofMinutes(10), "package").assertSuccess("./mvnw package");
        try {
            Files.createDirectories(project.file("docker/certs"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        run(project, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                "-keyout", "docker/tls/tls_private_key.pem", "-out", "docker/certs/fullchain.pem");
        run(project, "chmod", "600", "docker/tls/tls_private_key.pem");
        run(project, "chown", "-R", SERVICE_USER + ":" + SERVICE_USER, "docker/secrets", "docker/tls");
        return project;
    }

    /** The stack's variables: its containers run as the service user. */
    static Map<String, String> environment() {
        return Map.of("WEBAUTHN_UID", SERVICE_USER, "WEBAUTHN_GID", SERVICE_USER);
    }

    /** An HTTP client that trusts the proxy's certificate. */
    static HttpClient https(GeneratedProject project) throws Exception {
        return HttpClient.newBuilder().sslContext(tls(project)).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** TLS that trusts the proxy's certificate. */
    static SSLContext tls(GeneratedProject project) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(project.file("docker/certs/fullchain.pem"))) {
            store.setCertificateEntry("stack", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** The base64 SHA-256 of the proxy certificate's public key, as Chromium's SPKI allow list takes it. */
    static String spkiHash(GeneratedProject project) throws Exception {
        try (InputStream in = Files.newInputStream(project.file("docker/certs/fullchain.pem"))) {
            byte[] spki = CertificateFactory.getInstance("X.509").generateCertificate(in).getPublicKey().getEncoded();
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
        }
    }

    /** Reads a secret file of the project ({@code docker/secrets/...}, {@code docker/tls/...}). */
    static String secret(GeneratedProject project, String path) throws java.io.IOException {
        return Files.readString(project.file(path)).strip();
    }

    private static void run(GeneratedProject project, String... command) {
        Command.run(project.dir(), Duration.ofMinutes(1), Map.of(), List.of(command)).assertSuccess(command[0]);
    }
}

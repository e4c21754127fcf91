package io.github.webauthnkit.server.training;

import io.github.webauthnkit.server.WebAuthnServer;
import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.keys.core.KeyAlgorithm;
import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.KeyRingFile;
import io.github.webauthnkit.keys.core.RotationPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The training run for the image's AOT cache (see docker/Dockerfile): started once while the image is built, under
 * {@code -XX:AOTCacheOutput} (Java 25), it starts the server on a throwaway key ring and embedded database in a
 * temporary directory, sends it the requests a browser and a verifying service send first, stops it and removes the
 * directory. The JVM then writes the classes it loaded, linked, and the methods' profiles to the cache, and the real
 * server maps them at start-up instead of reading and verifying them from the jar again. (Under
 * {@code -XX:ArchiveClassesAtExit} it makes a class-data archive the same way, on Java 17 too.) It reads no
 * configuration and opens only loopback.
 */
public final class TrainingRun {
    /** Longer than a slow build host needs (about 5 s here); past it the image build fails instead of hanging. */
    private static final Duration DEADLINE = Duration.ofMinutes(5);
    private static final RotationPolicy TRAINING_KEYS = new RotationPolicy(KeyAlgorithm.RS256, KeyAlgorithm.MIN_RSA_BITS,
            Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofSeconds(60));

    private TrainingRun() {
    }

    public static void main(String[] args) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(DEADLINE.toMillis());
                System.err.println("Training run failed: not done after " + DEADLINE.toMinutes() + " minutes");
                Runtime.getRuntime().halt(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "training-deadline");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            train();
        } catch (Exception e) {
            System.err.println("Training run failed: " + e);
            System.exit(1);
        }
        System.out.println("Training run done: the server started and answered; the JVM writes its archive on exit.");
        // Exit even if a library left a thread behind: the image build must not wait on it.
        System.exit(0);
    }

    private static void train() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("webauthn-training",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            // The first key of a ring, made and written the way webauthn-keys:rotate makes one (0600, atomic).
            Path ring = dir.resolve("jwt_signing_keys.json");
            new KeyRingFile(ring).update(empty -> empty.rotate(Instant.now(), TRAINING_KEYS));
            ServerConfig config = ServerConfig.fromEnvironment(Map.of(
                    "WEBAUTHN_BIND_ADDRESS", "127.0.0.1",
                    "WEBAUTHN_PORT", "0",
                    "WEBAUTHN_KEYS_FILE", ring.toString(),
                    "WEBAUTHN_DATA_DIR", dir.resolve("data").toString()));
            try (WebAuthnServer server = WebAuthnServer.start(config)) {
                exercise("http://127.0.0.1:" + server.port());
            }
        } catch (KeyRingException e) {
            throw new IllegalStateException("Cannot make the training key: " + e.getMessage(), e);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    /** The first requests of a browser and of a verifying service; each must get the answer a real one gets. */
    private static void exercise(String base) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<HttpRequest> requests = List.of(
                get(base + "/health"), get(base + "/.well-known/jwks.json"), get(base + "/"), get(base + "/app.js"),
                post(base + "/register/start", "{\"username\": \"training\"}"),
                post(base + "/authenticate/start", "{}"),
                post(base + "/authenticate/complete", "{\"requestId\": \"AAAAAAAAAAAAAAAAAAAAAA\", \"credential\": {}}"),
                get(base + "/credentials"), get(base + "/metrics"));
        for (HttpRequest request : requests) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 500) {
                throw new IllegalStateException(request.method() + " " + request.uri().getPath() + " answered "
                        + response.statusCode() + ": " + response.body());
            }
        }
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build();
    }

    private static HttpRequest post(String url, String json) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }
}

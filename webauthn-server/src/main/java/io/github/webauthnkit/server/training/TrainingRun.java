package io.github.webauthnkit.server.training;

import io.github.webauthnkit.server.WebAuthnServer;
import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.keys.core.KeyAlgorithm;
import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.KeyRingFile;
import io.github.webauthnkit.keys.core.RotationPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The training run for the image's AOT cache (see docker/Dockerfile): started once while the image is built, under
 * {@code -XX:AOTCacheOutput} (Java 25), it starts the server on a throwaway key ring and embedded database in a
 * temporary directory, sends it the requests a browser and a verifying service send first, stops it and removes the
 * directory. The JVM then writes the classes it loaded, linked, and the methods' profiles to the cache, and the real
 * server maps them at start-up instead of reading and verifying them from the jar again. (Under
 * {@code -XX:ArchiveClassesAtExit} it makes a class-data archive the same way, on Java 17 too.) It reads no
 * configuration and opens only loopback.
 *
 * <p>The cache should hold what a server loads on a usual start, no more: Java 25 loads every class of the cache at
 * start-up, and its pages stay resident. So a second JVM ({@code --prepare}, no cache written) first makes the key and
 * migrates the database, which only a server's first start on a new database does (key generation, Flyway: about
 * 4 MB of the cache), and the requests go over a plain socket rather than the JDK's HTTP client, which the server
 * never uses (about 5 MB with the key generation).
 */
public final class TrainingRun {
    /** Longer than a slow build host needs (about 5 s here); past it the image build fails instead of hanging. */
    private static final Duration DEADLINE = Duration.ofMinutes(5);
    private static final RotationPolicy TRAINING_KEYS = new RotationPolicy(KeyAlgorithm.RS256, KeyAlgorithm.MIN_RSA_BITS,
            Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofSeconds(60));
    /** The second JVM's share of {@link #DEADLINE}: it ends first, so this one can clean up after it. */
    private static final Duration PREPARE_DEADLINE = DEADLINE.dividedBy(2);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    /** Where the training's server listens, and its requests go. */
    private static final String LOOPBACK = "127.0.0.1";
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
    /** The argument, then a directory, of the JVM that makes the key ring and the database there. */
    static final String PREPARE = "--prepare";

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
            Optional<Path> prepareIn = prepareDirectory(args);
            if (prepareIn.isPresent()) {
                prepare(prepareIn.get());
                System.exit(0);
            }
            train();
        } catch (Exception e) {
            System.err.println("Training run failed: " + e);
            System.exit(1);
        }
        System.out.println("Training run done: the server started and answered; the JVM writes its archive on exit.");
        // Exit even if a library left a thread behind: the image build must not wait on it.
        System.exit(0);
    }

    /** The directory of {@link #PREPARE}'s JVM, or none for the training run itself; any other arguments are refused. */
    static Optional<Path> prepareDirectory(String... args) {
        if (args.length == 2 && args[0].equals(PREPARE)) {
            return Optional.of(Path.of(args[1]));
        }
        if (args.length != 0) {
            throw new IllegalArgumentException("usage: TrainingRun [" + PREPARE + " <directory>], got " + List.of(args));
        }
        return Optional.empty();
    }

    private static void train() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("webauthn-training",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            prepareInAnotherJvm(dir);
            try (WebAuthnServer server = WebAuthnServer.start(ServerConfig.fromEnvironment(environment(dir)))) {
                exercise(server.port());
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    /**
     * This class with {@link #PREPARE} in a JVM of the same Java and class path, with the environment (the image's
     * JAVA_TOOL_OPTIONS) and temporary directory of this one, and no cache to write.
     */
    private static void prepareInAnotherJvm(Path dir) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process prepare = new ProcessBuilder(java, "-XX:-UsePerfData", "-Djava.io.tmpdir="
                + System.getProperty("java.io.tmpdir"), "-cp", System.getProperty("java.class.path"),
                TrainingRun.class.getName(), PREPARE, dir.toString()).inheritIO().start();
        if (!prepare.waitFor(PREPARE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
            prepare.destroyForcibly().waitFor();
            throw new IllegalStateException("The JVM that makes the training's key and database did not end within "
                    + PREPARE_DEADLINE.toMinutes() + " minutes");
        }
        if (prepare.exitValue() != 0) {
            throw new IllegalStateException("The JVM that makes the training's key and database exited with "
                    + prepare.exitValue());
        }
    }

    /** The first key of a ring, and a database at the schema's newest version, as a server's first start makes them. */
    private static void prepare(Path dir) throws IOException {
        try {
            // Made and written the way webauthn-keys:rotate makes one (0600, atomic).
            new KeyRingFile(ring(dir)).update(empty -> empty.rotate(Instant.now(), TRAINING_KEYS));
        } catch (KeyRingException e) {
            throw new IllegalStateException("Cannot make the training key: " + e.getMessage(), e);
        }
        // The JDK's providers: the native library would be unpacked and loaded for nothing.
        Map<String, String> environment = new HashMap<>(environment(dir));
        environment.put("WEBAUTHN_NATIVE_CRYPTO", "false");
        WebAuthnServer.start(ServerConfig.fromEnvironment(environment)).close();
    }

    private static Map<String, String> environment(Path dir) {
        return Map.of(
                "WEBAUTHN_BIND_ADDRESS", LOOPBACK,
                "WEBAUTHN_PORT", "0",
                "WEBAUTHN_KEYS_FILE", ring(dir).toString(),
                "WEBAUTHN_DATA_DIR", dir.resolve("data").toString());
    }

    private static Path ring(Path dir) {
        return dir.resolve("jwt_signing_keys.json");
    }

    /** The first requests of a browser and of a verifying service; each must get the answer a real one gets. */
    private static void exercise(int port) throws IOException {
        List<Request> requests = List.of(
                new Request("GET", "/health", null), new Request("GET", "/.well-known/jwks.json", null),
                new Request("GET", "/", null), new Request("GET", "/app.js", null),
                new Request("POST", "/register/start", "{\"username\": \"training\"}"),
                new Request("POST", "/authenticate/start", "{}"),
                new Request("POST", "/authenticate/complete",
                        "{\"requestId\": \"AAAAAAAAAAAAAAAAAAAAAA\", \"credential\": {}}"),
                new Request("GET", "/credentials", null), new Request("GET", "/metrics", null));
        for (Request request : requests) {
            request.send(port);
        }
    }

    /** One HTTP/1.1 request with a JSON body or none, on a connection of its own (a plain socket, see above). */
    record Request(String method, String path, String json) {
        /** Sends it and reads the whole answer; one with a 5xx status, or none, fails the run. */
        void send(int port) throws IOException {
            String head = method + " " + path + " HTTP/1.1\r\nHost: " + LOOPBACK + ":" + port
                    + "\r\nConnection: close\r\n";
            String text = json == null ? head + "\r\n" : head + "Content-Type: application/json\r\nContent-Length: "
                    + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json;
            try (Socket socket = new Socket(InetAddress.getByName(LOOPBACK), port)) {
                socket.setSoTimeout((int) ANSWER_TIMEOUT.toMillis());
                socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                Matcher status = STATUS_LINE.matcher(answer);
                if (!status.lookingAt()) {
                    throw new IllegalStateException(method + " " + path + " got no HTTP answer: "
                            + answer.lines().findFirst().orElse("(nothing)"));
                }
                if (Integer.parseInt(status.group(1)) >= 500) {
                    throw new IllegalStateException(method + " " + path + " answered " + status.group(1) + ": "
                            + answer.substring(Math.max(0, answer.indexOf("\r\n\r\n"))).strip());
                }
            }
        }
    }
}

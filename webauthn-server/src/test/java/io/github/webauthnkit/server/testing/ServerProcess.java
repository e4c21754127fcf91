package io.github.webauthnkit.server.testing;

import io.github.webauthnkit.server.WebAuthnServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The server as a separate operating-system process (a replica), started from the test class path with its
 * configuration in environment variables. {@link #kill()} sends SIGKILL: no shutdown hook, no flush.
 */
public final class ServerProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int port;
    private final Path log;
    private ServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        // Kills the replica if the tests' JVM ends without closing it; it stops by itself when the replica ends.
        ProcessWatcher.killAfterThisJvm(process);
    }

    /**
     * @param environment the replica's WEBAUTHN_* variables; port, bind address, origin and limits per client address
     *                    that tests do not reach ({@link TestServer#GENEROUS_LIMITS}) are set here unless given
     */
    public static ServerProcess start(Map<String, String> environment) {
        return start(environment, List.of());
    }

    /** @param jvmOptions options of the replica's JVM, such as -Xmx48m */
    public static ServerProcess start(Map<String, String> environment, List<String> jvmOptions) {
        Map<String, String> env = new HashMap<>(TestServer.GENEROUS_LIMITS);
        env.putAll(environment);
        int port = env.containsKey("WEBAUTHN_PORT") ? Integer.parseInt(env.get("WEBAUTHN_PORT")) : LocalProcess.freePort();
        env.put("WEBAUTHN_PORT", Integer.toString(port));
        env.putIfAbsent("WEBAUTHN_BIND_ADDRESS", "127.0.0.1");
        env.putIfAbsent("WEBAUTHN_RP_ID", "localhost");
        try {
            Path log = ScratchFiles.file("replica-" + port + "-", ".log");
            List<String> command = new ArrayList<>();
            command.add(LocalProcess.java());
            command.addAll(jvmOptions);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), WebAuthnServer.class.getName()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            ServerProcess server = new ServerProcess(builder.start(), port, log);
            server.awaitHealthy(Duration.ofSeconds(30));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The variables of a server on the embedded default (file database, ceremony state in memory) with a fresh ES256
     * ring in a new temporary directory (deleted when the tests' JVM ends); a mutable map to add to.
     */
    public static Map<String, String> embedded(String origin) {
        try {
            Path dir = ScratchFiles.directory("replica-");
            Path ring = dir.resolve("jwt_signing_keys.json");
            Instant now = Instant.now();
            TestServer.writeRing(ring, List.of(TestServer.newKey("ES256", now, now)));
            return new HashMap<>(Map.of("WEBAUTHN_ORIGINS", origin, "WEBAUTHN_KEYS_FILE", ring.toString(),
                    "WEBAUTHN_DATA_DIR", dir.resolve("data").toString(), "WEBAUTHN_DB_URL", "",
                    "WEBAUTHN_REDIS_URL", ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The variables of a replica on PostgreSQL and Redis, as the production stack runs it, with a fresh ES256 ring in
     * a new temporary directory that every replica given the same map shares (deleted when the tests' JVM ends); a
     * mutable map to add to.
     */
    public static Map<String, String> shared(String origin, PostgresServer postgres, RedisServer redis) {
        try {
            Path ring = ScratchFiles.directory("replicas-").resolve("jwt_signing_keys.json");
            Instant now = Instant.now();
            TestServer.writeRing(ring, List.of(TestServer.newKey("ES256", now, now)));
            return new HashMap<>(Map.of("WEBAUTHN_ORIGINS", origin, "WEBAUTHN_KEYS_FILE", ring.toString(),
                    "WEBAUTHN_DB_URL", postgres.jdbcUrl(), "WEBAUTHN_DB_USER", postgres.user(),
                    "WEBAUTHN_DB_PASSWORD_FILE", postgres.passwordFile().toString(), "WEBAUTHN_REDIS_URL", redis.url(),
                    "WEBAUTHN_REDIS_PASSWORD_FILE", redis.passwordFile().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** Where the replica writes its output. */
    Path logFile() {
        return log;
    }

    public int port() {
        return port;
    }

    /** SIGKILL, then wait for the process to be gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, as a container engine or a service manager stops the server. */
    public void terminate() {
        process.destroy();
    }

    /**
     * Waits for the process to end on its own.
     *
     * @return its exit status, or empty when it still runs after {@code limit}
     */
    public OptionalInt awaitExit(Duration limit) {
        try {
            return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(process.exitValue())
                    : OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private void awaitHealthy(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The replica exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<Void> health = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            LocalProcess.sleep(100);
        }
        kill();
        throw new IllegalStateException("The replica was not healthy within " + limit.toSeconds() + " s:\n" + log());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

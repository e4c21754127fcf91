package io.github.webauthnkit.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.ProcessGuard;
import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.testing.PostgresServer;
import io.github.webauthnkit.server.testing.ServerProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The server as {@code java -jar} runs it, without -XX:+ExitOnOutOfMemoryError: out of memory it exits by itself
 * instead of lingering with its database closed, and SIGTERM stops it within its shutdown timeout.
 */
class ProcessLifecycleTest {
    private static final String ORIGIN = "http://localhost:8443";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * A client allowed many pending ceremonies (as many addresses are) fills a small heap with ceremony state until
     * the JVM throws OutOfMemoryError: the bound in all, sized from the heap by default, raised to the most it may be
     * (100,000 places, about 120 MB), far past what 32 MiB holds.
     */
    @Test
    void outOfMemoryTheServerExitsByItself() throws Exception {
        Map<String, String> env = embedded();
        env.put("WEBAUTHN_PENDING_LIMIT", Integer.toString(ServerConfig.MAX_PENDING_LIMIT));
        ServerProcess server = ServerProcess.start(env, List.of("-Xmx32m"));
        AtomicInteger started = new AtomicInteger();
        ExecutorService flood = Executors.newFixedThreadPool(8);
        long floodStart = System.nanoTime();
        OptionalInt status;
        try {
            for (int t = 0; t < 8; t++) {
                flood.submit(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        if (registerStart(server, "flood-" + started.get()) == 200) {
                            started.incrementAndGet();
                        }
                    }
                });
            }
            status = server.awaitExit(Duration.ofMinutes(4));
        } finally {
            flood.shutdownNow();
            server.kill();
        }
        long seconds = (System.nanoTime() - floodStart) / 1_000_000_000;
        System.out.println("[out-of-memory] the server exited with " + status + " " + seconds + " s into the flood, after "
                + started + " ceremonies started");
        assertThat(status).as("exit status; log:%n%s", server.log()).hasValue(ProcessGuard.FATAL_STATUS);
        // The full line names the error; with no memory left to log, a line made before the flood says the same.
        assertThat(server.log()).contains("The JVM cannot go on after").contains("exits with status 3");
    }

    @Test
    void sigtermStopsAHealthyServerAtOnce() {
        ServerProcess server = ServerProcess.start(embedded(), List.of());
        long sent = System.nanoTime();
        server.terminate();
        OptionalInt status = server.awaitExit(Duration.ofSeconds(30));
        long millis = (System.nanoTime() - sent) / 1_000_000;
        System.out.println("[sigterm] healthy server: " + status + " after " + millis + " ms");
        server.kill();
        assertThat(status).hasValue(143);
        assertThat(millis).isLessThan(ProcessGuard.SHUTDOWN_TIMEOUT.toMillis());
    }

    /**
     * A database that hangs with requests waiting on it: the pool waits for its connections and request threads sit in
     * socket reads, so closing takes about as long as the shutdown timeout, or longer, when the watchdog halts it.
     */
    @Test
    void sigtermStopsAServerWhoseDatabaseHangsWithinTheShutdownTimeout() throws Exception {
        try (PostgresServer postgres = PostgresServer.start()) {
            Map<String, String> env = embedded();
            env.putAll(Map.of("WEBAUTHN_DB_URL", postgres.jdbcUrl(), "WEBAUTHN_DB_USER", postgres.user(),
                    "WEBAUTHN_DB_PASSWORD_FILE", postgres.passwordFile().toString()));
            ServerProcess server = ServerProcess.start(env, List.of());
            ExecutorService waiting = Executors.newFixedThreadPool(8);
            postgres.freeze();
            try {
                for (int i = 0; i < 8; i++) {
                    int n = i;
                    waiting.submit(() -> registerStart(server, "waiting-" + n));
                }
                Thread.sleep(1_000);
                long sent = System.nanoTime();
                server.terminate();
                OptionalInt status = server.awaitExit(Duration.ofSeconds(60));
                long millis = (System.nanoTime() - sent) / 1_000_000;
                // Whether the parts close just in time or the watchdog halts them depends on when the waiting
                // requests give up (the driver's 10 s socket timeout); either way the process is gone in time.
                System.out.println("[sigterm] server with a hanging database: " + status + " after " + millis + " ms"
                        + (server.log().contains("halting") ? ", halted by the watchdog" : ", closed in time"));
                assertThat(status).as("log:%n%s", server.log()).hasValue(143);
                assertThat(millis).isLessThan(ProcessGuard.SHUTDOWN_TIMEOUT.toMillis() + 2_000);
            } finally {
                postgres.thaw();
                waiting.shutdownNow();
                server.kill();
            }
        }
    }

    private static Map<String, String> embedded() {
        Map<String, String> env = ServerProcess.embedded(ORIGIN);
        env.put("WEBAUTHN_RATE_LIMIT_ADDRESS", "1000000");
        return env;
    }

    /** @return the status, or -1 when the server did not answer */
    private static int registerStart(ServerProcess server, String username) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/register/start"))
                    .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + username + "\"}")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}

package io.github.webauthnkit.server.replicas;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.PostgresServer;
import io.github.webauthnkit.server.testing.RedisServer;
import io.github.webauthnkit.server.testing.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis and PostgreSQL go away and come back under light load: health reports it, requests get a 503 JSON error
 * quickly instead of hanging, and everything recovers by itself. Prints what it measured.
 */
class OutageTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static PostgresServer postgres;
    private static RedisServer redis;
    private static TestServer server;

    @BeforeAll
    static void start() {
        postgres = PostgresServer.start();
        redis = RedisServer.start();
        server = TestServer.start("ES256", Map.of(
                "WEBAUTHN_DB_URL", postgres.jdbcUrl(), "WEBAUTHN_DB_USER", postgres.user(),
                "WEBAUTHN_DB_PASSWORD_FILE", postgres.passwordFile().toString(),
                "WEBAUTHN_REDIS_URL", redis.url(), "WEBAUTHN_REDIS_PASSWORD_FILE", redis.passwordFile().toString()));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void redisOutage() throws Exception {
        outage("redis", redis::stopProcess, redis::startProcess);
    }

    @Test
    void postgresOutage() throws Exception {
        outage("postgresql", postgres::stopProcess, postgres::startProcess);
    }

    private void outage(String name, Runnable stop, Runnable restart) throws Exception {
        assertThat(get("/health").statusCode()).isEqualTo(200);
        Map<String, Integer> outcomes = new TreeMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        long[] slowest = {0};
        Thread load = new Thread(() -> {
            while (running.get()) {
                long started = System.nanoTime();
                try {
                    HttpResponse<String> response = post("/authenticate/start", "{\"username\":\"load-user\"}");
                    synchronized (outcomes) {
                        outcomes.merge(response.statusCode() + (response.statusCode() == 503
                                && response.body().contains("\"error\":\"unavailable\"") ? " json" : ""), 1, Integer::sum);
                    }
                } catch (IOException | InterruptedException e) {
                    synchronized (outcomes) {
                        outcomes.merge("io-error", 1, Integer::sum);
                    }
                }
                synchronized (outcomes) {
                    slowest[0] = Math.max(slowest[0], (System.nanoTime() - started) / 1_000_000);
                }
                sleep(20);
            }
        });
        load.start();
        sleep(300);
        stop.run();
        long down = awaitHealth(503, Duration.ofSeconds(15));
        HttpResponse<String> during = post("/authenticate/start", "{\"username\":\"someone\"}");
        assertThat(during.statusCode()).isEqualTo(503);
        assertThat(during.body()).contains("\"error\":\"unavailable\"").doesNotContain("Exception").doesNotContain("at ");
        long restartedAt = System.nanoTime();
        restart.run();
        awaitHealth(200, Duration.ofSeconds(30));
        long recovered = (System.nanoTime() - restartedAt) / 1_000_000;
        sleep(300);
        running.set(false);
        load.join();
        System.out.printf("[outage] %s: health went 503 %d ms after the stop; 200 again %d ms after the restart began; requests by"
                + " outcome %s; slowest request %d ms%n", name, down, recovered,
                outcomes, slowest[0]);
        assertThat(outcomes).doesNotContainKey("io-error").doesNotContainKey("500");
        assertThat(slowest[0]).as("no request hangs").isLessThan(10_000);
        assertThat(post("/authenticate/start", "{\"username\":\"after\"}").statusCode()).isEqualTo(200);
    }

    /** @return milliseconds until /health answered {@code status} (relative timing for the report) */
    private static long awaitHealth(int status, Duration limit) throws Exception {
        long start = System.nanoTime();
        while (System.nanoTime() - start < limit.toNanos()) {
            if (get("/health").statusCode() == status) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            sleep(100);
        }
        throw new AssertionError("/health did not answer " + status + " within " + limit.toSeconds() + " s");
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(15))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

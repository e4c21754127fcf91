package io.github.webauthnkit.server.replicas;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.PostgresServer;
import io.github.webauthnkit.server.testing.RedisServer;
import io.github.webauthnkit.server.testing.ServerProcess;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL under registration load: every registration the server answered with 2xx is in PostgreSQL after a
 * restart, and no account was left without its passkey.
 */
class DurabilityTest {
    private static final String ORIGIN = "http://localhost:8443";

    @Test
    void everyAcknowledgedRegistrationSurvivesSigkill() throws Exception {
        try (PostgresServer postgres = PostgresServer.start(); RedisServer redis = RedisServer.start()) {
            Map<String, String> env = ServerProcess.shared(ORIGIN, postgres, redis);
            env.put("WEBAUTHN_RATE_LIMIT_ADDRESS", "1000000");
            ServerProcess server = ServerProcess.start(env);
            env.put("WEBAUTHN_PORT", Integer.toString(server.port()));

            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            Map<String, Integer> outcomes = new TreeMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger counter = new AtomicInteger();
            ExecutorService load = Executors.newFixedThreadPool(6);
            for (int t = 0; t < 6; t++) {
                load.submit(() -> {
                    PasskeyClient client = new PasskeyClient(server.baseUrl(),
                            new SoftwareAuthenticator(ORIGIN, SoftwareAuthenticator.Algorithm.ES256));
                    while (running.get()) {
                        String username = "durable-" + counter.incrementAndGet();
                        String outcome;
                        try {
                            client.register(username);
                            acknowledged.add(username);
                            outcome = "201";
                        } catch (AssertionError e) {
                            outcome = "error status";
                        } catch (RuntimeException e) {
                            outcome = "connection failed";
                        }
                        synchronized (outcomes) {
                            outcomes.merge(outcome, 1, Integer::sum);
                        }
                    }
                });
            }
            Thread.sleep(3000);
            server.kill();
            Thread.sleep(300);
            running.set(false);
            load.shutdown();
            assertThat(load.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

            long restartStarted = System.nanoTime();
            try (ServerProcess restarted = ServerProcess.start(env)) {
                long restartMs = (System.nanoTime() - restartStarted) / 1_000_000;
                try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(),
                        Files.readString(postgres.passwordFile()))) {
                    int missing = 0;
                    try (PreparedStatement query = db.prepareStatement(
                            "SELECT count(*) FROM users u JOIN credentials c ON c.user_id = u.id WHERE u.username = ?")) {
                        for (String username : acknowledged) {
                            query.setString(1, username);
                            try (ResultSet rows = query.executeQuery()) {
                                rows.next();
                                missing += rows.getInt(1) == 1 ? 0 : 1;
                            }
                        }
                    }
                    int halfRegistered;
                    try (ResultSet rows = db.createStatement().executeQuery("SELECT count(*) FROM users u WHERE NOT"
                            + " EXISTS (SELECT 1 FROM credentials c WHERE c.user_id = u.id)")) {
                        rows.next();
                        halfRegistered = rows.getInt(1);
                    }
                    int stored;
                    try (ResultSet rows = db.createStatement().executeQuery("SELECT count(*) FROM users")) {
                        rows.next();
                        stored = rows.getInt(1);
                    }
                    System.out.printf("[durability] SIGKILL after 3 s of registrations from 6 clients: outcomes %s;"
                            + " %d acknowledged, %d stored, %d acknowledged but missing, %d accounts without a passkey;"
                            + " restart to healthy %d ms%n", outcomes, acknowledged.size(), stored, missing,
                            halfRegistered, restartMs);
                    assertThat(acknowledged).as("the load made progress").hasSizeGreaterThan(10);
                    assertThat(missing).isZero();
                    assertThat(halfRegistered).isZero();
                    assertThat(stored).isGreaterThanOrEqualTo(acknowledged.size());
                }
                PasskeyClient client = new PasskeyClient(restarted.baseUrl(),
                        new SoftwareAuthenticator(ORIGIN, SoftwareAuthenticator.Algorithm.ES256));
                client.register("after-restart");
                assertThat(client.signIn("after-restart")).isNotBlank();
            }
        }
    }
}

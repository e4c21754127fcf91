package io.github.webauthnkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.storage.StoreUnavailableException;
import io.github.webauthnkit.server.testing.ServerProcess;
import io.github.webauthnkit.server.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up opens the database on a thread of its own while the key ring loads: whichever side fails, the error is the
 * one reported and nothing the other side opened is left running.
 */
class StartupTest {
    @TempDir
    Path dir;

    @Test
    void aBadKeyRingStillClosesTheDatabaseOpenedBesideIt() throws Exception {
        Path ring = dir.resolve("jwt_signing_keys.json");
        Files.writeString(ring, "{\"keys\": [ not json");

        assertThatThrownBy(() -> WebAuthnServer.start(config(ring, dir.resolve("data"))))
                .hasMessageContaining(ring.toString());

        // The store's connection pool names its threads after it; none may outlive the failed start.
        assertThat(awaitNoThread("webauthn-store")).as("threads of the store's pool after the failed start").isEmpty();
    }

    @Test
    void aDatabaseThatCannotOpenIsReportedAndTheKeyRingWatcherStops() throws Exception {
        Path ring = dir.resolve("jwt_signing_keys.json");
        TestServer.writeRing(ring, List.of(TestServer.newKey("RS256", Instant.now(), Instant.now())));
        Path notADirectory = Files.writeString(dir.resolve("data"), "a file where the data directory should be");

        assertThatThrownBy(() -> WebAuthnServer.start(config(ring, notADirectory)))
                .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("WEBAUTHN_DATA_DIR");

        assertThat(awaitNoThread("key-ring-watcher")).as("the ring's watcher after the failed start").isEmpty();
    }

    @Test
    void aServerStartsAgainOnTheSameDataAfterAFailedStart() throws Exception {
        Path ring = dir.resolve("jwt_signing_keys.json");
        Files.writeString(ring, "{}");
        Path data = dir.resolve("data");
        assertThatThrownBy(() -> WebAuthnServer.start(config(ring, data)));

        TestServer.writeRing(ring, List.of(TestServer.newKey("RS256", Instant.now(), Instant.now())));
        try (WebAuthnServer server = WebAuthnServer.start(config(ring, data))) {
            assertThat(server.port()).isPositive();
        }
    }

    /**
     * Jetty's queues ask the JVM whether references are compressed through the platform MBean server unless told, and
     * building that server was about a tenth of a cold start. The server tells Jetty, so nothing builds it.
     */
    @Test
    void startingBuildsNoPlatformMBeanServer() throws Exception {
        List<String> classLog = List.of("-Xlog:class+load=info");
        try (ServerProcess server = ServerProcess.start(ServerProcess.embedded("http://localhost:8080"), classLog)) {
            assertThat(server.log()).as("the server's log").contains("org.eclipse.jetty.util.MemoryUtils ")
                    .doesNotContain("com.sun.jmx.mbeanserver.JmxMBeanServer ");
        }
    }

    /**
     * Flyway's set-up was about 120 ms of CPU on the start-up's critical path at every start: a database that already
     * holds the jar's newest migration is opened without it (MigrationsTest has the cases that still need it).
     */
    @Test
    void aSecondStartOnACurrentDatabaseLoadsNoFlyway() throws Exception {
        List<String> classLog = List.of("-Xlog:class+load=info");
        Map<String, String> env = ServerProcess.embedded("http://localhost:8080");
        try (ServerProcess first = ServerProcess.start(env, classLog)) {
            assertThat(first.log()).as("the first start's log").contains("org.flywaydb.core.Flyway ");
        }
        try (ServerProcess second = ServerProcess.start(env, classLog)) {
            assertThat(second.log()).as("the second start's log").contains("org.h2.Driver ")
                    .doesNotContain("org.flywaydb.");
        }
    }

    /** What the server tells Jetty is a default: an operator's own value is kept. */
    @Test
    void anOperatorsReferencesPerCacheLineIsKept() throws Exception {
        String property = "org.eclipse.jetty.util.referencesPerCacheLine";
        String before = System.getProperty(property);
        Path ring = dir.resolve("jwt_signing_keys.json");
        TestServer.writeRing(ring, List.of(TestServer.newKey("ES256", Instant.now(), Instant.now())));
        System.setProperty(property, "8");
        try (WebAuthnServer server = WebAuthnServer.start(config(ring, dir.resolve("data")))) {
            assertThat(System.getProperty(property)).isEqualTo("8");
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
    }

    private static ServerConfig config(Path ring, Path data) {
        Map<String, String> env = new HashMap<>();
        env.put("WEBAUTHN_PORT", "0");
        env.put("WEBAUTHN_BIND_ADDRESS", "127.0.0.1");
        env.put("WEBAUTHN_RP_ID", "localhost");
        env.put("WEBAUTHN_ORIGINS", "http://localhost:8080");
        env.put("WEBAUTHN_KEYS_FILE", ring.toString());
        env.put("WEBAUTHN_DATA_DIR", data.toString());
        return ServerConfig.fromEnvironment(env);
    }

    /** The names of live threads starting with {@code prefix}, after up to 5 s for them to end. */
    private static List<String> awaitNoThread(String prefix) throws InterruptedException {
        List<String> alive = List.of();
        for (int i = 0; i < 100; i++) {
            alive = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                    .filter(name -> name.startsWith(prefix)).toList();
            if (alive.isEmpty()) {
                return alive;
            }
            Thread.sleep(50);
        }
        return alive;
    }
}

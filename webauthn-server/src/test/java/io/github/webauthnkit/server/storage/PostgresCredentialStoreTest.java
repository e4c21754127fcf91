package io.github.webauthnkit.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.testing.PostgresServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The storage contract on a real PostgreSQL server, plus what only several replicas can do to it. */
class PostgresCredentialStoreTest extends CredentialStoreContract {
    private static PostgresServer postgres;
    private static JdbcCredentialStore store;

    @BeforeAll
    static void open() {
        postgres = PostgresServer.start();
        store = JdbcCredentialStore.open(config());
    }

    @AfterAll
    static void close() {
        if (store != null) {
            store.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    static ServerConfig config() {
        return ServerConfig.fromEnvironment(Map.of("WEBAUTHN_DB_URL", postgres.jdbcUrl(), "WEBAUTHN_DB_USER",
                postgres.user(), "WEBAUTHN_DB_PASSWORD_FILE", postgres.passwordFile().toString()));
    }

    @Override
    protected CredentialStore store() {
        return store;
    }

    /** The schema check's query runs on PostgreSQL too: a migrated database is current, so Flyway is skipped. */
    @Test
    void aMigratedDatabaseIsCurrent() {
        org.postgresql.ds.PGSimpleDataSource pg = new org.postgresql.ds.PGSimpleDataSource();
        pg.setURL(postgres.jdbcUrl());
        pg.setUser(postgres.user());
        pg.setPassword(ServerConfig.readSecret("WEBAUTHN_DB_PASSWORD_FILE", postgres.passwordFile()));
        assertThat(JdbcCredentialStore.schemaIsCurrent(pg)).isTrue();
    }

    /**
     * An operator's default isolation does not break the passkey limit: under REPEATABLE READ the count after the lock
     * would read the snapshot from before it, and two adds at once could both take the last place. The store asks for
     * READ COMMITTED on its connections.
     */
    @Test
    void thePasskeyLimitHoldsWhateverTheDatabasesDefaultIsolation() throws Exception {
        String user = postgres.user();
        try (var connection = java.sql.DriverManager.getConnection(postgres.jdbcUrl(), user,
                ServerConfig.readSecret("WEBAUTHN_DB_PASSWORD_FILE", postgres.passwordFile()))) {
            connection.createStatement().execute("ALTER ROLE CURRENT_USER SET default_transaction_isolation"
                    + " = 'repeatable read'");
            try (JdbcCredentialStore repeatable = JdbcCredentialStore.open(config())) {
                assertThat(roundsOverTheLimit(repeatable, 50)).as("rounds that ended over the limit").isZero();
            } finally {
                connection.createStatement().execute("ALTER ROLE CURRENT_USER RESET default_transaction_isolation");
            }
        }
    }

    @Test
    void replicasStartingTogetherMigrateOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Callable<JdbcCredentialStore>> starts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            starts.add(() -> JdbcCredentialStore.open(config()));
        }
        try {
            for (Future<JdbcCredentialStore> started : pool.invokeAll(starts)) {
                started.get().close();
            }
        } finally {
            pool.shutdownNow();
        }
        try (var connection = java.sql.DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(),
                java.nio.file.Files.readString(postgres.passwordFile()));
             var rows = connection.createStatement().executeQuery(
                     "SELECT count(*), count(DISTINCT version) FROM flyway_schema_history WHERE success")) {
            rows.next();
            assertThat(rows.getInt(1)).as("each migration applied once").isPositive().isEqualTo(rows.getInt(2));
        }
    }
}

package io.github.webauthnkit.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.webauthnkit.server.config.ServerConfig;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store opens without Flyway only on a database that already holds the jar's newest migration and no failed one;
 * anything else is Flyway's to migrate or refuse, as before.
 */
class MigrationsTest {
    @TempDir
    Path dir;

    @Test
    void theNewestMigrationIsTheNewestFile() throws URISyntaxException, java.io.IOException {
        Path migrations = Path.of(getClass().getResource("/db/migration").toURI());
        try (Stream<Path> files = Files.list(migrations)) {
            List<Integer> versions = files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .map(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).sorted(Comparator.reverseOrder()).toList();
            assertThat(versions).isNotEmpty();
            assertThat(JdbcCredentialStore.NEWEST_MIGRATION).as("JdbcCredentialStore.NEWEST_MIGRATION")
                    .isEqualTo(Integer.toString(versions.get(0)));
            assertThat(migrations.resolve(JdbcCredentialStore.NEWEST_MIGRATION_SCRIPT)).as("its script").exists();
        }
    }

    @Test
    void aNewDatabaseIsMigratedAndThenCurrent() {
        assertThat(JdbcCredentialStore.schemaIsCurrent(h2())).as("before the first open").isFalse();
        open().close();
        assertThat(JdbcCredentialStore.schemaIsCurrent(h2())).as("after it").isTrue();
    }

    @Test
    void anOlderSchemaIsMigratedToTheNewest() {
        Flyway.configure().dataSource(h2()).locations("classpath:db/migration").target("1").load().migrate();
        assertThat(JdbcCredentialStore.schemaIsCurrent(h2())).as("at version 1").isFalse();
        open().close();
        assertThat(JdbcCredentialStore.schemaIsCurrent(h2())).as("after opening").isTrue();
    }

    /** A failed row of any version, even one this jar does not know, leaves the decision to Flyway. */
    @Test
    void aFailedRowBesideTheNewestMigrationIsLeftToFlyway() throws SQLException {
        open().close();
        execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, installed_by,"
                + " execution_time, success) VALUES (99, '99', 'later', 'SQL', 'V99__later.sql', 'webauthn', 0, FALSE)");
        assertThat(JdbcCredentialStore.schemaIsCurrent(h2())).isFalse();
    }

    /** Another application's version 2 in a shared history is not this jar's. */
    @Test
    void anotherScriptAtTheNewestVersionIsNotOurs() throws SQLException {
        open().close();
        execute("UPDATE flyway_schema_history SET script = 'V2__someone_else.sql' WHERE version = '"
                + JdbcCredentialStore.NEWEST_MIGRATION + "'");
        assertThat(JdbcCredentialStore.schemaIsCurrent(h2())).isFalse();
    }

    @Test
    void aFailedMigrationInTheHistoryIsLeftToFlywayWhichRefusesIt() throws SQLException {
        open().close();
        execute("UPDATE flyway_schema_history SET success = FALSE WHERE version = '"
                + JdbcCredentialStore.NEWEST_MIGRATION + "'");
        assertThat(JdbcCredentialStore.schemaIsCurrent(h2())).isFalse();
        assertThatThrownBy(this::open).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("Database migration failed");
    }

    /** A database that gives no connection fails the check itself, with the reason, instead of falling to Flyway. */
    @Test
    void aDatabaseThatGivesNoConnectionIsReported() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Path password = Files.writeString(dir.resolve("db_password"), "unused");
        ServerConfig config = ServerConfig.fromEnvironment(Map.of("WEBAUTHN_DB_URL",
                "jdbc:postgresql://127.0.0.1:" + closedPort + "/webauthn", "WEBAUTHN_DB_PASSWORD_FILE", password.toString()));
        assertThatThrownBy(() -> JdbcCredentialStore.open(config)).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("Cannot connect to the database");
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = h2().getConnection(); Statement statement = connection.createStatement()) {
            statement.executeUpdate(sql);
        }
    }

    private JdbcCredentialStore open() {
        return JdbcCredentialStore.open(ServerConfig.fromEnvironment(Map.of("WEBAUTHN_DATA_DIR", dir.toString())));
    }

    /** The embedded database as the store opens it. */
    private JdbcDataSource h2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(JdbcCredentialStore.embeddedUrl(dir.toAbsolutePath().normalize()));
        h2.setUser("webauthn");
        h2.setPassword("");
        return h2;
    }
}

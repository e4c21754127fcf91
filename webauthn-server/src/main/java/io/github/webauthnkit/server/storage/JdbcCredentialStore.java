package io.github.webauthnkit.server.storage;

import io.github.webauthnkit.server.ProcessGuard;
import io.github.webauthnkit.server.config.ServerConfig;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Users and passkeys in PostgreSQL, or in an embedded H2 file database under the data directory when no database
 * URL is configured. Both run the same Flyway migrations; Flyway's lock makes concurrent start-ups of several
 * replicas apply them once.
 */
public final class JdbcCredentialStore implements CredentialStore {
    private static final String UNIQUE_VIOLATION = "23505";
    /** The version of the newest file in {@code db/migration} ({@code MigrationsTest} fails when they differ). */
    static final String NEWEST_MIGRATION = "2";
    /** Its file: a history row of another application's version 2 in the same database does not count. */
    static final String NEWEST_MIGRATION_SCRIPT = "V2__installation_secrets.sql";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HikariDataSource dataSource;

    private JdbcCredentialStore(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public static JdbcCredentialStore open(ServerConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("webauthn-store");
        // Bounded waits: during an outage requests fail fast with a 503 instead of piling up.
        hikari.setConnectionTimeout(3_000);
        hikari.setValidationTimeout(2_000);
        hikari.setMaximumPoolSize(16);
        hikari.setInitializationFailTimeout(-1);
        // The limits that lock a row and then count (passkeys per account, never the last one) need each statement to
        // see what committed before it, whatever default isolation the database's operator set.
        hikari.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        if (config.embeddedDatabase()) {
            Path dir = config.dataDir().toAbsolutePath().normalize();
            try {
                Files.createDirectories(dir);
            } catch (java.io.IOException e) {
                throw new StoreUnavailableException("Cannot create WEBAUTHN_DATA_DIR " + dir + ": " + e.getMessage(), e);
            }
            hikari.setJdbcUrl(embeddedUrl(dir));
            hikari.setUsername("webauthn");
            hikari.setPassword("");
        } else {
            hikari.setJdbcUrl(config.dbUrl());
            hikari.setUsername(config.dbUser().isEmpty() ? "webauthn" : config.dbUser());
            hikari.setPassword(ServerConfig.readSecret("WEBAUTHN_DB_PASSWORD_FILE", config.dbPasswordFile()));
            hikari.addDataSourceProperty("connectTimeout", "3");
            hikari.addDataSourceProperty("socketTimeout", "10");
            hikari.addDataSourceProperty("tcpKeepAlive", "true");
        }
        HikariDataSource dataSource = new HikariDataSource(hikari);
        try {
            if (!schemaIsCurrent(dataSource)) {
                Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
            }
        } catch (StoreUnavailableException e) {
            dataSource.close();
            throw e;
        } catch (RuntimeException e) {
            dataSource.close();
            throw new StoreUnavailableException("Database migration failed: " + e.getMessage(), e);
        }
        return new JdbcCredentialStore(dataSource);
    }

    /** The embedded database's JDBC URL in {@code dataDir} (absolute): H2, speaking PostgreSQL's dialect. */
    static String embeddedUrl(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.resolve("webauthn")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
    }

    /**
     * Whether Flyway's history already holds this jar's newest migration, applied, and no failed one: then there is
     * nothing to migrate, and Flyway's set-up (about 120 ms of CPU, on the start-up's critical path) is skipped. Any
     * doubt (no history table yet, an older schema, a failed migration, a failed query) leaves it to Flyway, which
     * migrates, validates and takes its lock as before. A newer replica's later migrations in the history do not matter
     * here, as they do not to Flyway, which ignores future migrations. A database that gives no connection fails here,
     * once, instead of making Flyway wait for one again.
     */
    static boolean schemaIsCurrent(DataSource dataSource) {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            throw new StoreUnavailableException("Cannot connect to the database: " + e.getMessage(), e);
        }
        try (connection; PreparedStatement statement = connection.prepareStatement("SELECT"
                     + " SUM(CASE WHEN success AND version = ? AND script = ? THEN 1 ELSE 0 END),"
                     + " SUM(CASE WHEN success THEN 0 ELSE 1 END) FROM flyway_schema_history")) {
            statement.setString(1, NEWEST_MIGRATION);
            statement.setString(2, NEWEST_MIGRATION_SCRIPT);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() && row.getLong(1) == 1 && row.getLong(2) == 0;
            }
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public Optional<UserAccount> findUserByUsername(String username) {
        return queryOne("SELECT id, username, display_name, created_at FROM users WHERE username = ?",
                JdbcCredentialStore::user, username);
    }

    @Override
    public Optional<UserAccount> findUserById(String userId) {
        return queryOne("SELECT id, username, display_name, created_at FROM users WHERE id = ?",
                JdbcCredentialStore::user, userId);
    }

    @Override
    public Optional<StoredCredential> findCredential(String credentialId) {
        return queryOne("SELECT * FROM credentials WHERE id = ?", JdbcCredentialStore::credential, credentialId);
    }

    @Override
    public List<StoredCredential> credentialsOf(String userId) {
        return withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT * FROM credentials WHERE user_id = ? ORDER BY created_at, id")) {
                statement.setString(1, userId);
                try (ResultSet rows = statement.executeQuery()) {
                    List<StoredCredential> result = new ArrayList<>();
                    while (rows.next()) {
                        result.add(credential(rows));
                    }
                    return result;
                }
            }
        });
    }

    @Override
    public Optional<AccountPasskeys> findAccountWithPasskeys(String username) {
        return withConnection(connection -> {
            // The account's columns are renamed so that the passkeys' id and created_at keep their names.
            try (PreparedStatement statement = connection.prepareStatement("SELECT u.id AS account_id, u.username,"
                    + " u.display_name, u.created_at AS account_created_at, c.* FROM users u"
                    + " LEFT JOIN credentials c ON c.user_id = u.id WHERE u.username = ? ORDER BY c.created_at, c.id")) {
                statement.setString(1, username);
                try (ResultSet rows = statement.executeQuery()) {
                    UserAccount user = null;
                    List<StoredCredential> passkeys = new ArrayList<>();
                    while (rows.next()) {
                        if (user == null) {
                            user = account(rows);
                        }
                        if (rows.getString("id") != null) {
                            passkeys.add(credential(rows));
                        }
                    }
                    return Optional.ofNullable(user).map(u -> new AccountPasskeys(u, List.copyOf(passkeys)));
                }
            }
        });
    }

    @Override
    public Optional<PasskeyAccount> findPasskeyWithAccount(String credentialId) {
        // Renamed as in findAccountWithPasskeys: the passkey's id and created_at keep their names.
        return queryOne("SELECT u.id AS account_id, u.username, u.display_name, u.created_at AS account_created_at,"
                + " c.* FROM credentials c JOIN users u ON u.id = c.user_id WHERE c.id = ?",
                rows -> new PasskeyAccount(credential(rows), account(rows)), credentialId);
    }

    @Override
    public boolean createUser(UserAccount user, StoredCredential credential) {
        return unlessDuplicate(() -> inTransaction(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(
                    "INSERT INTO users (id, username, display_name, created_at) VALUES (?, ?, ?, ?)")) {
                statement.setString(1, user.id());
                statement.setString(2, user.username());
                statement.setString(3, user.displayName());
                statement.setTimestamp(4, Timestamp.from(user.createdAt()));
                statement.executeUpdate();
            }
            insertCredential(connection, credential);
            return true;
        }));
    }

    @Override
    public AddResult addCredential(StoredCredential credential, int maxPerAccount) {
        try {
            return inTransaction(connection -> {
                // The account's row is the lock: a concurrent add waits here, then counts with the first one's
                // passkey committed (a lock on the passkeys' rows would not stop an insert beside them).
                try (PreparedStatement statement = connection.prepareStatement(
                        "SELECT id FROM users WHERE id = ? FOR UPDATE")) {
                    statement.setString(1, credential.userId());
                    try (ResultSet rows = statement.executeQuery()) {
                        if (!rows.next()) {
                            return AddResult.NO_ACCOUNT;
                        }
                    }
                }
                try (PreparedStatement statement = connection.prepareStatement(
                        "SELECT COUNT(*) FROM credentials WHERE user_id = ?")) {
                    statement.setString(1, credential.userId());
                    try (ResultSet rows = statement.executeQuery()) {
                        rows.next();
                        if (rows.getInt(1) >= maxPerAccount) {
                            return AddResult.ACCOUNT_FULL;
                        }
                    }
                }
                insertCredential(connection, credential);
                return AddResult.ADDED;
            });
        } catch (Duplicate e) {
            return AddResult.ALREADY_REGISTERED;
        }
    }

    @Override
    public boolean recordUse(String credentialId, long previousCount, long signatureCount, boolean backedUp,
                             Instant usedAt) {
        // The counter only moves forward; a concurrent assertion that got there first wins.
        return withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement("UPDATE credentials SET signature_count = ?,"
                    + " backed_up = ?, last_used_at = ? WHERE id = ? AND signature_count = ?")) {
                statement.setLong(1, signatureCount);
                statement.setBoolean(2, backedUp);
                statement.setTimestamp(3, Timestamp.from(usedAt));
                statement.setString(4, credentialId);
                statement.setLong(5, previousCount);
                return statement.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean rename(String userId, String credentialId, String name) {
        return withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(
                    "UPDATE credentials SET name = ? WHERE id = ? AND user_id = ?")) {
                statement.setString(1, name);
                statement.setString(2, credentialId);
                statement.setString(3, userId);
                return statement.executeUpdate() == 1;
            }
        });
    }

    @Override
    public DeleteResult delete(String userId, String credentialId) {
        return inTransaction(connection -> {
            // Lock the user's rows so two deletions cannot each leave the other as the "last" one.
            int count;
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT id FROM credentials WHERE user_id = ? FOR UPDATE")) {
                statement.setString(1, userId);
                try (ResultSet rows = statement.executeQuery()) {
                    List<String> ids = new ArrayList<>();
                    while (rows.next()) {
                        ids.add(rows.getString(1));
                    }
                    if (!ids.contains(credentialId)) {
                        return DeleteResult.NOT_FOUND;
                    }
                    count = ids.size();
                }
            }
            if (count <= 1) {
                return DeleteResult.LAST_CREDENTIAL;
            }
            try (PreparedStatement statement = connection.prepareStatement(
                    "DELETE FROM credentials WHERE id = ? AND user_id = ?")) {
                statement.setString(1, credentialId);
                statement.setString(2, userId);
                statement.executeUpdate();
            }
            return DeleteResult.DELETED;
        });
    }

    @Override
    public byte[] installationSecret(String name) {
        Optional<String> stored = storedSecret(name);
        if (stored.isEmpty()) {
            byte[] fresh = new byte[32];
            RANDOM.nextBytes(fresh);
            // Of replicas that start at once, the first insert wins and every one reads what it wrote.
            unlessDuplicate(() -> inTransaction(connection -> {
                try (PreparedStatement statement = connection.prepareStatement(
                        "INSERT INTO installation_secrets (name, secret, created_at) VALUES (?, ?, ?)")) {
                    statement.setString(1, name);
                    statement.setString(2, Base64.getUrlEncoder().withoutPadding().encodeToString(fresh));
                    statement.setTimestamp(3, Timestamp.from(Instant.now()));
                    statement.executeUpdate();
                }
                return true;
            }));
            stored = storedSecret(name);
        }
        return Base64.getUrlDecoder().decode(stored.orElseThrow());
    }

    private Optional<String> storedSecret(String name) {
        return queryOne("SELECT secret FROM installation_secrets WHERE name = ?", rows -> rows.getString(1), name);
    }

    @Override
    public void ping() {
        withConnection(connection -> {
            if (!connection.isValid(2)) {
                throw new SQLException("connection is not valid");
            }
            return null;
        });
    }

    @Override
    public void close() {
        dataSource.close();
    }

    private static void insertCredential(Connection connection, StoredCredential c) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("INSERT INTO credentials (id, user_id,"
                + " public_key_cose, signature_count, backup_eligible, backed_up, transports, name, created_at,"
                + " last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            statement.setString(1, c.id());
            statement.setString(2, c.userId());
            statement.setString(3, c.publicKeyCose());
            statement.setLong(4, c.signatureCount());
            statement.setBoolean(5, c.backupEligible());
            statement.setBoolean(6, c.backedUp());
            statement.setString(7, c.transports());
            statement.setString(8, c.name());
            statement.setTimestamp(9, Timestamp.from(c.createdAt()));
            statement.setTimestamp(10, c.lastUsedAt() == null ? null : Timestamp.from(c.lastUsedAt()));
            statement.executeUpdate();
        }
    }

    private static UserAccount user(ResultSet rows) throws SQLException {
        return new UserAccount(rows.getString("id"), rows.getString("username"), rows.getString("display_name"),
                rows.getTimestamp("created_at").toInstant());
    }

    /** The account's columns of a join with its passkeys, renamed where the passkey has a column of that name. */
    private static UserAccount account(ResultSet rows) throws SQLException {
        return new UserAccount(rows.getString("account_id"), rows.getString("username"), rows.getString("display_name"),
                rows.getTimestamp("account_created_at").toInstant());
    }

    private static StoredCredential credential(ResultSet rows) throws SQLException {
        Timestamp lastUsed = rows.getTimestamp("last_used_at");
        return new StoredCredential(rows.getString("id"), rows.getString("user_id"), rows.getString("public_key_cose"),
                rows.getLong("signature_count"), rows.getBoolean("backup_eligible"), rows.getBoolean("backed_up"),
                rows.getString("transports"), rows.getString("name"), rows.getTimestamp("created_at").toInstant(),
                lastUsed == null ? null : lastUsed.toInstant());
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    @FunctionalInterface
    private interface RowMapper<T> {
        T map(ResultSet rows) throws SQLException;
    }

    private <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, String parameter) {
        return withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setString(1, parameter);
                try (ResultSet rows = statement.executeQuery()) {
                    return rows.next() ? Optional.of(mapper.map(rows)) : Optional.empty();
                }
            }
        });
    }

    private <T> T withConnection(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    /** Runs in one transaction: all of it is committed, or nothing. */
    private <T> T inTransaction(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new Duplicate(e);
            }
            throw unavailable(e);
        }
    }

    /** An insert that hit a unique constraint (SQL state 23505 on PostgreSQL and H2); nothing was written. */
    private static final class Duplicate extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Duplicate(SQLException cause) {
            super(cause);
        }
    }

    private static boolean unlessDuplicate(java.util.function.BooleanSupplier insert) {
        try {
            return insert.getAsBoolean();
        } catch (Duplicate e) {
            return false;
        }
    }

    private static StoreUnavailableException unavailable(SQLException e) {
        // An embedded database that ran out of memory closes itself for good: the process must go.
        ProcessGuard.exitIfFatal(e);
        return new StoreUnavailableException("The credential database did not answer: " + e.getMessage(), e);
    }
}

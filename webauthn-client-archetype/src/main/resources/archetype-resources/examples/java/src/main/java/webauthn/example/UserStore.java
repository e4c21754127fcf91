package webauthn.example;

import org.h2.jdbcx.JdbcConnectionPool;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;

/**
 * Local users and the jtis already exchanged, in an embedded H2 file database ({@code users.mv.db} in the data
 * directory). AUTO_SERVER lets a second instance on the same directory share it: the first one opened serves it to
 * the others over a loopback-only socket.
 */
public final class UserStore implements AutoCloseable {
    /** H2's SQLSTATE for a unique or primary key violation. */
    private static final String DUPLICATE_KEY = "23505";

    public record User(String id, String webauthnSub, String displayName, Instant createdAt) {
    }

    private final JdbcConnectionPool pool;

    public UserStore(Path dataDir, int maxConnections) throws SQLException {
        // The AUTO_SERVER socket would otherwise listen on every interface (H2 refuses remote clients, but still).
        System.setProperty("h2.bindAddress", System.getProperty("h2.bindAddress", "127.0.0.1"));
        String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("users") + ";AUTO_SERVER=TRUE";
        pool = JdbcConnectionPool.create(url, "", "");
        pool.setMaxConnections(maxConnections);
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS users ("
                    + " id VARCHAR(36) PRIMARY KEY,"
                    + " webauthn_sub VARCHAR NOT NULL UNIQUE,"
                    + " display_name VARCHAR,"
                    + " created_at TIMESTAMP WITH TIME ZONE NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS used_jtis ("
                    + " jti VARCHAR PRIMARY KEY,"
                    + " expires_at BIGINT NOT NULL)");
            s.execute("CREATE INDEX IF NOT EXISTS used_jtis_expires_at ON used_jtis (expires_at)");
        }
    }

    /**
     * Accepts a passkey token's jti once, and finds or creates the user with that {@code sub}, in one transaction:
     * a jti already recorded (until {@code keepUntil}) is refused as {@code replayed}.
     */
    public User exchange(String jti, Instant keepUntil, String sub, String displayName)
            throws Refusal, SQLException {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement purge = c.prepareStatement("DELETE FROM used_jtis WHERE expires_at < ?")) {
                    purge.setLong(1, Instant.now().getEpochSecond());
                    purge.executeUpdate();
                }
                try (PreparedStatement record = c.prepareStatement(
                        "INSERT INTO used_jtis (jti, expires_at) VALUES (?, ?)")) {
                    record.setString(1, jti);
                    record.setLong(2, keepUntil.getEpochSecond());
                    record.executeUpdate();
                } catch (SQLException e) {
                    if (DUPLICATE_KEY.equals(e.getSQLState())) {
                        throw new Refusal("replayed", "this token (jti " + Refusal.quote(jti)
                                + ") has already been exchanged");
                    }
                    throw e;
                }
                User user = findBySub(c, sub).orElse(null);
                if (user == null) {
                    user = create(c, sub, displayName);
                }
                c.commit();
                return user;
            } catch (Refusal | SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    public Optional<User> find(String id) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement q = c.prepareStatement(
                "SELECT id, webauthn_sub, display_name, created_at FROM users WHERE id = ?")) {
            q.setString(1, id);
            return one(q);
        }
    }

    private static Optional<User> findBySub(Connection c, String sub) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(
                "SELECT id, webauthn_sub, display_name, created_at FROM users WHERE webauthn_sub = ?")) {
            q.setString(1, sub);
            return one(q);
        }
    }

    /** A concurrent exchange for the same new user may insert it first; then that row is the user. */
    private static User create(Connection c, String sub, String displayName) throws SQLException {
        User user = new User(UUID.randomUUID().toString(), sub, displayName,
                Instant.ofEpochSecond(Instant.now().getEpochSecond()));
        try (PreparedStatement q = c.prepareStatement(
                "INSERT INTO users (id, webauthn_sub, display_name, created_at) VALUES (?, ?, ?, ?)")) {
            q.setString(1, user.id());
            q.setString(2, user.webauthnSub());
            q.setString(3, user.displayName());
            q.setObject(4, user.createdAt().atOffset(ZoneOffset.UTC));
            q.executeUpdate();
            return user;
        } catch (SQLException e) {
            if (!DUPLICATE_KEY.equals(e.getSQLState())) {
                throw e;
            }
            return findBySub(c, sub).orElseThrow(() -> e);
        }
    }

    private static Optional<User> one(PreparedStatement q) throws SQLException {
        try (ResultSet r = q.executeQuery()) {
            if (!r.next()) {
                return Optional.empty();
            }
            return Optional.of(new User(r.getString(1), r.getString(2), r.getString(3),
                    r.getObject(4, OffsetDateTime.class).toInstant()));
        }
    }

    @Override
    public void close() {
        pool.dispose();
    }
}

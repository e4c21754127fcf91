package io.github.webauthnkit.server.storage;

import io.github.webauthnkit.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The storage contract on the embedded file database of the default configuration. */
class EmbeddedCredentialStoreTest extends CredentialStoreContract {
    @TempDir
    static Path dataDir;

    private static JdbcCredentialStore store;

    @BeforeAll
    static void open() {
        store = JdbcCredentialStore.open(ServerConfig.fromEnvironment(Map.of("WEBAUTHN_DATA_DIR", dataDir.toString())));
    }

    @AfterAll
    static void close() {
        store.close();
    }

    @Override
    protected CredentialStore store() {
        return store;
    }
}

package io.github.webauthnkit.server.ceremonies;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.storage.CredentialStore;
import io.github.webauthnkit.server.storage.JdbcCredentialStore;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database questions a sign-in asks, on the embedded store: each step reads what it needs once (Yubico's library
 * and the ceremony ask some of them twice), the passkey with its account in one read. Every read is a round trip to
 * PostgreSQL in production.
 */
class CeremonyReadsTest {
    private static final String ORIGIN = "http://localhost:8080";
    private static final String CLIENT = "203.0.113.5";

    @TempDir
    Path dataDir;

    private JdbcCredentialStore store;
    private final Map<String, Integer> calls = new TreeMap<>();
    private RegistrationCeremony registration;
    private AuthenticationCeremony authentication;
    private final SoftwareAuthenticator authenticator = new SoftwareAuthenticator(ORIGIN,
            SoftwareAuthenticator.Algorithm.ES256);

    @BeforeEach
    void open() {
        ServerConfig config = ServerConfig.fromEnvironment(Map.of("WEBAUTHN_DATA_DIR", dataDir.toString(),
                "WEBAUTHN_RP_ID", "localhost", "WEBAUTHN_ORIGINS", ORIGIN));
        store = JdbcCredentialStore.open(config);
        CredentialStore counted = (CredentialStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {CredentialStore.class}, (proxy, method, args) -> {
                    calls.merge(method.getName(), 1, Integer::sum);
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ObjectMapper json = new ObjectMapper();
        InMemoryCeremonyStore ceremonies = new InMemoryCeremonyStore(100, InMemoryCeremonyStore.MAX_PENDING);
        registration = new RegistrationCeremony(config, counted, ceremonies, json);
        authentication = new AuthenticationCeremony(config, counted, ceremonies, json);
    }

    @AfterEach
    void close() {
        store.close();
    }

    /** The second sign-in asks the same questions again: nothing read in one step is reused by the next. */
    @Test
    void eachStepOfASignInReadsTheAccountAndThePasskeyOnce() {
        register("alice");
        for (int signIn = 1; signIn <= 2; signIn++) {
            calls.clear();
            AuthenticationCeremony.Started started = authentication.start(Optional.of("alice"), CLIENT);
            assertThat(calls).as("reads of sign-in %d's start", signIn)
                    .isEqualTo(Map.of("findAccountWithPasskeys", 1));

            calls.clear();
            AuthenticationCeremony.Completed completed = authentication.complete(started.requestId(),
                    authenticator.authenticate(started.publicKey()));
            assertThat(completed.user().username()).isEqualTo("alice");
            assertThat(calls).as("reads and the write of sign-in %d's completion", signIn)
                    .isEqualTo(Map.of("findPasskeyWithAccount", 1, "recordUse", 1));
        }
    }

    @Test
    void aDiscoverablePasskeyReadsItsAccountOnceByItsUserHandle() {
        register("bob");

        AuthenticationCeremony.Started started = authentication.start(Optional.empty(), CLIENT);
        calls.clear();
        authentication.complete(started.requestId(), authenticator.authenticate(started.publicKey()));
        assertThat(calls).isEqualTo(Map.of("findPasskeyWithAccount", 1, "recordUse", 1));
    }

    /** Registers a new account with one passkey on the authenticator. */
    private void register(String username) {
        RegistrationCeremony.Started started = registration.start(username, username, Optional.empty(), CLIENT);
        registration.complete(started.requestId(), authenticator.register(started.publicKey()), id -> { });
    }
}

package io.github.webauthnkit.server.ceremonies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.storage.JdbcCredentialStore;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.yubico.webauthn.AssertionRequest;
import com.yubico.webauthn.RelyingParty;
import com.yubico.webauthn.StartAssertionOptions;
import com.yubico.webauthn.data.PublicKeyCredentialDescriptor;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** One relying party for every step of a kind of ceremony, each step's questions answered by that step's reads. */
class SharedRelyingPartyTest {
    private static final String ORIGIN = "http://localhost:8080";
    private static final String CLIENT = "203.0.113.5";

    @TempDir
    Path dataDir;
    @TempDir
    Path emptyDataDir;

    private final SoftwareAuthenticator authenticator = new SoftwareAuthenticator(ORIGIN,
            SoftwareAuthenticator.Algorithm.ES256);

    /**
     * An Android app's origin is no URL, and Yubico's library warns of it whenever a relying party is built: with one
     * built for every step, each step logged that warning again.
     */
    @Test
    void theRelyingPartyIsBuiltWithTheCeremoniesNotForEveryStep() {
        ServerConfig config = config(dataDir, Map.of("WEBAUTHN_ANDROID_APPS",
                "com.example.app=" + SoftwareAuthenticator.randomFingerprint()));
        Logger library = (Logger) LoggerFactory.getLogger(RelyingParty.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        library.addAppender(logged);
        try (JdbcCredentialStore store = JdbcCredentialStore.open(config)) {
            ObjectMapper json = new ObjectMapper();
            InMemoryCeremonyStore ceremonies = new InMemoryCeremonyStore(100, InMemoryCeremonyStore.MAX_PENDING);
            RegistrationCeremony registration = new RegistrationCeremony(config, store, ceremonies, json);
            AuthenticationCeremony authentication = new AuthenticationCeremony(config, store, ceremonies, json);
            assertThat(warnings(logged)).as("one warning for the app's origin per kind of ceremony").hasSize(2)
                    .allSatisfy(warning -> assertThat(warning).contains("android:apk-key-hash:"));
            logged.list.clear();

            RegistrationCeremony.Started registering = registration.start("alice", "Alice", Optional.empty(), CLIENT);
            registration.complete(registering.requestId(), authenticator.register(registering.publicKey()), id -> { });
            for (int signIn = 0; signIn < 3; signIn++) {
                AuthenticationCeremony.Started started = authentication.start(Optional.of("alice"), CLIENT);
                AuthenticationCeremony.Completed done = authentication.complete(started.requestId(),
                        authenticator.authenticate(started.publicKey()));
                assertThat(done.user().username()).isEqualTo("alice");
            }
            assertThat(warnings(logged)).as("warnings during a registration and three sign-ins").isEmpty();
        } finally {
            library.detachAppender(logged);
        }
    }

    /**
     * Two steps at once on two threads, each over its own store: the first waits inside its step while the second
     * runs, and each sees only its own store's passkeys; a step within a step gives the outer one its reads back.
     * Called outside a step, even after one that failed, the relying party refuses.
     */
    @Test
    void eachStepSeesItsOwnReadsAndNoneOutsideAStep() throws Exception {
        ServerConfig config = config(dataDir, Map.of());
        try (JdbcCredentialStore withAlice = JdbcCredentialStore.open(config);
             JdbcCredentialStore empty = JdbcCredentialStore.open(config(emptyDataDir, Map.of()))) {
            RegistrationCeremony registration = new RegistrationCeremony(config, withAlice,
                    new InMemoryCeremonyStore(100, InMemoryCeremonyStore.MAX_PENDING), new ObjectMapper());
            RegistrationCeremony.Started registering = registration.start("alice", "Alice", Optional.empty(), CLIENT);
            registration.complete(registering.requestId(), authenticator.register(registering.publicKey()), id -> { });

            SharedRelyingParty shared = new SharedRelyingParty(config);
            StartAssertionOptions alice = StartAssertionOptions.builder().username("alice").build();
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch otherDone = new CountDownLatch(1);
            CompletableFuture<AssertionRequest> first = CompletableFuture.supplyAsync(() ->
                    shared.call(new StoreCredentialRepository(withAlice), rp -> {
                        inside.countDown();
                        try {
                            assertThat(otherDone.await(30, TimeUnit.SECONDS)).isTrue();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return rp.startAssertion(alice);
                    }));
            assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
            AssertionRequest second;
            try {
                second = shared.call(new StoreCredentialRepository(empty), rp -> rp.startAssertion(alice));
            } finally {
                otherDone.countDown();
            }

            assertThat(allowed(second)).as("the empty store's step").isEmpty();
            assertThat(allowed(first.get(30, TimeUnit.SECONDS))).as("the first store's step, after the other ran")
                    .hasSize(1);

            // A step within a step: the outer one has its own reads again afterwards.
            AssertionRequest outer = shared.call(new StoreCredentialRepository(withAlice), rp -> {
                AssertionRequest inner = shared.call(new StoreCredentialRepository(empty),
                        innerParty -> innerParty.startAssertion(alice));
                assertThat(allowed(inner)).isEmpty();
                return rp.startAssertion(alice);
            });
            assertThat(allowed(outer)).hasSize(1);

            RelyingParty escaped = shared.call(new StoreCredentialRepository(withAlice), rp -> rp);
            assertThatThrownBy(() -> shared.call(new StoreCredentialRepository(withAlice), rp -> {
                throw new IllegalArgumentException("a step that fails");
            })).hasMessage("a step that fails");
            assertThatThrownBy(() -> escaped.startAssertion(alice)).as("after a step that ended, and one that failed")
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("outside a ceremony step");
        }
    }

    private static ServerConfig config(Path dir, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("WEBAUTHN_DATA_DIR", dir.toString(),
                "WEBAUTHN_RP_ID", "localhost", "WEBAUTHN_ORIGINS", ORIGIN));
        env.putAll(extra);
        return ServerConfig.fromEnvironment(env);
    }

    private static List<PublicKeyCredentialDescriptor> allowed(AssertionRequest request) {
        return request.getPublicKeyCredentialRequestOptions().getAllowCredentials().orElse(List.of());
    }

    private static List<String> warnings(ListAppender<ILoggingEvent> logged) {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }
}

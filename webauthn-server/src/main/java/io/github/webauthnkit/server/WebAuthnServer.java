package io.github.webauthnkit.server;

import io.github.webauthnkit.server.ceremonies.CeremonyStore;
import io.github.webauthnkit.server.ceremonies.InMemoryCeremonyStore;
import io.github.webauthnkit.server.ceremonies.RedisCeremonyStore;
import io.github.webauthnkit.server.config.ConfigException;
import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.crypto.CryptoProviders;
import io.github.webauthnkit.server.extension.AuthEventListener;
import io.github.webauthnkit.server.extension.TokenClaims;
import io.github.webauthnkit.server.http.ClientAddress;
import io.github.webauthnkit.server.http.HttpApi;
import io.github.webauthnkit.server.http.InMemoryRateLimiter;
import io.github.webauthnkit.server.http.RateLimiter;
import io.github.webauthnkit.server.http.RedisRateLimiter;
import io.github.webauthnkit.server.metrics.CeremonyMetrics;
import io.github.webauthnkit.server.storage.CredentialStore;
import io.github.webauthnkit.server.storage.JdbcCredentialStore;
import io.github.webauthnkit.server.storage.RedisClients;
import io.github.webauthnkit.server.tokens.KeyRingWatcher;
import io.github.webauthnkit.server.tokens.TokenService;
import io.github.webauthnkit.keys.core.KeyRing;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.nimbusds.jose.jwk.JWK;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import redis.clients.jedis.JedisPooled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The passkey server: wires the configuration, the stores, the key ring and the HTTP API, and shuts them down in
 * reverse order.
 *
 * <p>A project starts it through {@link #builder()}, which is also where its extension points go:
 * <pre>{@code
 * WebAuthnServer.builder()
 *         .tokenClaims(account -> Map.of("roles", List.of("user")))
 *         .eventListener(event -> audit.record(event))
 *         .run();
 * }</pre>
 * The web client's look is the third: files under {@code static/} on the project's class path replace the library's.
 */
public final class WebAuthnServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebAuthnServer.class);

    private final List<AutoCloseable> parts;
    private final HttpApi api;

    private WebAuthnServer(List<AutoCloseable> parts, HttpApi api) {
        this.parts = parts;
        this.api = api;
    }

    /** Runs the server without extensions, configured from the environment. */
    public static void main(String[] args) {
        builder().run();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a server without extensions; every part opened before a failure is closed again. */
    public static WebAuthnServer start(ServerConfig config) {
        return builder().config(config).start();
    }

    /** How a project starts the server: its configuration and its extensions. */
    public static final class Builder {
        private ServerConfig config;
        private TokenClaims tokenClaims = TokenClaims.NONE;
        private final List<AuthEventListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** The configuration; without it, {@link #start()} and {@link #run()} read the environment. */
        public Builder config(ServerConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Extra claims for every access token (see {@link TokenClaims}); replaces any set before. */
        public Builder tokenClaims(TokenClaims tokenClaims) {
            this.tokenClaims = Objects.requireNonNull(tokenClaims, "tokenClaims");
            return this;
        }

        /** A listener for authentication events (see {@link AuthEventListener}); each one added is called. */
        public Builder eventListener(AuthEventListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Starts the server and returns it; every part opened before a failure is closed again.
         *
         * @throws ConfigException when no configuration was given and the environment holds a bad value
         */
        public WebAuthnServer start() {
            ServerConfig effective = config != null ? config : ServerConfig.fromEnvironment();
            // The two slowest independent parts start on their own threads while this one loads the key ring and
            // builds the routes: the native provider's self-tests, and the database with its migrations (about 70 ms
            // sooner to the first healthy /health on 2 cores). Nothing signs before the port opens, so the provider
            // only has to be in place by then.
            Executor ownThread = task -> {
                Thread thread = new Thread(task, "webauthn-startup");
                thread.setDaemon(true);
                thread.start();
            };
            CompletableFuture<String> provider = CompletableFuture.supplyAsync(
                    () -> CryptoProviders.install(effective.nativeCrypto()), ownThread);
            CompletableFuture<CredentialStore> opening = CompletableFuture.supplyAsync(
                    () -> JdbcCredentialStore.open(effective), ownThread);
            List<AutoCloseable> parts = new ArrayList<>();
            CredentialStore store = null;
            try {
                ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
                        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
                KeyRingWatcher ring = KeyRingWatcher.start(effective.keysFile());
                parts.add(ring);
                tokenOverlapWarnings(effective, ring.keys()).forEach(warning -> LOG.atWarn()
                        .addKeyValue("event", "token_ttl_exceeds_overlap").log(warning));
                CeremonyStore ceremonies;
                RateLimiter limiter;
                if (effective.embeddedCeremonyState()) {
                    // Bounds that fit the heap, so a flood from many addresses cannot exhaust it (unless the operator
                    // sets WEBAUTHN_PENDING_LIMIT).
                    long heap = Runtime.getRuntime().maxMemory();
                    InMemoryCeremonyStore inMemory = new InMemoryCeremonyStore(effective.pendingPerAddress(),
                            effective.pendingLimit() > 0 ? effective.pendingLimit() : InMemoryCeremonyStore.boundFor(heap),
                            ClientAddress::networksOf);
                    ceremonies = inMemory;
                    limiter = new InMemoryRateLimiter(InMemoryRateLimiter.boundFor(heap));
                    LOG.atInfo().addKeyValue("event", "ceremony_state").addKeyValue("store", "memory")
                            .addKeyValue("max_heap_mib", heap >> 20).addKeyValue("max_pending", inMemory.maxPending())
                            .log("Ceremony state in memory: at most " + inMemory.maxPending() + " registrations pending"
                                    + " in all (larger ceremonies count by their size), for a heap of " + (heap >> 20)
                                    + " MiB");
                } else {
                    // One pool for both; the ceremony store closes it.
                    JedisPooled redis = RedisClients.open(effective);
                    RedisCeremonyStore shared = new RedisCeremonyStore(redis, effective.pendingPerAddress(),
                            effective.pendingLimit() > 0 ? effective.pendingLimit() : RedisCeremonyStore.DEFAULT_PENDING,
                            ClientAddress::networksOf);
                    ceremonies = shared;
                    LOG.atInfo().addKeyValue("event", "ceremony_state").addKeyValue("store", "redis")
                            .addKeyValue("max_pending", shared.maxPending())
                            .log("Ceremony state in Redis: at most " + shared.maxPending() + " registrations pending"
                                    + " in all replicas together (larger ceremonies count by their size)");
                    limiter = new RedisRateLimiter(redis);
                }
                parts.add(ceremonies);
                CeremonyMetrics metrics = new CeremonyMetrics();
                metrics.watch(ring);
                metrics.watch(ceremonies);
                store = join(opening);
                parts.add(store);
                HttpApi api = new HttpApi(effective, store, ceremonies, limiter,
                        new TokenService(effective, ring, tokenClaims), metrics, json, listeners);
                join(provider);
                parts.add(api.start());
                return new WebAuthnServer(parts, api);
            } catch (RuntimeException | Error e) {
                // A store still opening when this thread failed is closed once open, not left behind.
                if (store == null) {
                    try {
                        parts.add(join(opening));
                    } catch (RuntimeException | Error ignored) {
                        // Its own failure is not the one to report.
                    }
                }
                try {
                    // Awaited so that the process's providers do not change after start() has failed.
                    join(provider);
                } catch (RuntimeException | Error ignored) {
                    // The provider holds nothing to close.
                }
                closeAll(parts);
                throw e;
            }
        }

        /**
         * What a project's {@code main} calls: reads the environment, starts the server, stops it on shutdown within
         * {@link ProcessGuard#SHUTDOWN_TIMEOUT}, and exits with a message naming the problem (status 2 for
         * configuration, 1 for start-up, {@link ProcessGuard#FATAL_STATUS} after an OutOfMemoryError) instead of a
         * stack trace.
         */
        public void run() {
            ServerConfig effective;
            try {
                effective = config != null ? config : ServerConfig.fromEnvironment();
            } catch (ConfigException e) {
                System.err.println("Configuration error: " + e.getMessage());
                System.exit(2);
                return;
            }
            long started = System.nanoTime();
            WebAuthnServer server;
            try {
                server = config(effective).start();
            } catch (RuntimeException e) {
                System.err.println("Start-up failed: " + e.getMessage());
                System.exit(1);
                return;
            }
            ProcessGuard.install(server::close);
            LOG.atInfo().addKeyValue("event", "server_started").addKeyValue("port", server.port())
                    .addKeyValue("version", version()).addKeyValue("startup_ms", (System.nanoTime() - started) / 1_000_000)
                    .log("Passkey server " + version() + " ready on port " + server.port() + "; open "
                            + effective.origins().iterator().next() + "/");
        }
    }

    /** The result of a start-up task; its own exception (a RuntimeException or an Error) is thrown as it is. */
    private static <T> T join(CompletableFuture<T> task) {
        try {
            return task.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /**
     * A superseded key stays published for the token lifetime its rotation was given (webauthn.keys.tokenTtl). A
     * server whose tokens live longer issues tokens that stop verifying before they expire, right after a rotation.
     *
     * @return one message per superseded key whose overlap is shorter than the server's token lifetime
     */
    static List<String> tokenOverlapWarnings(ServerConfig config, KeyRing ring) {
        List<String> warnings = new ArrayList<>();
        List<JWK> keys = ring.keys();
        for (int i = 0; i + 1 < keys.size(); i++) {
            JWK key = keys.get(i);
            if (key.getExpirationTime() == null) {
                continue;
            }
            Duration overlap = Duration.between(keys.get(i + 1).getNotBeforeTime().toInstant(),
                    key.getExpirationTime().toInstant());
            if (config.tokenTtl().compareTo(overlap) > 0) {
                warnings.add("WEBAUTHN_TOKEN_TTL=" + config.tokenTtl() + " is longer than the " + overlap + " that key "
                        + key.getKeyID() + " stays published after its successor starts signing: the last tokens it"
                        + " signed stop verifying before they expire. Give webauthn.keys.tokenTtl the server's value"
                        + " and rotate again.");
            }
        }
        return warnings;
    }

    /** The library's version, from the Maven metadata its jar carries (also inside a project's runnable jar). */
    public static String version() {
        try (InputStream in = WebAuthnServer.class.getResourceAsStream(
                "/META-INF/maven/io.github.webauthnkit/webauthn-server/pom.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "(unknown)");
            }
        } catch (IOException e) {
            LOG.debug("No version: {}", e.toString());
        }
        return "(development)";
    }

    public int port() {
        return api.port();
    }

    /** The listen backlog of the server's socket (see {@link HttpApi#ACCEPT_QUEUE}). */
    public int acceptQueueSize() {
        return api.acceptQueueSize();
    }

    @Override
    public void close() {
        closeAll(parts);
    }

    private static void closeAll(List<AutoCloseable> parts) {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                LOG.warn("Closing {} failed: {}", parts.get(i).getClass().getSimpleName(), e.getMessage());
            }
        }
        parts.clear();
    }
}

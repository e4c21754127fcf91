package ${package};

import ${package}.ceremonies.CeremonyStore;
import ${package}.ceremonies.InMemoryCeremonyStore;
import ${package}.ceremonies.RedisCeremonyStore;
import ${package}.config.ConfigException;
import ${package}.config.ServerConfig;
import ${package}.http.HttpApi;
import ${package}.http.InMemoryRateLimiter;
import ${package}.http.RateLimiter;
import ${package}.http.RedisRateLimiter;
import ${package}.metrics.CeremonyMetrics;
import ${package}.storage.CredentialStore;
import ${package}.storage.JdbcCredentialStore;
import ${package}.storage.RedisClients;
import ${package}.tokens.KeyRingWatcher;
import ${package}.tokens.TokenService;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.JedisPooled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The passkey server: wires the configuration, the stores, the key ring and the HTTP API, and shuts them down in
 * reverse order.
 */
public final class WebAuthnServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebAuthnServer.class);

    private final List<AutoCloseable> parts;
    private final HttpApi api;

    private WebAuthnServer(List<AutoCloseable> parts, HttpApi api) {
        this.parts = parts;
        this.api = api;
    }

    public static void main(String[] args) {
        ServerConfig config;
        try {
            config = ServerConfig.fromEnvironment();
        } catch (ConfigException e) {
            System.err.println("Configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        long started = System.nanoTime();
        WebAuthnServer server;
        try {
            server = start(config);
        } catch (RuntimeException e) {
            System.err.println("Start-up failed: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        LOG.atInfo().addKeyValue("event", "server_started").addKeyValue("port", server.port())
                .addKeyValue("startup_ms", (System.nanoTime() - started) / 1_000_000)
                .log("Passkey server ready on port " + server.port() + "; open " + config.origins().iterator().next()
                        + "/");
    }

    /** Starts a server; every part opened before a failure is closed again. */
    public static WebAuthnServer start(ServerConfig config) {
        List<AutoCloseable> parts = new ArrayList<>();
        try {
            ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
            KeyRingWatcher ring = KeyRingWatcher.start(config.keysFile());
            parts.add(ring);
            CredentialStore store = JdbcCredentialStore.open(config);
            parts.add(store);
            CeremonyStore ceremonies;
            RateLimiter limiter;
            if (config.embeddedCeremonyState()) {
                ceremonies = new InMemoryCeremonyStore();
                limiter = new InMemoryRateLimiter();
            } else {
                // One pool for both; the ceremony store closes it.
                JedisPooled redis = RedisClients.open(config);
                ceremonies = new RedisCeremonyStore(redis);
                limiter = new RedisRateLimiter(redis);
            }
            parts.add(ceremonies);
            HttpApi api = new HttpApi(config, store, ceremonies, limiter, new TokenService(config, ring),
                    new CeremonyMetrics(), json).start();
            parts.add(api);
            return new WebAuthnServer(parts, api);
        } catch (RuntimeException e) {
            closeAll(parts);
            throw e;
        }
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

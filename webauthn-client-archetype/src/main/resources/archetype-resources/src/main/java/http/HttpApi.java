package ${package}.http;

import ${package}.ceremonies.AuthenticationCeremony;
import ${package}.ceremonies.CeremonyException;
import ${package}.ceremonies.CeremonyStore;
import ${package}.ceremonies.RegistrationCeremony;
import ${package}.ceremonies.Usernames;
import ${package}.config.ServerConfig;
import ${package}.metrics.CeremonyMetrics;
import ${package}.storage.CredentialStore;
import ${package}.storage.StoreUnavailableException;
import ${package}.storage.StoredCredential;
import ${package}.storage.UserAccount;
import ${package}.tokens.TokenService;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP API of PRODUCT.md, the web client, health, metrics and the JWKS. */
public final class HttpApi implements AutoCloseable {
    /** Request threads: eight per core, at least 16. */
    public static final int HTTP_THREADS = Math.max(16, 8 * Runtime.getRuntime().availableProcessors());
    /**
     * Connections the kernel holds for the server until it accepts them (the listen backlog; Linux caps it at
     * net.core.somaxconn). The JVM's default of 50 dropped connects when a thousand clients came at once: each dropped
     * one is retried by its client 1, 3, 7 s later, and past its connect timeout it fails.
     */
    public static final int ACCEPT_QUEUE = 1024;
    /** The message of every 500: what went wrong is in the log, not in the answer. */
    static final String UNEXPECTED_ERROR = "Unexpected error; it was logged.";

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    /** Javalin adds its connector after modifyServer; the backlog must be set before the connector opens. */
    private static final LifeCycle.Listener BACKLOG = new LifeCycle.Listener() {
        @Override
        public void lifeCycleStarting(LifeCycle server) {
            for (Connector connector : ((Server) server).getConnectors()) {
                if (connector instanceof ServerConnector network) {
                    network.setAcceptQueueSize(ACCEPT_QUEUE);
                }
            }
        }
    };

    private final ServerConfig config;
    private final CredentialStore store;
    private final CeremonyStore ceremonyStore;
    private final RegistrationCeremony registration;
    private final AuthenticationCeremony authentication;
    private final TokenService tokens;
    private final RateLimiter limiter;
    private final CeremonyMetrics metrics;
    private final ObjectMapper json;
    private final SecurityHeaders headers;
    private final Javalin app;

    public HttpApi(ServerConfig config, CredentialStore store, CeremonyStore ceremonyStore, RateLimiter limiter,
                   TokenService tokens, CeremonyMetrics metrics, ObjectMapper json) {
        this.config = config;
        this.store = store;
        this.ceremonyStore = ceremonyStore;
        this.registration = new RegistrationCeremony(config, store, ceremonyStore, json);
        this.authentication = new AuthenticationCeremony(config, store, ceremonyStore, json);
        this.tokens = tokens;
        this.limiter = limiter;
        this.metrics = metrics;
        this.json = json;
        this.headers = new SecurityHeaders(config.httpsOnly());
        this.app = Javalin.create(c -> {
            c.jsonMapper(new JavalinJackson(json, false));
            c.http.maxRequestSize = ServerConfig.MAX_BODY_BYTES;
            // A ceremony is CPU work (a signature check and a token signature) with short database calls, so a few
            // threads per core serve it as fast as 250 would, without their memory. Connections beyond them wait.
            QueuedThreadPool threads = new QueuedThreadPool(HTTP_THREADS, Math.min(8, HTTP_THREADS), 60_000);
            threads.setName("webauthn-http");
            c.jetty.threadPool = threads;
            // Jetty keeps a cache of header fields per connection (about 100 KiB once used): 100 MiB of heap with
            // 1000 keep-alive clients. Its shared cache of the common headers stays.
            c.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
            c.http.generateEtags = false;
            c.startup.showJavalinBanner = false;
            // The JWKS and the web client's files are answered ahead of the servlet layer (see the handler).
            PublicContentHandler publicContent = new PublicContentHandler(() -> tokens.publicJwks(Instant.now()),
                    headers, StaticFiles.load());
            c.jetty.modifyServer(server -> {
                // Ahead of the handlers Javalin's server already has; Javalin puts its servlet layer innermost.
                server.insertHandler(publicContent);
                server.addEventListener(BACKLOG);
            });
            c.routes.before(headers::apply);
            c.routes.post("/register/start", this::registerStart);
            c.routes.post("/register/complete", this::registerComplete);
            c.routes.post("/authenticate/start", this::authenticateStart);
            c.routes.post("/authenticate/complete", this::authenticateComplete);
            getAndHead(c, "/credentials", this::listCredentials);
            c.routes.patch("/credentials/{id}", this::renameCredential);
            c.routes.delete("/credentials/{id}", this::deleteCredential);
            getAndHead(c, "/health", this::health);
            getAndHead(c, "/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
            c.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage()));
            c.routes.exception(CeremonyException.class, (e, ctx) ->
                    error(ctx, e.reason().status(), e.reason().code(), e.getMessage()));
            c.routes.exception(TokenService.InvalidTokenException.class, (e, ctx) -> {
                ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                error(ctx, 401, "invalid_token", "The bearer token was refused: " + e.getMessage());
            });
            c.routes.exception(StoreUnavailableException.class, (e, ctx) -> {
                LOG.error("Store unavailable: {}", e.getMessage());
                error(ctx, 503, "unavailable", "The service is temporarily unavailable; try again shortly.");
            });
            c.routes.exception(HttpResponseException.class, (e, ctx) -> {
                switch (e.getStatus()) {
                    case 404 -> error(ctx, 404, "not_found", "No such resource: " + ctx.method() + " " + ctx.path());
                    case 413 -> error(ctx, 413, "payload_too_large", "The request body is larger than "
                            + ServerConfig.MAX_BODY_BYTES + " bytes.");
                    default -> error(ctx, e.getStatus(), "http_" + e.getStatus(), e.getMessage());
                }
            });
            c.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("Unexpected error on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal_error", UNEXPECTED_ERROR);
            });
            c.routes.error(404, ctx -> {
                String type = ctx.res().getContentType();
                if (type == null || !type.contains("json")) {
                    error(ctx, 404, "not_found", "No such resource: " + ctx.method() + " " + ctx.path());
                }
            });
            c.routes.error(405, ctx -> error(ctx, 405, "method_not_allowed", "Method not allowed."));
        });
    }

    /**
     * A GET route, and HEAD through the same handler (Jetty sends no body for HEAD). Without its own HEAD route
     * Javalin answers HEAD with a bare 200 and never runs the handler: a health check by HEAD saw 200 from a server
     * that was down, and HEAD /credentials 200 without a token.
     */
    private static void getAndHead(JavalinConfig c, String path, Handler handler) {
        c.routes.get(path, handler);
        c.routes.head(path, handler);
    }

    /** Starts listening; {@code port} 0 picks a free port. */
    public HttpApi start() {
        app.start(config.bindAddress(), config.port());
        return this;
    }

    public int port() {
        return app.port();
    }

    /** The listen backlog the started server asked the kernel for. */
    public int acceptQueueSize() {
        return ((ServerConnector) app.jettyServer().server().getConnectors()[0]).getAcceptQueueSize();
    }

    @Override
    public void close() {
        app.stop();
    }

    // ---- ceremonies ---------------------------------------------------------------------------------------------

    private void registerStart(Context ctx) {
        ceremony(ctx, "registration", "start", null, () -> {
            JsonNode body = body(ctx);
            Optional<UserAccount> signedIn = bearer(ctx);
            RegistrationCeremony.Started started = registration.start(
                    signedIn.isPresent() ? null : text(body, "username", true),
                    text(body, "displayName", false), signedIn);
            ctx.json(Map.of("requestId", started.requestId(), "publicKey", started.publicKey()));
            return null;
        });
    }

    private void registerComplete(Context ctx) {
        ceremony(ctx, "registration", "complete", null, () -> {
            JsonNode body = body(ctx);
            RegistrationCeremony.Completed done = registration.complete(text(body, "requestId", true),
                    object(body, "credential"));
            AuthEvents.success("registration", done.user().id(), done.user().username(), done.credential().id(),
                    clientAddress(ctx));
            ctx.status(201).json(Map.of("userId", done.user().id(), "credentialId", done.credential().id()));
            return null;
        });
    }

    private void authenticateStart(Context ctx) {
        JsonNode body = body(ctx);
        Optional<String> username = AuthenticationCeremony.username(Optional.ofNullable(text(body, "username", false)));
        ceremony(ctx, "authentication", "start", username.orElse(null), () -> {
            AuthenticationCeremony.Started started = authentication.start(username);
            ctx.json(Map.of("requestId", started.requestId(), "publicKey", started.publicKey()));
            return null;
        });
    }

    private void authenticateComplete(Context ctx) {
        ceremony(ctx, "authentication", "complete", null, () -> {
            JsonNode body = body(ctx);
            AuthenticationCeremony.Completed done = authentication.complete(text(body, "requestId", true),
                    object(body, "credential"));
            TokenService.Issued token = tokens.issue(done.user(), Instant.now());
            AuthEvents.success("authentication", done.user().id(), done.user().username(), done.credential().id(),
                    clientAddress(ctx));
            ctx.header("Cache-Control", "no-store");
            ctx.json(Map.of("access_token", token.token(), "token_type", "Bearer", "expires_in", token.expiresIn()));
            return null;
        });
    }

    /**
     * Runs a ceremony step under the rate limits: a client address or username over its limit gets a 429 with
     * Retry-After; every refusal counts towards both limits, and is logged and measured.
     */
    private void ceremony(Context ctx, String ceremony, String step, String username, Supplier<Void> work) {
        long started = System.nanoTime();
        String address = clientAddress(ctx);
        checkLimit(ctx, "address:" + address, config.failuresPerAddress(), "address");
        if (username != null) {
            checkLimit(ctx, "username:" + username, config.failuresPerUsername(), "username");
        }
        try {
            work.get();
            metrics.succeeded(ceremony, step, Duration.ofNanos(System.nanoTime() - started));
        } catch (CeremonyException | ApiException | TokenService.InvalidTokenException e) {
            String reason = e instanceof CeremonyException c ? c.reason().code()
                    : e instanceof ApiException a ? a.code() : "invalid_token";
            String account = e instanceof CeremonyException c && c.username() != null ? c.username() : username;
            limiter.recordFailure("address:" + address, config.rateLimitWindow());
            if (account != null) {
                limiter.recordFailure("username:" + account, config.rateLimitWindow());
            }
            metrics.failed(ceremony, step, reason, Duration.ofNanos(System.nanoTime() - started));
            AuthEvents.failure(ceremony + "_" + step, reason, account, address);
            throw e;
        }
    }

    private void checkLimit(Context ctx, String key, int limit, String scope) {
        Optional<Duration> wait = limiter.blocked(key, limit);
        if (wait.isPresent()) {
            long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
            ctx.header("Retry-After", Long.toString(seconds));
            metrics.rateLimited(scope);
            AuthEvents.failure("rate_limit", "rate_limited_" + scope, null, clientAddress(ctx));
            throw new ApiException(429, "rate_limited", "Too many failed attempts; retry in " + seconds + " s.");
        }
    }

    // ---- credentials of the signed-in user -------------------------------------------------------------------

    private void listCredentials(Context ctx) {
        UserAccount user = requireBearer(ctx);
        List<Map<String, Object>> credentials = store.credentialsOf(user.id()).stream().map(HttpApi::view).toList();
        ctx.header("Cache-Control", "no-store");
        ctx.json(Map.of("credentials", credentials));
    }

    private void renameCredential(Context ctx) {
        UserAccount user = requireBearer(ctx);
        String name;
        try {
            name = Usernames.credentialName(text(body(ctx), "name", true));
        } catch (CeremonyException e) {
            throw new ApiException(400, "invalid_request", e.getMessage());
        }
        String id = ctx.pathParam("id");
        if (!store.rename(user.id(), id, name)) {
            throw new ApiException(404, "not_found", "You have no passkey with this id.");
        }
        ctx.json(view(store.findCredential(id).orElseThrow()));
    }

    private void deleteCredential(Context ctx) {
        UserAccount user = requireBearer(ctx);
        switch (store.delete(user.id(), ctx.pathParam("id"))) {
            case DELETED -> ctx.status(204);
            case NOT_FOUND -> throw new ApiException(404, "not_found", "You have no passkey with this id.");
            case LAST_CREDENTIAL -> throw new ApiException(409, "last_credential",
                    "This is your only passkey; add another one before deleting it.");
        }
    }

    private static Map<String, Object> view(StoredCredential c) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", c.id());
        view.put("name", c.name());
        view.put("createdAt", c.createdAt().toString());
        view.put("lastUsedAt", c.lastUsedAt() == null ? null : c.lastUsedAt().toString());
        view.put("backupEligible", c.backupEligible());
        view.put("backedUp", c.backedUp());
        view.put("transports", c.transports().isEmpty() ? List.of() : List.of(c.transports().split(",")));
        return view;
    }

    private UserAccount requireBearer(Context ctx) {
        return bearer(ctx).orElseThrow(() -> {
            ctx.header("WWW-Authenticate", "Bearer");
            return new ApiException(401, "unauthorized", "Sign in first: this request needs a bearer token.");
        });
    }

    private Optional<UserAccount> bearer(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new TokenService.InvalidTokenException("use 'Authorization: Bearer <token>'");
        }
        String subject = tokens.verify(header.substring(7).trim(), Instant.now()).getSubject();
        return Optional.of(store.findUserById(subject).orElseThrow(() ->
                new TokenService.InvalidTokenException("the account no longer exists")));
    }

    // ---- health -------------------------------------------------------------------------------------------------

    private void health(Context ctx) {
        Map<String, Object> report = new LinkedHashMap<>();
        boolean up = probe(report, "store", store::ping);
        up &= probe(report, "ceremonies", () -> {
            ceremonyStore.ping();
            limiter.ping();
        });
        report.put("signingKey", tokens.signingKid(Instant.now()).orElse(null));
        up &= report.get("signingKey") != null;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.putAll(report);
        ctx.header("Cache-Control", "no-store");
        ctx.status(up ? 200 : 503).json(body);
    }

    private static boolean probe(Map<String, Object> report, String name, Runnable check) {
        try {
            check.run();
            report.put(name, "UP");
            return true;
        } catch (RuntimeException e) {
            report.put(name, "DOWN");
            return false;
        }
    }

    // ---- request parsing -----------------------------------------------------------------------------------------

    private JsonNode body(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(415, "unsupported_media_type", "Send the request body as application/json.");
        }
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length > ServerConfig.MAX_BODY_BYTES) {
            throw new ApiException(413, "payload_too_large", "The request body is larger than "
                    + ServerConfig.MAX_BODY_BYTES + " bytes.");
        }
        JsonNode node;
        try {
            node = bytes.length == 0 ? json.createObjectNode() : json.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "malformed_json", "The request body is not valid JSON.");
        } catch (java.io.IOException e) {
            throw new ApiException(400, "malformed_json", "The request body could not be read.");
        }
        if (node == null || !node.isObject()) {
            throw new ApiException(400, "malformed_json", "The request body must be a JSON object.");
        }
        return node;
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new ApiException(400, "invalid_request", "Missing field '" + field + "'.");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new ApiException(400, "invalid_request", "Field '" + field + "' must be a string.");
        }
        return value.asText();
    }

    private static JsonNode object(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isObject()) {
            throw new ApiException(400, "invalid_request", "Field '" + field + "' must be a JSON object.");
        }
        return value;
    }

    private String clientAddress(Context ctx) {
        if (config.trustProxy()) {
            String forwarded = ctx.header("X-Forwarded-For");
            if (forwarded != null && !forwarded.isBlank()) {
                String[] hops = forwarded.split(",");
                return hops[hops.length - 1].trim();
            }
        }
        return ctx.ip();
    }

    private void error(Context ctx, int status, String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        ctx.header("Cache-Control", "no-store");
        ctx.status(status).json(body);
    }
}

package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.ProcessGuard;
import io.github.webauthnkit.server.ceremonies.AuthenticationCeremony;
import io.github.webauthnkit.server.ceremonies.CeremonyStore;
import io.github.webauthnkit.server.ceremonies.RegistrationCeremony;
import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.extension.AuthEventListener;
import io.github.webauthnkit.server.metrics.CeremonyMetrics;
import io.github.webauthnkit.server.storage.CredentialStore;
import io.github.webauthnkit.server.tokens.TokenService;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Handler;
import io.javalin.json.JavalinJackson;
import java.time.Instant;
import java.util.List;
import org.eclipse.jetty.server.ServerConnector;

/** The HTTP API of PRODUCT.md, the web client, health, metrics and the JWKS: the server and its routes. */
public final class HttpApi implements AutoCloseable {
    /** Request threads: eight per core, at least 16. */
    public static final int HTTP_THREADS = Math.max(16, 8 * Runtime.getRuntime().availableProcessors());
    /**
     * Connections the kernel holds for the server until it accepts them (the listen backlog; Linux caps it at
     * net.core.somaxconn). The JVM's default of 50 dropped connects when a thousand clients came at once: each dropped
     * one is retried by its client 1, 3, 7 s later, and past its connect timeout it fails.
     */
    public static final int ACCEPT_QUEUE = 1024;
    /** Javalin's buffer between a response and Jetty (see the constructor). */
    static final int RESPONSE_COPY_BYTES = 4096;

    private final ServerConfig config;
    private final Javalin app;

    public HttpApi(ServerConfig config, CredentialStore store, CeremonyStore ceremonyStore, RateLimiter limiter,
                   TokenService tokens, CeremonyMetrics metrics, ObjectMapper json, List<AuthEventListener> listeners) {
        this.config = config;
        SecurityHeaders headers = new SecurityHeaders(config.httpsOnly());
        AuthEvents events = new AuthEvents(listeners);
        ClientAddress clientAddress = new ClientAddress(config.trustProxy(), config.trustedProxies());
        RequestBodies bodies = new RequestBodies(json);
        BearerAuth bearer = new BearerAuth(tokens, store);
        CeremonyRoutes ceremonies = new CeremonyRoutes(new RegistrationCeremony(config, store, ceremonyStore, json),
                new AuthenticationCeremony(config, store, ceremonyStore, json), tokens, bodies, bearer,
                new CeremonyGuard(config, limiter, metrics, events, clientAddress), events, clientAddress);
        CredentialRoutes credentials = new CredentialRoutes(store, bodies, bearer, events, clientAddress);
        HealthCheck health = new HealthCheck(store, ceremonyStore, limiter, tokens, clientAddress);
        // The JWKS, the web client's files and the well-known documents are answered ahead of the servlet layer (see
        // the handler).
        PublicContentHandler publicContent = new PublicContentHandler(() -> tokens.publicJwks(Instant.now()),
                headers, StaticFiles.load(), WellKnownDocuments.of(config, json));
        this.app = Javalin.create(c -> {
            c.jsonMapper(new JavalinJackson(json, false));
            c.http.maxRequestSize = ServerConfig.MAX_BODY_BYTES;
            c.http.generateEtags = false;
            // Javalin copies each response to Jetty through an array of this size that it allocates per response;
            // unset, it takes the size of Jetty's output buffer, 32 KiB: 29% of all the server allocated at
            // concurrency 64. The API answers with about a kilobyte of JSON; larger answers (metrics) take a few
            // copies.
            c.http.responseBufferSize = RESPONSE_COPY_BYTES;
            c.startup.showJavalinBanner = false;
            // One path per resource: with Javalin's default, /metrics/ answered as /metrics, past a proxy rule for
            // the exact path.
            c.router.ignoreTrailingSlashes = false;
            // A path of the API's routes asked with another method: 405 and its Allow header, not 404 (the JWKS and
            // the web client's files, answered ahead of the routes, still answer other methods with 404).
            c.http.prefer405over404 = true;
            JettyTuning.apply(c.jetty);
            // Javalin answers an Error thrown by a handler and carries on; an OutOfMemoryError must end the process.
            c.router.javaLangErrorHandler((response, error) -> {
                ProcessGuard.exitIfFatal(error);
                response.setStatus(503);
            });
            // Ahead of the handlers Javalin's server already has; Javalin puts its servlet layer innermost.
            c.jetty.modifyServer(server -> {
                server.insertHandler(publicContent);
                server.setErrorHandler(new ProtocolErrors(headers, json));
            });
            c.routes.before(headers::apply);
            c.routes.post("/register/start", ceremonies::registerStart);
            c.routes.post("/register/complete", ceremonies::registerComplete);
            c.routes.post("/authenticate/start", ceremonies::authenticateStart);
            c.routes.post("/authenticate/complete", ceremonies::authenticateComplete);
            c.routes.post("/account/start", ceremonies::accountStart);
            c.routes.post("/account/complete", ceremonies::accountComplete);
            getAndHead(c, "/credentials", credentials::list);
            c.routes.patch("/credentials/{id}", credentials::rename);
            c.routes.delete("/credentials/{id}", credentials::delete);
            getAndHead(c, "/health", health::handle);
            getAndHead(c, "/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
            ErrorResponses.register(c.routes);
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
}

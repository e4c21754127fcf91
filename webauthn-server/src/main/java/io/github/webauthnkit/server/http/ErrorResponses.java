package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.ceremonies.CeremonyException;
import io.github.webauthnkit.server.http.ResponseBodies.ErrorBody;
import io.github.webauthnkit.server.storage.StoreUnavailableException;
import io.github.webauthnkit.server.tokens.TokenService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's refusals and failures as uncached JSON {@code {"error": code, "message": text}}: the handlers of what the
 * routes throw, and the answers to unknown paths and methods.
 */
final class ErrorResponses {
    /** The message of every 500: what went wrong is in the log, not in the answer. */
    static final String UNEXPECTED_ERROR = "Unexpected error; it was logged.";
    /** The message of every 503: the server or its store cannot answer now, and a retry may succeed. */
    static final String UNAVAILABLE = "The service is temporarily unavailable; try again shortly.";

    /** The API's log: operators filter and configure it by this name. */
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    private ErrorResponses() {
    }

    static void register(RoutesConfig routes) {
        routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage()));
        routes.exception(CeremonyException.class, (e, ctx) ->
                error(ctx, e.reason().status(), e.reason().code(), e.getMessage()));
        routes.exception(TokenService.InvalidTokenException.class, (e, ctx) -> {
            ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            error(ctx, 401, "invalid_token", "The bearer token was refused: " + e.getMessage());
        });
        routes.exception(StoreUnavailableException.class, (e, ctx) -> {
            LOG.error("Store unavailable: {}", e.getMessage());
            error(ctx, 503, "unavailable", UNAVAILABLE);
        });
        routes.exception(HttpResponseException.class, (e, ctx) -> {
            switch (e.getStatus()) {
                case 404 -> notFound(ctx);
                case 413 -> error(ctx, 413, "payload_too_large", RequestBodies.TOO_LARGE);
                case 405 -> methodNotAllowed(ctx, e);
                default -> error(ctx, e.getStatus(), "http_" + e.getStatus(), e.getMessage());
            }
        });
        routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("Unexpected error on {} {}", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal_error", UNEXPECTED_ERROR);
        });
        routes.error(404, ctx -> {
            String type = ctx.res().getContentType();
            if (type == null || !type.contains("json")) {
                notFound(ctx);
            }
        });
    }

    /** A path the API has with another method: {@code 405} and, as HTTP asks, the methods it has in {@code Allow}. */
    private static void methodNotAllowed(Context ctx, HttpResponseException e) {
        // Javalin lists them (it answers 405 only when there are some) under one of two names, by whether the client
        // accepts HTML.
        String allowed = e.getDetails().getOrDefault("availableMethods", e.getDetails().get("Available methods"));
        ctx.header("Allow", allowed);
        error(ctx, 405, "method_not_allowed", "Method not allowed: " + ctx.path() + " answers " + allowed + ".");
    }

    private static void notFound(Context ctx) {
        error(ctx, 404, "not_found", "No such resource: " + ctx.method() + " " + ctx.path());
    }

    private static void error(Context ctx, int status, String code, String message) {
        ctx.header("Cache-Control", "no-store");
        ctx.status(status).json(new ErrorBody(code, message));
    }
}

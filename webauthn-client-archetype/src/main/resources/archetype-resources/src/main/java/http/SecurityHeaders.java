package ${package}.http;

import io.javalin.http.Context;

/**
 * Headers on every response: a strict CSP (own scripts and styles only, no inline code), no sniffing, no framing,
 * no referrer, and HSTS when browsers reach the server over https. No CORS header is ever sent, so other origins
 * cannot read any response.
 */
final class SecurityHeaders {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self';"
            + " object-src 'none'";

    private final boolean https;

    SecurityHeaders(boolean https) {
        this.https = https;
    }

    void apply(Context ctx) {
        // API answers are never cached; the JWKS and static files set their own policy.
        ctx.header("Cache-Control", "no-store");
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cross-Origin-Opener-Policy", "same-origin");
        ctx.header("Cross-Origin-Resource-Policy", "same-origin");
        ctx.header("Permissions-Policy", "publickey-credentials-get=(self), publickey-credentials-create=(self),"
                + " camera=(), microphone=(), geolocation=()");
        if (https) {
            ctx.header("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
        }
    }
}

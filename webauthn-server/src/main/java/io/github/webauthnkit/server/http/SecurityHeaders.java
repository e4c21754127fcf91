package io.github.webauthnkit.server.http;

import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Headers on every response: a strict CSP (own scripts and styles only, no inline code), no sniffing, no framing,
 * no referrer, and HSTS when browsers reach the server over https. No CORS header is ever sent, so other origins
 * cannot read any response.
 */
final class SecurityHeaders {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self';"
            + " object-src 'none'";

    private final Map<String, String> values = new LinkedHashMap<>();

    SecurityHeaders(boolean https) {
        values.put("Content-Security-Policy", CSP);
        values.put("X-Content-Type-Options", "nosniff");
        values.put("X-Frame-Options", "DENY");
        values.put("Referrer-Policy", "no-referrer");
        values.put("Cross-Origin-Opener-Policy", "same-origin");
        values.put("Cross-Origin-Resource-Policy", "same-origin");
        values.put("Permissions-Policy", "publickey-credentials-get=(self), publickey-credentials-create=(self),"
                + " camera=(), microphone=(), geolocation=()");
        if (https) {
            values.put("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
        }
    }

    /** The headers, in the order they are sent; {@link PublicContentHandler} sends the same ones. */
    Map<String, String> values() {
        return values;
    }

    void apply(Context ctx) {
        // API answers are never cached; the JWKS and static files set their own policy.
        ctx.header("Cache-Control", "no-store");
        values.forEach(ctx::header);
    }
}

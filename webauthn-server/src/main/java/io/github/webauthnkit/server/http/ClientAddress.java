package io.github.webauthnkit.server.http;

import io.javalin.http.Context;

/**
 * The address a request comes from, which rate limits and audit events name: behind a trusted proxy the last
 * X-Forwarded-For hop (the one that proxy added), otherwise the peer of the connection.
 */
final class ClientAddress {
    private final boolean trustProxy;

    ClientAddress(boolean trustProxy) {
        this.trustProxy = trustProxy;
    }

    String of(Context ctx) {
        if (trustProxy) {
            String forwarded = ctx.header("X-Forwarded-For");
            if (forwarded != null && !forwarded.isBlank()) {
                String[] hops = forwarded.split(",");
                return hops[hops.length - 1].trim();
            }
        }
        return ctx.ip();
    }
}

package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.config.TrustedProxies;
import io.javalin.http.Context;
import java.net.InetAddress;
import java.util.Optional;

/**
 * The address a request comes from, which rate limits and audit events name: the peer of the connection, or, when
 * proxies are trusted (WEBAUTHN_TRUST_PROXY) and the peer is one of them (WEBAUTHN_TRUSTED_PROXIES), the rightmost
 * X-Forwarded-For hop that is not a trusted proxy. A hop that is not an IP address ends the walk: the hop to its
 * right (the last one a trusted proxy vouched for) is the client.
 */
final class ClientAddress {
    private final boolean trustProxy;
    private final TrustedProxies proxies;

    ClientAddress(boolean trustProxy, TrustedProxies proxies) {
        this.trustProxy = trustProxy;
        this.proxies = proxies;
    }

    String of(Context ctx) {
        String peer = ctx.ip();
        String forwarded = trustProxy ? ctx.header("X-Forwarded-For") : null;
        if (forwarded == null || forwarded.isBlank()) {
            return peer;
        }
        Optional<InetAddress> client = TrustedProxies.literal(peer);
        if (client.isEmpty() || !proxies.contains(client.get())) {
            return peer;
        }
        String[] hops = forwarded.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            Optional<InetAddress> hop = TrustedProxies.literal(hops[i].trim());
            if (hop.isEmpty()) {
                break;
            }
            client = hop;
            if (!proxies.contains(hop.get())) {
                break;
            }
        }
        return client.get().getHostAddress();
    }
}

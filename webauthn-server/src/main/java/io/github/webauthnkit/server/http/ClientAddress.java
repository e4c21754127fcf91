package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.config.TrustedProxies;
import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The address a request comes from, which rate limits and audit events name: the peer of the connection, or, when
 * proxies are trusted (WEBAUTHN_TRUST_PROXY) and the peer is one of them (WEBAUTHN_TRUSTED_PROXIES), the rightmost
 * X-Forwarded-For hop that is not a trusted proxy. A hop that is not an IP address ends the walk: the hop to its
 * right (the last one a trusted proxy vouched for) is the client.
 */
public final class ClientAddress {
    private final boolean trustProxy;
    private final TrustedProxies proxies;

    ClientAddress(boolean trustProxy, TrustedProxies proxies) {
        this.trustProxy = trustProxy;
        this.proxies = proxies;
    }

    /**
     * Whether the request came through one of the trusted proxies, that is from outside the stack's own network:
     * such callers get only what the public needs (see {@link HealthCheck}).
     */
    boolean viaTrustedProxy(Context ctx) {
        Optional<InetAddress> peer = trustProxy ? TrustedProxies.literal(ctx.ip()) : Optional.empty();
        return peer.isPresent() && proxies.contains(peer.get());
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

    /**
     * The key the limits count an address under: an IPv4 address itself, an IPv6 address by its /64 network (one
     * subscriber's, which can use any of its 2^64 addresses).
     */
    static String limitKey(String address) {
        return ipv6Prefix(address, 64).orElse(address);
    }

    /**
     * The network an IPv6 address belongs to, by its /48 (the usual allocation of one site or tunnel, 65,536 /64s), so
     * that its /64s together have limits too; empty for IPv4, whose addresses are each limited already.
     */
    static Optional<String> networkKey(String address) {
        return ipv6Prefix(address, 48);
    }

    /**
     * The networks of a client as {@link #limitKey} names it, widest first: an IPv6 /64's /32 and /48, an IPv4
     * address's /24 (empty for what is neither). A full ceremony store (in memory or in Redis) shares its places out
     * by these first, so that many /64s, /48s or addresses of one holder count together there: a /32 holds 65,536
     * /48s.
     */
    public static List<String> networksOf(String client) {
        int slash = client.indexOf('/');
        if (slash >= 0) {
            String address = client.substring(0, slash);
            Optional<String> wide = ipv6Prefix(address, 32);
            Optional<String> site = ipv6Prefix(address, 48);
            return wide.isPresent() && site.isPresent() ? List.of(wide.get(), site.get()) : List.of();
        }
        Optional<InetAddress> parsed = TrustedProxies.literal(client);
        if (parsed.isEmpty() || parsed.get().getAddress().length != 4) {
            return List.of();
        }
        byte[] bytes = parsed.get().getAddress();
        return List.of((bytes[0] & 0xFF) + "." + (bytes[1] & 0xFF) + "." + (bytes[2] & 0xFF) + ".0/24");
    }

    private static Optional<String> ipv6Prefix(String address, int bits) {
        Optional<InetAddress> parsed = TrustedProxies.literal(address);
        if (parsed.isEmpty() || parsed.get().getAddress().length == 4) {
            return Optional.empty();
        }
        byte[] network = Arrays.copyOf(parsed.get().getAddress(), 16);
        Arrays.fill(network, bits / 8, 16, (byte) 0);
        try {
            return Optional.of(InetAddress.getByAddress(network).getHostAddress() + "/" + bits);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}

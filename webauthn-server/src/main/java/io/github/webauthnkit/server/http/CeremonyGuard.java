package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.ceremonies.CeremonyException;
import io.github.webauthnkit.server.ceremonies.PendingLimitException;
import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.extension.AuthEvent;
import io.github.webauthnkit.server.metrics.CeremonyMetrics;
import io.github.webauthnkit.server.tokens.TokenService;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a ceremony step under the rate limits, each refusal a 429 with Retry-After: a client address, or a username
 * from that address, over its limit of failures (every refusal counts towards both, and is logged and measured);
 * and, for a start, a client address that started too many ceremonies lately (a token bucket; registrations have a
 * smaller one of their own) or has too many pending. An IPv6 client's /48 has buckets too, {@link
 * #ADDRESSES_PER_NETWORK} times an address's.
 */
final class CeremonyGuard {
    private static final String CLIENT = "webauthn.client";
    /** How many addresses' starts and registrations an IPv6 /48 may make together. */
    static final int ADDRESSES_PER_NETWORK = 64;

    private final ServerConfig config;
    private final RateLimiter limiter;
    private final CeremonyMetrics metrics;
    private final AuthEvents events;
    private final ClientAddress clientAddress;

    CeremonyGuard(ServerConfig config, RateLimiter limiter, CeremonyMetrics metrics, AuthEvents events,
                  ClientAddress clientAddress) {
        this.config = config;
        this.limiter = limiter;
        this.metrics = metrics;
        this.events = events;
        this.clientAddress = clientAddress;
    }

    /**
     * @param username the account the step is for when the request names it before the step runs, else null
     */
    void run(Context ctx, String ceremony, String step, String username, Runnable work) {
        long started = System.nanoTime();
        String address = clientAddress.of(ctx);
        String client = ClientAddress.limitKey(address);
        ctx.attribute(CLIENT, client);
        List<RateLimiter.Check> checks = new ArrayList<>();
        checks.add(new RateLimiter.Failures("address:" + client, config.failuresPerAddress()));
        if (username != null) {
            checks.add(new RateLimiter.Failures("username:" + accountFrom(username, client),
                    config.failuresPerUsername()));
        }
        if (step.equals("start")) {
            Optional<String> network = ClientAddress.networkKey(address);
            checks.add(new RateLimiter.Starts("start:" + client, config.startsPerAddress()));
            network.ifPresent(n -> checks.add(new RateLimiter.Starts("network_start:" + n,
                    forNetwork(config.startsPerAddress()))));
            if (ceremony.equals("registration")) {
                checks.add(new RateLimiter.Starts("registration:" + client, config.registrationsPerAddress()));
                network.ifPresent(n -> checks.add(new RateLimiter.Starts("network_registration:" + n,
                        forNetwork(config.registrationsPerAddress()))));
            }
        }
        limiter.admit(checks).ifPresent(refusal -> refuse(ctx, refusal, address));
        try {
            work.run();
            metrics.succeeded(ceremony, step, Duration.ofNanos(System.nanoTime() - started));
        } catch (PendingLimitException e) {
            refuse(ctx, "pending", e.retryAfter(), address,
                    "Too many sign-ins and registrations from your address are unfinished; complete one or");
        } catch (CeremonyException | ApiException | TokenService.InvalidTokenException e) {
            String reason = e instanceof CeremonyException c ? c.reason().code()
                    : e instanceof ApiException a ? a.code() : "invalid_token";
            String account = e instanceof CeremonyException c && c.username() != null ? c.username() : username;
            limiter.recordFailure("address:" + client, config.rateLimitWindow());
            if (account != null) {
                limiter.recordFailure("username:" + accountFrom(account, client), config.rateLimitWindow());
            }
            metrics.failed(ceremony, step, reason, Duration.ofNanos(System.nanoTime() - started));
            events.failure(AuthEvent.Type.REFUSED, ceremony + "_" + step, reason, account, address);
            throw e;
        }
    }

    /**
     * An IPv6 network's bucket: {@link #ADDRESSES_PER_NETWORK} addresses' worth, so that a site's many /64s get room
     * while one holder of a /48 cannot start 65,536 addresses' worth of ceremonies or create as many accounts.
     */
    private static ServerConfig.Rate forNetwork(ServerConfig.Rate perAddress) {
        long count = (long) perAddress.count() * ADDRESSES_PER_NETWORK;
        return new ServerConfig.Rate((int) Math.min(Integer.MAX_VALUE, count), perAddress.period());
    }

    /**
     * What the username limit counts: an account's failures from one client. Counted per account alone, anyone who
     * knows a username could lock its owner out of signing in with it by failing from anywhere (a forged signature
     * for the account's passkey, whose id the start step shows, fails like a wrong one).
     */
    private static String accountFrom(String username, String client) {
        return username + "|" + client;
    }

    /** The client the running step is for, as its limits key it: what a started ceremony belongs to. */
    static String client(Context ctx) {
        return ctx.attribute(CLIENT);
    }

    /** The refusal of a check: its scope (the first part of its key) and what the client is told. */
    private void refuse(Context ctx, RateLimiter.Refusal refusal, String address) {
        String scope = refusal.check().key().substring(0, refusal.check().key().indexOf(':'));
        String why = switch (scope) {
            case "start" -> "Too many sign-ins and registrations were started from your address";
            case "registration" -> "Too many registrations were started from your address";
            case "network_start" -> "Too many sign-ins and registrations were started from your network";
            case "network_registration" -> "Too many registrations were started from your network";
            default -> "Too many failed attempts";
        };
        refuse(ctx, scope, refusal.retryAfter(), address, why);
    }

    /** A 429 with Retry-After: measured, an event, and {@code why} followed by when to retry. */
    private void refuse(Context ctx, String scope, Duration wait, String address, String why) {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        ctx.header("Retry-After", Long.toString(seconds));
        metrics.rateLimited(scope);
        events.failure(AuthEvent.Type.RATE_LIMITED, "rate_limit", "rate_limited_" + scope, null, address);
        throw new ApiException(429, "rate_limited", why + "; retry in " + seconds + " s.");
    }
}

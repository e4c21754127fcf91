package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.ceremonies.CeremonyStore;
import io.github.webauthnkit.server.http.ResponseBodies.HealthReport;
import io.github.webauthnkit.server.http.ResponseBodies.HealthStatus;
import io.github.webauthnkit.server.storage.CredentialStore;
import io.github.webauthnkit.server.tokens.TokenService;
import io.javalin.http.Context;
import java.time.Instant;

/**
 * GET /health: 200 when the credential store, the ceremony store and the rate limiter answer, the key ring is current
 * (not {@link io.github.webauthnkit.server.tokens.KeyRingWatcher#stale() stale}) and a key can sign tokens, else 503;
 * the report says which part is down. A request through the trusted proxy (from outside the stack's network) gets the
 * status alone: which part is down and which key signs are for the operator, not for the internet.
 */
final class HealthCheck {
    private static final String UP = "UP";
    private static final String DOWN = "DOWN";
    /** The key ring file could not be re-read several times in a row: the keys in use may be old. */
    private static final String STALE = "STALE";

    private final CredentialStore store;
    private final CeremonyStore ceremonyStore;
    private final RateLimiter limiter;
    private final TokenService tokens;
    private final ClientAddress clientAddress;

    HealthCheck(CredentialStore store, CeremonyStore ceremonyStore, RateLimiter limiter, TokenService tokens,
                ClientAddress clientAddress) {
        this.store = store;
        this.ceremonyStore = ceremonyStore;
        this.limiter = limiter;
        this.tokens = tokens;
        this.clientAddress = clientAddress;
    }

    void handle(Context ctx) {
        String credentials = probe(store::ping);
        String ceremonies = probe(() -> {
            ceremonyStore.ping();
            limiter.ping();
        });
        String keyRing = tokens.keyRing().stale() ? STALE : UP;
        String signingKey = tokens.signingKid(Instant.now()).orElse(null);
        boolean up = credentials.equals(UP) && ceremonies.equals(UP) && keyRing.equals(UP) && signingKey != null;
        ctx.header("Cache-Control", "no-store");
        ctx.status(up ? 200 : 503);
        if (clientAddress.viaTrustedProxy(ctx)) {
            ctx.json(new HealthStatus(up ? UP : DOWN));
        } else {
            ctx.json(new HealthReport(up ? UP : DOWN, credentials, ceremonies, keyRing, signingKey));
        }
    }

    private static String probe(Runnable check) {
        try {
            check.run();
            return UP;
        } catch (RuntimeException e) {
            return DOWN;
        }
    }
}

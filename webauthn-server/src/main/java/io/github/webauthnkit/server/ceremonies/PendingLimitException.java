package io.github.webauthnkit.server.ceremonies;

import java.time.Duration;

/**
 * A ceremony not started because its client already has as many pending (started, neither completed nor expired)
 * as it may have; the HTTP layer answers 429.
 */
public final class PendingLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Duration retryAfter;

    public PendingLimitException(Duration retryAfter) {
        super("Too many unfinished ceremonies from this client");
        this.retryAfter = retryAfter;
    }

    /** How long until the client's oldest pending ceremony expires. */
    public Duration retryAfter() {
        return retryAfter;
    }
}

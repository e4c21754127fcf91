package io.github.webauthnkit.server.http;

import java.time.Duration;
import java.util.Optional;

/**
 * Counts failed ceremonies per client address and per username in a fixed window; a key that reached its limit is
 * refused (429) until its window ends.
 */
public interface RateLimiter extends AutoCloseable {

    /** @return how long the key is still blocked, or empty */
    Optional<Duration> blocked(String key, int limit);

    void recordFailure(String key, Duration window);

    /** Throws when the backing store does not answer. */
    default void ping() {
    }

    @Override
    default void close() {
    }
}

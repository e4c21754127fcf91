package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.bucket4j.Bandwidth;
import java.time.Duration;
import java.util.Optional;

/**
 * The server's limits per client: failed ceremonies per client address and per username in a fixed window (a key
 * that reached its limit is refused (429) until its window ends), and token buckets (Bucket4j) that bound how many
 * ceremonies a client may start.
 */
public interface RateLimiter extends AutoCloseable {

    /** @return how long the key is still blocked, or empty */
    Optional<Duration> blocked(String key, int limit);

    void recordFailure(String key, Duration window);

    /**
     * Takes a token from the key's bucket: {@code rate.count()} tokens at first, refilled greedily at that many per
     * {@code rate.period()}.
     *
     * @return empty when a token was taken, else how long until the next one
     */
    Optional<Duration> take(String key, ServerConfig.Rate rate);

    /** Throws when the backing store does not answer. */
    default void ping() {
    }

    @Override
    default void close() {
    }

    /** The bucket of a rate, the same on every replica. */
    static Bandwidth bandwidth(ServerConfig.Rate rate) {
        return Bandwidth.builder().capacity(rate.count()).refillGreedy(rate.count(), rate.period()).build();
    }
}

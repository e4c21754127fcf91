package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.bucket4j.Bandwidth;
import java.time.Duration;
import java.util.List;
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

    /** One check a ceremony step makes before it runs. */
    sealed interface Check permits Failures, Starts {
        String key();
    }

    /** Refused while {@code key} has {@code limit} failures in its window ({@link #blocked}). */
    record Failures(String key, int limit) implements Check {
    }

    /** Takes a token from {@code key}'s bucket ({@link #take}). */
    record Starts(String key, ServerConfig.Rate rate) implements Check {
    }

    /** The check that refused, and how long until it would pass. */
    record Refusal(Check check, Duration retryAfter) {
    }

    /**
     * Makes the checks in order and stops at the first refusal, so a refused step takes no token from the buckets
     * after it. A shared store does all of them in one round trip.
     */
    default Optional<Refusal> admit(List<Check> checks) {
        for (Check check : checks) {
            Optional<Duration> wait = check instanceof Failures f ? blocked(f.key(), f.limit())
                    : take(check.key(), ((Starts) check).rate());
            if (wait.isPresent()) {
                return Optional.of(new Refusal(check, wait.get()));
            }
        }
        return Optional.empty();
    }

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

package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.local.LocalBucket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Rate limits of a single server process. */
public final class InMemoryRateLimiter implements RateLimiter {
    private static final int MAX_KEYS = 200_000;

    private record Window(int failures, long endsAtNanos) {
    }

    private record Limited(ServerConfig.Rate rate, LocalBucket bucket) {
    }

    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Limited> buckets = new ConcurrentHashMap<>();

    @Override
    public Optional<Duration> blocked(String key, int limit) {
        Window window = windows.get(key);
        long now = System.nanoTime();
        if (window == null || window.endsAtNanos() - now <= 0 || window.failures() < limit) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(window.endsAtNanos() - now));
    }

    @Override
    public void recordFailure(String key, Duration window) {
        long now = System.nanoTime();
        if (windows.size() > MAX_KEYS) {
            windows.values().removeIf(w -> w.endsAtNanos() - now <= 0);
        }
        windows.compute(key, (k, current) -> current == null || current.endsAtNanos() - now <= 0
                ? new Window(1, now + window.toNanos())
                : new Window(current.failures() + 1, current.endsAtNanos()));
    }

    @Override
    public Optional<Duration> take(String key, ServerConfig.Rate rate) {
        if (buckets.size() > MAX_KEYS) {
            // A full bucket is the same as none: dropping it forgets nothing.
            buckets.values().removeIf(l -> l.bucket().getAvailableTokens() >= l.rate().count());
        }
        Limited limited = buckets.compute(key, (k, current) -> current != null && current.rate().equals(rate) ? current
                : new Limited(rate, Bucket.builder().addLimit(RateLimiter.bandwidth(rate)).build()));
        ConsumptionProbe probe = limited.bucket().tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }
}

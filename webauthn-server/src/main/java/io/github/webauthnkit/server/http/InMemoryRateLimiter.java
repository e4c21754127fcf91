package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.IntervalGate;
import io.github.webauthnkit.server.config.ServerConfig;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.local.LocalBucket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rate limits of a single server process. The addresses it keeps follow the heap ({@link #boundFor}): past the bound,
 * a call drops what is safe to forget (full buckets, ended windows), at most once a second for each map, so a flood
 * of addresses that keeps a map past its bound does not make every call scan all of it. Between two sweeps a map may
 * grow past its bound by the new addresses of that second.
 */
public final class InMemoryRateLimiter implements RateLimiter {
    /** The most addresses kept, whatever the heap. */
    public static final int MAX_KEYS = 200_000;
    /** The fewest, on the smallest heap. */
    public static final int MIN_KEYS = 5_000;
    /** An address's bucket (or failure window) with its key and map entry, rounded up. */
    static final int BYTES_PER_KEY = 512;
    /** Past the bound, each map is swept at most this often. */
    static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);

    private record Window(int failures, long endsAtNanos) {
    }

    private record Limited(ServerConfig.Rate rate, LocalBucket bucket) {
    }

    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Limited> buckets = new ConcurrentHashMap<>();
    private final int maxKeys;
    private final IntervalGate windowSweeps = new IntervalGate(SWEEP_INTERVAL);
    private final IntervalGate bucketSweeps = new IntervalGate(SWEEP_INTERVAL);

    /** @param maxKeys addresses kept in each of the two maps before the safe ones are dropped ({@link #boundFor}) */
    public InMemoryRateLimiter(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    /** The bound for a heap of {@code maxHeapBytes}: an eighth of it, between {@link #MIN_KEYS} and {@link #MAX_KEYS}. */
    public static int boundFor(long maxHeapBytes) {
        long fit = maxHeapBytes / 8 / BYTES_PER_KEY;
        return (int) Math.max(MIN_KEYS, Math.min(MAX_KEYS, fit));
    }

    /** The addresses kept now, buckets and failure windows. */
    int keys() {
        return buckets.size() + windows.size();
    }

    /** How many sweeps ran, of both maps. */
    long sweeps() {
        return windowSweeps.opened() + bucketSweeps.opened();
    }

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
        if (windows.size() > maxKeys && windowSweeps.open(now)) {
            windows.values().removeIf(w -> w.endsAtNanos() - now <= 0);
        }
        windows.compute(key, (k, current) -> current == null || current.endsAtNanos() - now <= 0
                ? new Window(1, now + window.toNanos())
                : new Window(current.failures() + 1, current.endsAtNanos()));
    }

    @Override
    public Optional<Duration> take(String key, ServerConfig.Rate rate) {
        if (buckets.size() > maxKeys && bucketSweeps.open(System.nanoTime())) {
            // A full bucket is the same as none: dropping it forgets nothing.
            buckets.values().removeIf(l -> l.bucket().getAvailableTokens() >= l.rate().count());
        }
        Limited limited = buckets.compute(key, (k, current) -> current != null && current.rate().equals(rate) ? current
                : new Limited(rate, Bucket.builder().addLimit(RateLimiter.bandwidth(rate)).build()));
        ConsumptionProbe probe = limited.bucket().tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }
}

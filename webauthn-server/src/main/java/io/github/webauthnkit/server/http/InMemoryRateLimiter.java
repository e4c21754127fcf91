package io.github.webauthnkit.server.http;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Rate limits of a single server process. */
public final class InMemoryRateLimiter implements RateLimiter {
    private static final int MAX_KEYS = 200_000;

    private record Window(int failures, long endsAtNanos) {
    }

    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

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
}

package io.github.webauthnkit.server.ceremonies;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Ceremony state of a single server process; bounded, so a flood of starts cannot exhaust memory. */
public final class InMemoryCeremonyStore implements CeremonyStore {
    private static final int MAX_PENDING = 100_000;

    private record Entry(String state, long expiresAtNanos) {
    }

    private final ConcurrentHashMap<String, Entry> pending = new ConcurrentHashMap<>();

    @Override
    public void put(String requestId, String state, Duration ttl) {
        long now = System.nanoTime();
        if (pending.size() >= MAX_PENDING) {
            pending.values().removeIf(e -> e.expiresAtNanos() - now <= 0);
            if (pending.size() >= MAX_PENDING) {
                throw new CeremonyException(CeremonyException.Reason.TOO_MANY_PENDING,
                        "Too many ceremonies are in progress; try again shortly.");
            }
        }
        pending.put(requestId, new Entry(state, now + ttl.toNanos()));
    }

    @Override
    public Optional<String> take(String requestId) {
        Entry entry = pending.remove(requestId);
        if (entry == null || entry.expiresAtNanos() - System.nanoTime() <= 0) {
            return Optional.empty();
        }
        return Optional.of(entry.state());
    }

    @Override
    public void ping() {
        // Always available in-process.
    }

    @Override
    public void close() {
        pending.clear();
    }
}

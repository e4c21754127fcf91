package io.github.webauthnkit.server.ceremonies;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ceremony state of a single server process; bounded in all and per client, so a flood of starts cannot exhaust
 * memory, and one client cannot fill the store for everyone. The bound in all follows the heap ({@link #boundFor}): a
 * pending registration holds about 1.2 KB (measured with 20,000 of them), so 100,000 would not fit a small heap.
 */
public final class InMemoryCeremonyStore implements CeremonyStore {
    /** The most ceremonies pending in all, whatever the heap. */
    public static final int MAX_PENDING = 100_000;
    /** The fewest, on the smallest heap: well above what a busy server has in flight. */
    public static final int MIN_PENDING = 2_000;
    /** A pending ceremony's heap, with room for a long list of credentials in its options. */
    static final int BYTES_PER_PENDING = 1_536;
    /** Expired entries are swept on every this many starts, so clients that never come back leave nothing behind. */
    private static final int SWEEP_EVERY = 4096;

    private record Entry(String state, String client, long expiresAtNanos) {
    }

    private final int pendingPerClient;
    private final int maxPending;
    private final ConcurrentHashMap<String, Entry> pending = new ConcurrentHashMap<>();
    /** Each client's pending request ids and when they expire, oldest first. */
    private final ConcurrentHashMap<String, Map<String, Long>> byClient = new ConcurrentHashMap<>();
    private final AtomicLong puts = new AtomicLong();

    /**
     * @param pendingPerClient how many ceremonies one client may have pending
     * @param maxPending       how many all clients may have pending ({@link #boundFor} the heap)
     */
    public InMemoryCeremonyStore(int pendingPerClient, int maxPending) {
        this.pendingPerClient = pendingPerClient;
        this.maxPending = maxPending;
    }

    /**
     * The bound in all for a heap of {@code maxHeapBytes} ({@code Runtime.maxMemory()}): a quarter of it for pending
     * ceremonies, between {@link #MIN_PENDING} and {@link #MAX_PENDING}; the rest stays for requests in flight, the
     * rate limits, the embedded database's cache and the server itself.
     */
    public static int boundFor(long maxHeapBytes) {
        long fit = maxHeapBytes / 4 / BYTES_PER_PENDING;
        return (int) Math.max(MIN_PENDING, Math.min(MAX_PENDING, fit));
    }

    /** How many ceremonies all clients may have pending. */
    public int maxPending() {
        return maxPending;
    }

    @Override
    public void put(String requestId, String client, String state, Duration ttl) {
        long now = System.nanoTime();
        if (pending.size() >= maxPending || puts.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep(now);
            if (pending.size() >= maxPending) {
                throw new CeremonyException(CeremonyException.Reason.TOO_MANY_PENDING,
                        "Too many ceremonies are in progress; try again shortly.");
            }
        }
        long expires = now + ttl.toNanos();
        byClient.compute(client, (k, ids) -> {
            Map<String, Long> current = ids == null ? new LinkedHashMap<>() : ids;
            current.values().removeIf(at -> at - now <= 0);
            if (current.size() >= pendingPerClient) {
                throw new PendingLimitException(Duration.ofNanos(current.values().iterator().next() - now));
            }
            current.put(requestId, expires);
            return current;
        });
        pending.put(requestId, new Entry(state, client, expires));
    }

    @Override
    public Optional<String> take(String requestId) {
        Entry entry = pending.remove(requestId);
        if (entry == null) {
            return Optional.empty();
        }
        byClient.computeIfPresent(entry.client(), (k, ids) -> {
            ids.remove(requestId);
            return ids.isEmpty() ? null : ids;
        });
        return entry.expiresAtNanos() - System.nanoTime() <= 0 ? Optional.empty() : Optional.of(entry.state());
    }

    private void sweep(long now) {
        pending.values().removeIf(e -> e.expiresAtNanos() - now <= 0);
        for (String client : byClient.keySet()) {
            byClient.computeIfPresent(client, (k, ids) -> {
                ids.values().removeIf(at -> at - now <= 0);
                return ids.isEmpty() ? null : ids;
            });
        }
    }

    @Override
    public void ping() {
        // Always available in-process.
    }

    @Override
    public void close() {
        pending.clear();
        byClient.clear();
    }
}

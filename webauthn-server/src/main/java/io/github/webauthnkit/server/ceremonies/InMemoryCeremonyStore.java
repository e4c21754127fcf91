package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.SweepGate;
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
 *
 * <p>The bound counts places of {@link #BYTES_PER_PENDING} bytes, not ceremonies: a state takes as many places as its
 * size needs ({@link #places}). A sign-in start for an account with many passkeys lists all their ids (up to 1023
 * bytes each), so one such start can hold twenty times a registration's heap; counted as one, a flood of them would
 * run the heap out long before the bound.
 */
public final class InMemoryCeremonyStore implements CeremonyStore {
    /** The most places (registrations) pending in all, whatever the heap. */
    public static final int MAX_PENDING = 100_000;
    /** The fewest, on the smallest heap: well above what a busy server has in flight. */
    public static final int MIN_PENDING = 2_000;
    /** A place in the bound: a pending registration's heap, with room to spare. */
    static final int BYTES_PER_PENDING = 1_536;
    /** A pending ceremony's heap besides its state's characters: the entry, its map nodes, its request id. */
    static final int BYTES_PER_ENTRY = 512;
    /** Expired entries are swept on every this many starts, so clients that never come back leave nothing behind. */
    private static final int SWEEP_EVERY = 4096;
    /** When full, a start sweeps at most this often; the others are refused without scanning every entry. */
    static final Duration FULL_SWEEP_INTERVAL = Duration.ofMillis(250);

    private record Entry(String state, String client, long expiresAtNanos, int places) {
    }

    /** A client's pending ceremony: when it expires and the places it takes. */
    private record Held(long expiresAtNanos, int places) {
    }

    private final int pendingPerClient;
    private final int maxPending;
    private final ConcurrentHashMap<String, Entry> pending = new ConcurrentHashMap<>();
    /** Each client's pending request ids, oldest first, with when they expire and their places. */
    private final ConcurrentHashMap<String, Map<String, Held>> byClient = new ConcurrentHashMap<>();
    private final AtomicLong puts = new AtomicLong();
    /** The places the pending entries take (and those reserved by starts in progress), at most {@link #maxPending}. */
    private final AtomicLong taken = new AtomicLong();
    private final SweepGate fullSweeps = new SweepGate(FULL_SWEEP_INTERVAL);

    /**
     * @param pendingPerClient how many places one client's pending ceremonies may take (as many registrations; one
     *                         ceremony always, whatever its size): a client cannot fill the store faster with large
     *                         ones
     * @param maxPending       how many places all clients' pending ceremonies may take ({@link #boundFor} the heap)
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

    /** How many places all clients' pending ceremonies may take: as many registrations. */
    public int maxPending() {
        return maxPending;
    }

    /**
     * The places a state takes: its heap (a string keeps one byte a character when all are Latin-1, else two) with
     * the entry's own, in {@link #BYTES_PER_PENDING}s rounded up.
     */
    static int places(String state) {
        int bytesPerChar = 1;
        for (int i = 0; i < state.length(); i++) {
            if (state.charAt(i) > 0xFF) {
                bytesPerChar = 2;
                break;
            }
        }
        long bytes = BYTES_PER_ENTRY + (long) state.length() * bytesPerChar;
        return (int) Math.min(Integer.MAX_VALUE, (bytes + BYTES_PER_PENDING - 1) / BYTES_PER_PENDING);
    }

    /** The places the pending ceremonies take now. */
    long placesTaken() {
        return taken.get();
    }

    /** How many sweeps ran because the store was full. */
    long fullSweeps() {
        return fullSweeps.opened();
    }

    @Override
    public void put(String requestId, String client, String state, Duration ttl) {
        long now = System.nanoTime();
        int places = places(state);
        // Places are reserved before anything is stored, so starts racing for the last ones cannot pass the bound.
        if (!reserve(places)) {
            if (fullSweeps.open(now)) {
                sweep(now);
            }
            if (!reserve(places)) {
                throw new CeremonyException(CeremonyException.Reason.TOO_MANY_PENDING,
                        "Too many ceremonies are in progress; try again shortly.");
            }
        } else if (puts.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep(now);
        }
        long expires = now + ttl.toNanos();
        try {
            byClient.compute(client, (k, ids) -> {
                Map<String, Held> current = ids == null ? new LinkedHashMap<>() : ids;
                long held = 0;
                for (var it = current.values().iterator(); it.hasNext(); ) {
                    Held h = it.next();
                    if (h.expiresAtNanos() - now <= 0) {
                        it.remove();
                    } else {
                        held += h.places();
                    }
                }
                if (!current.isEmpty() && held + places > pendingPerClient) {
                    throw new PendingLimitException(Duration.ofNanos(
                            current.values().iterator().next().expiresAtNanos() - now));
                }
                current.put(requestId, new Held(expires, places));
                return current;
            });
        } catch (RuntimeException e) {
            taken.addAndGet(-places);
            throw e;
        }
        Entry replaced = pending.put(requestId, new Entry(state, client, expires, places));
        if (replaced != null) {
            taken.addAndGet(-replaced.places());
        }
    }

    /**
     * Takes the places if they fit under the bound; one ceremony always fits when nothing else is pending, so a state
     * larger than a small bound is not refused forever.
     */
    private boolean reserve(int places) {
        long after = taken.addAndGet(places);
        if (after > maxPending && after > places) {
            taken.addAndGet(-places);
            return false;
        }
        return true;
    }

    @Override
    public Optional<String> take(String requestId) {
        Entry entry = pending.remove(requestId);
        if (entry == null) {
            return Optional.empty();
        }
        taken.addAndGet(-entry.places());
        byClient.computeIfPresent(entry.client(), (k, ids) -> {
            ids.remove(requestId);
            return ids.isEmpty() ? null : ids;
        });
        return entry.expiresAtNanos() - System.nanoTime() <= 0 ? Optional.empty() : Optional.of(entry.state());
    }

    private void sweep(long now) {
        for (Map.Entry<String, Entry> e : pending.entrySet()) {
            // Only the thread whose removal succeeds gives the places back.
            if (e.getValue().expiresAtNanos() - now <= 0 && pending.remove(e.getKey(), e.getValue())) {
                taken.addAndGet(-e.getValue().places());
            }
        }
        for (String client : byClient.keySet()) {
            byClient.computeIfPresent(client, (k, ids) -> {
                ids.values().removeIf(held -> held.expiresAtNanos() - now <= 0);
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
        taken.set(0);
    }
}

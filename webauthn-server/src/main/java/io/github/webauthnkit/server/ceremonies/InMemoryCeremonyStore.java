package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.IntervalGate;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ceremony state of a single server process; bounded in all and per client, so a flood of starts cannot exhaust
 * memory, and one client cannot fill the store for everyone. The bound in all follows the heap ({@link #boundFor}): a
 * pending registration holds about 1.2 KB (measured with 20,000 of them), so 100,000 would not fit a small heap.
 *
 * <p>The bound counts places of {@link #BYTES_PER_PENDING} bytes, not ceremonies: a state takes as many places as its
 * size needs ({@link #places}). A sign-in start for an account with many passkeys lists all their ids (up to 1023
 * bytes each), so one such start can hold twenty times a registration's heap; counted as one, a flood of them would
 * run the heap out long before the bound.
 *
 * <p>When the store is full, a new ceremony takes the place of the oldest one of the client that holds the most places,
 * in the network that holds the most (every network's share, and every client's in it, is then the same or nearly;
 * a network is an IPv6 /48, an IPv4 address alone). A flood from many addresses then takes the ceremonies of its own
 * addresses, each of which holds far more than a user's one or two, instead of refusing everyone's starts; to take a
 * user's ceremony, a flood needs as many networks as the bound has places (about 10,500 on the image's heap), each
 * holding as little as that user's. The shared store in Redis is bounded by Redis's memory instead.
 *
 * <p>One lock guards it all: a start or a complete holds it for a few map operations. Every state in a server has
 * the same timeout, so the oldest entry is also the first to expire, and expired ones are dropped from the front.
 */
public final class InMemoryCeremonyStore implements CeremonyStore {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryCeremonyStore.class);
    /** The most places (registrations) pending in all, whatever the heap. */
    public static final int MAX_PENDING = 100_000;
    /** The fewest, on the smallest heap: well above what a busy server has in flight. */
    public static final int MIN_PENDING = 2_000;
    /** A place in the bound: a pending registration's heap, with room to spare. */
    static final int BYTES_PER_PENDING = 1_536;
    /** A pending ceremony's heap besides its state's characters: the entry, its map nodes, its request id. */
    static final int BYTES_PER_ENTRY = 512;
    /** While the store is full, how often the log says so. */
    static final Duration FULL_LOG_INTERVAL = Duration.ofMinutes(1);

    private record Entry(String requestId, String state, String client, long expiresAtNanos, int places) {
    }

    /** What gives way first, a network or a client in it: the most places, then the earliest to come. */
    private abstract static class Share {
        static final Comparator<Share> HEAVIEST_FIRST = Comparator.comparingLong((Share h) -> -h.places)
                .thenComparingLong(h -> h.order);
        /** When it came (a count): of two holding as much, the earlier gives way. */
        final long order;
        long places;

        Share(long order) {
            this.order = order;
        }
    }

    /** One client's pending ceremonies, oldest first. */
    private static final class Held extends Share {
        final String key;
        final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
        final Network network;

        Held(long order, String key, Network network) {
            super(order);
            this.key = key;
            this.network = network;
        }
    }

    /** The clients of one network with pending ceremonies, heaviest first. */
    private static final class Network extends Share {
        final String key;
        final TreeSet<Held> clients = new TreeSet<>(HEAVIEST_FIRST);

        Network(long order, String key) {
            super(order);
            this.key = key;
        }
    }

    private final int pendingPerClient;
    private final int maxPending;
    private final ReentrantLock lock = new ReentrantLock();
    /** Every pending ceremony, oldest first. */
    private final LinkedHashMap<String, Entry> pending = new LinkedHashMap<>();
    private final Map<String, Held> byClient = new HashMap<>();
    private final Map<String, Network> byNetwork = new HashMap<>();
    /** The networks with pending ceremonies, heaviest first. */
    private final TreeSet<Network> heaviest = new TreeSet<>(Share.HEAVIEST_FIRST);
    private final Function<String, String> networkOf;
    private long sharesSeen;
    /** The places the pending entries take, at most {@link #maxPending} (or one ceremony's when it alone is larger). */
    private long taken;
    private final AtomicLong evicted = new AtomicLong();
    private final IntervalGate fullLog = new IntervalGate(FULL_LOG_INTERVAL);

    /**
     * @param pendingPerClient how many places one client's pending ceremonies may take (as many registrations; one
     *                         ceremony always, whatever its size): a client cannot fill the store faster with large
     *                         ones
     * @param maxPending       how many places all clients' pending ceremonies may take ({@link #boundFor} the heap)
     * @param networkOf        the network of a client, whose clients share a full store's places as one
     */
    public InMemoryCeremonyStore(int pendingPerClient, int maxPending, Function<String, String> networkOf) {
        this.pendingPerClient = pendingPerClient;
        this.maxPending = maxPending;
        this.networkOf = networkOf;
    }

    /** A store in which every client is a network of its own. */
    public InMemoryCeremonyStore(int pendingPerClient, int maxPending) {
        this(pendingPerClient, maxPending, Function.identity());
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

    /** How many pending ceremonies gave way to newer ones because the store was full. */
    public long evicted() {
        return evicted.get();
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
        lock.lock();
        try {
            return taken;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void put(String requestId, String client, String state, Duration ttl) {
        int places = places(state);
        long now = System.nanoTime();
        Entry entry = new Entry(requestId, state, client, now + ttl.toNanos(), places);
        int gaveWay = 0;
        lock.lock();
        try {
            dropExpired(now);
            // One ceremony always fits, whatever its size: a large sign-in is not refused by a small limit.
            Held mine = byClient.get(client);
            if (mine != null && mine.places + places > pendingPerClient) {
                throw new PendingLimitException(Duration.ofNanos(
                        mine.entries.values().iterator().next().expiresAtNanos() - now));
            }
            Entry replaced = pending.remove(requestId);
            if (replaced != null) {
                release(replaced);
            }
            // The oldest of the heaviest client in the heaviest network give way until the new one fits; alone, it fits
            // whatever its size.
            while (taken + places > maxPending && !heaviest.isEmpty()) {
                Held victim = heaviest.first().clients.first();
                Entry old = victim.entries.values().iterator().next();
                pending.remove(old.requestId());
                release(old);
                gaveWay++;
            }
            pending.put(requestId, entry);
            Held held = byClient.get(client);
            if (held == null) {
                String key = networkOf.apply(client);
                Network network = byNetwork.get(key);
                if (network == null) {
                    network = new Network(sharesSeen++, key);
                    byNetwork.put(key, network);
                }
                held = new Held(sharesSeen++, client, network);
                byClient.put(client, held);
            }
            held.entries.put(requestId, entry);
            add(held, places);
        } finally {
            lock.unlock();
        }
        if (gaveWay > 0) {
            long total = evicted.addAndGet(gaveWay);
            if (fullLog.open(now)) {
                LOG.atWarn().addKeyValue("event", "ceremony_store_full").addKeyValue("max_pending", maxPending)
                        .addKeyValue("evicted_total", total)
                        .log("The ceremony store is full: unfinished ceremonies of the clients holding the most give way"
                                + " to new ones (" + total + " so far); starts from many addresses, or"
                                + " WEBAUTHN_PENDING_LIMIT too small for this server's load");
            }
        }
    }

    @Override
    public Optional<String> take(String requestId) {
        Entry entry;
        lock.lock();
        try {
            entry = pending.remove(requestId);
            if (entry != null) {
                release(entry);
            }
        } finally {
            lock.unlock();
        }
        return entry == null || entry.expiresAtNanos() - System.nanoTime() <= 0
                ? Optional.empty() : Optional.of(entry.state());
    }

    /** Drops the expired entries at the front, the oldest; with one timeout for all, that is all of them. */
    private void dropExpired(long now) {
        for (Iterator<Entry> oldest = pending.values().iterator(); oldest.hasNext(); ) {
            Entry old = oldest.next();
            if (old.expiresAtNanos() - now > 0) {
                return;
            }
            oldest.remove();
            release(old);
        }
    }

    /** Gives back the places of an entry already removed from {@link #pending}. */
    private void release(Entry entry) {
        Held held = byClient.get(entry.client());
        held.entries.remove(entry.requestId());
        add(held, -entry.places());
    }

    /**
     * Adds places to a client and its network (or takes them, when negative), keeping both in their order; a client
     * or network left with none is forgotten.
     */
    private void add(Held held, long places) {
        Network network = held.network;
        heaviest.remove(network);
        network.clients.remove(held);
        held.places += places;
        network.places += places;
        taken += places;
        if (held.entries.isEmpty()) {
            byClient.remove(held.key);
        } else {
            network.clients.add(held);
        }
        if (network.clients.isEmpty()) {
            byNetwork.remove(network.key);
        } else {
            heaviest.add(network);
        }
    }

    @Override
    public void ping() {
        // Always available in-process.
    }

    @Override
    public void close() {
        lock.lock();
        try {
            pending.clear();
            byClient.clear();
            byNetwork.clear();
            heaviest.clear();
            taken = 0;
        } finally {
            lock.unlock();
        }
    }
}

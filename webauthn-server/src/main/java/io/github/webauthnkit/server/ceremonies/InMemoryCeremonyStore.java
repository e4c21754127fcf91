package io.github.webauthnkit.server.ceremonies;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

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
 * <p>When the store is full, a new ceremony takes the place of another, chosen by shares: the network holding the most
 * places (for IPv6 a /32, then the /48 in it holding the most; for IPv4 a /24), then the client in it holding the
 * most, and that client's oldest ceremony (of two holding as much, the earlier gives way). Every network's share, and
 * every client's in it, is then the same or nearly. A flood from many addresses then takes the ceremonies of its own
 * addresses, each of which holds far more than a user's one or two, instead of refusing everyone's starts; to take a
 * user's ceremony, a flood needs about as many networks as the bound has places (about 10,500 on the image's heap),
 * each holding as little as that user's. Who holds more gives way sooner: many users pending behind one NAT address,
 * or a sign-in that lists many long passkey ids. The shared store in Redis gives way by the same shares
 * ({@link RedisCeremonyStore}).
 *
 * <p>One lock guards it all: a start or a complete holds it for a few map operations. Every state in a server has
 * the same timeout, so the oldest entry is also the first to expire, and expired ones are dropped from the front.
 */
public final class InMemoryCeremonyStore implements CeremonyStore {
    /** The most places (registrations) pending in all, whatever the heap. */
    public static final int MAX_PENDING = 100_000;
    /** The fewest, on the smallest heap: well above what a busy server has in flight. */
    public static final int MIN_PENDING = 2_000;
    /** A place in the bound: a pending registration's heap, with room to spare. */
    static final int BYTES_PER_PENDING = 1_536;
    /**
     * A pending ceremony's heap besides its state's characters: the entry, its map nodes, its request id, and its share
     * of its client's and networks' bookkeeping. Measured: about 300 bytes from one client, 600 from many addresses
     * of shared /24s, 1.3 KB when every ceremony comes from a /32 of its own; that last shape, which costs its sender
     * a /32 a start, then takes about a third of the heap at the bound instead of a quarter (HeapBoundApiTest).
     */
    static final int BYTES_PER_ENTRY = 512;

    private record Entry(String requestId, String state, Share client, long expiresAtNanos, int places) {
    }

    /**
     * A node of the tree a full store's places are shared out by: the root, a network, or a client (a leaf, with its
     * pending ceremonies, oldest first). Its places are those of its ceremonies, or of its children's.
     */
    private static final class Share {
        /** What gives way first: the most places, then the earliest to come. */
        static final Comparator<Share> HEAVIEST_FIRST = Comparator.comparingLong((Share h) -> -h.places)
                .thenComparingLong(h -> h.order);
        final String key;
        final Share parent;
        /** When it came (a count): of two holding as much, the earlier gives way. */
        final long order;
        /** Changed only while the share is out of its parent's {@link #children}, whose order it decides. */
        long places;
        /** A network's children by key and in their order; null for a client. */
        final Map<String, Share> byKey;
        final TreeSet<Share> children;
        /** A client's pending ceremonies, oldest first; null for a network. */
        final LinkedHashMap<String, Entry> entries;

        Share(String key, Share parent, long order, boolean client) {
            this.key = key;
            this.parent = parent;
            this.order = order;
            this.byKey = client ? null : new HashMap<>();
            this.children = client ? null : new TreeSet<>(HEAVIEST_FIRST);
            this.entries = client ? new LinkedHashMap<>() : null;
        }

        /** The client whose ceremony gives way: the heaviest child at every level down (a network holding places). */
        Share heaviestClient() {
            Share share = this;
            while (share.children != null) {
                share = share.children.first();
            }
            return share;
        }
    }

    private final int pendingPerClient;
    private final int maxPending;
    private final ReentrantLock lock = new ReentrantLock();
    /** Every pending ceremony, oldest first. */
    private final LinkedHashMap<String, Entry> pending = new LinkedHashMap<>();
    /** The tree of shares; its places are those all pending ceremonies take. */
    private final Share root = new Share("", null, 0, false);
    private final Function<String, List<String>> networksOf;
    private long sharesSeen;
    private final Evictions evictions = new Evictions();

    /**
     * @param pendingPerClient how many places one client's pending ceremonies may take (as many registrations; one
     *                         ceremony always, whatever its size): a client cannot fill the store faster with large
     *                         ones
     * @param maxPending       how many places all clients' pending ceremonies may take ({@link #boundFor} the heap)
     * @param networksOf       the networks a client belongs to, widest first, whose clients share a full store's
     *                         places as one
     */
    public InMemoryCeremonyStore(int pendingPerClient, int maxPending, Function<String, List<String>> networksOf) {
        this.pendingPerClient = pendingPerClient;
        this.maxPending = maxPending;
        this.networksOf = networksOf;
    }

    /** A store in which every client is a network of its own. */
    public InMemoryCeremonyStore(int pendingPerClient, int maxPending) {
        this(pendingPerClient, maxPending, client -> List.of());
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

    @Override
    public long evicted() {
        return evictions.total();
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
            return root.places;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void put(String requestId, String client, String state, Duration ttl) {
        int places = places(state);
        // Outside the lock, and before anything changes: what may fail or take time.
        List<String> networks = networksOf.apply(client);
        long now = System.nanoTime();
        int gaveWay = 0;
        lock.lock();
        try {
            dropExpired(now);
            // One ceremony always fits, whatever its size: a large sign-in is not refused by a small limit.
            Share mine = find(networks, client);
            if (mine != null && mine.places + places > pendingPerClient) {
                throw new PendingLimitException(Duration.ofNanos(
                        mine.entries.values().iterator().next().expiresAtNanos() - now));
            }
            Entry replaced = pending.remove(requestId);
            if (replaced != null) {
                release(replaced);
            }
            // The heaviest client's oldest give way until the new one fits; alone, it fits whatever its size.
            while (root.places + places > maxPending && !root.children.isEmpty()) {
                Entry old = root.heaviestClient().entries.values().iterator().next();
                pending.remove(old.requestId());
                release(old);
                gaveWay++;
            }
            Share parent = root;
            for (String network : networks) {
                parent = child(parent, network, false);
            }
            Share leaf = child(parent, client, true);
            Entry entry = new Entry(requestId, state, leaf, now + ttl.toNanos(), places);
            pending.put(requestId, entry);
            leaf.entries.put(requestId, entry);
            add(leaf, places);
        } finally {
            lock.unlock();
        }
        evictions.record(gaveWay, maxPending);
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
        entry.client().entries.remove(entry.requestId());
        add(entry.client(), -entry.places());
    }

    /** A client's share under its networks, or null when it holds nothing. */
    private Share find(List<String> networks, String client) {
        Share share = root;
        for (String network : networks) {
            share = share.byKey.get(network);
            if (share == null) {
                return null;
            }
        }
        return share.byKey.get(client);
    }

    /** The child of a share by its key, new when it has none yet (it joins its parent's order once it holds places). */
    private Share child(Share parent, String key, boolean client) {
        Share child = parent.byKey.get(key);
        if (child == null) {
            child = new Share(key, parent, ++sharesSeen, client);
            parent.byKey.put(key, child);
        }
        return child;
    }

    /**
     * Adds places to a client and every network above it (or takes them, when negative), keeping each in its parent's
     * order; a share left with none is forgotten.
     */
    private void add(Share leaf, long places) {
        for (Share share = leaf; share.parent != null; share = share.parent) {
            share.parent.children.remove(share);
        }
        for (Share share = leaf; share != null; share = share.parent) {
            share.places += places;
        }
        for (Share share = leaf; share.parent != null; share = share.parent) {
            if (share.places > 0) {
                share.parent.children.add(share);
            } else {
                share.parent.byKey.remove(share.key);
            }
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
            root.byKey.clear();
            root.children.clear();
            root.places = 0;
        } finally {
            lock.unlock();
        }
    }
}

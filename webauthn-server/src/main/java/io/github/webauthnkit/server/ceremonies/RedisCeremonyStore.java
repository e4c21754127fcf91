package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.storage.StoreUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Ceremony state shared by every replica: a ceremony started on one completes on any other. Entries expire with
 * the ceremony timeout, and a script takes one atomically, so of two replicas completing the same request at once
 * exactly one gets the state.
 *
 * <p>It is bounded as the in-memory store is, in places ({@link InMemoryCeremonyStore#places}), and the same script
 * that stores a state checks both bounds, so they hold across replicas:
 * <ul>
 *   <li>per client: each client's pending request ids are a sorted set scored by expiry, with the places each takes;
 *   <li>in all: when every place is taken, a start takes the place of another ceremony, chosen by shares as in
 *       memory (the network holding the most, then the client in it holding the most, then its oldest ceremony).
 *       The bound sits well below Redis's own memory limit, so Redis never has to evict keys of its own choosing
 *       (the oldest ceremonies, which are the users', and the rate limits).
 * </ul>
 * The script is {@code webauthn-server/redis/ceremonies.lua}; its keys, which share no hash slot, need one Redis, not a
 * cluster.
 */
public final class RedisCeremonyStore implements CeremonyStore {
    /**
     * The places all replicas' pending ceremonies may take when {@code WEBAUTHN_PENDING_LIMIT} is empty. A place of
     * Redis was measured at 2.1 KB (states of 1 KB from 100 addresses of four networks) to 3.0 KB (each from an
     * IPv6 /32 of its own, the most bookkeeping), so this bound holds 63 to 91 MB; the production stack gives Redis
     * 192 MB, whose rest holds the rate limits.
     */
    public static final int DEFAULT_PENDING = 30_000;
    private static final String SCRIPT = script();

    private final JedisPooled redis;
    private final int pendingPerClient;
    private final int maxPending;
    private final Function<String, List<String>> networksOf;
    private final Evictions evictions = new Evictions();
    private volatile String sha;

    /**
     * @param pendingPerClient how many places one client's pending ceremonies may take, across every replica: as
     *                         many registrations, fewer large sign-ins
     * @param maxPending       how many places all clients' pending ceremonies may take, across every replica
     * @param networksOf       the networks a client belongs to, widest first, whose clients share a full store's
     *                         places as one
     */
    public RedisCeremonyStore(JedisPooled redis, int pendingPerClient, int maxPending,
                              Function<String, List<String>> networksOf) {
        this.redis = redis;
        this.pendingPerClient = pendingPerClient;
        this.maxPending = maxPending;
        this.networksOf = networksOf;
    }

    /** A store of {@link #DEFAULT_PENDING} places in which every client is a network of its own. */
    public RedisCeremonyStore(JedisPooled redis, int pendingPerClient) {
        this(redis, pendingPerClient, DEFAULT_PENDING, client -> List.of());
    }

    /** How many places all clients' pending ceremonies may take. */
    public int maxPending() {
        return maxPending;
    }

    @Override
    public void put(String requestId, String client, String state, Duration ttl) {
        List<String> networks = networksOf.apply(client);
        // The script keeps a ceremony's client and networks as words of one value.
        List<String> words = new ArrayList<>(networks);
        words.add(client);
        for (String word : words) {
            if (word.isEmpty() || word.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("A client or network key is empty or has white space: " + word);
            }
        }
        List<?> answer = (List<?>) run(List.of("put", requestId, state, Long.toString(ttl.toMillis()),
                Integer.toString(pendingPerClient), client, Integer.toString(InMemoryCeremonyStore.places(state)),
                Integer.toString(maxPending), String.join(" ", networks)));
        long code = (Long) answer.get(0);
        if (code >= 0) {
            throw new PendingLimitException(Duration.ofMillis(code));
        }
        evictions.record((Long) answer.get(1), maxPending);
    }

    @Override
    public Optional<String> take(String requestId) {
        return Optional.ofNullable((String) run(List.of("take", requestId)));
    }

    @Override
    public long evicted() {
        return evictions.total();
    }

    @Override
    public void ping() {
        try {
            redis.ping();
        } catch (JedisException e) {
            throw unavailable(e);
        }
    }

    @Override
    public void close() {
        redis.close();
    }

    /** Runs the script by its digest, sending it whole only when Redis does not have it (the first time, a restart). */
    private Object run(List<String> args) {
        try {
            String known = sha;
            if (known != null) {
                try {
                    return redis.evalsha(known, List.of(), args);
                } catch (JedisNoScriptException e) {
                    // Redis restarted or its script cache was flushed: load it again below.
                }
            }
            sha = redis.scriptLoad(SCRIPT);
            return redis.evalsha(sha, List.of(), args);
        } catch (JedisException e) {
            throw unavailable(e);
        }
    }

    private static String script() {
        try (InputStream in = RedisCeremonyStore.class.getResourceAsStream("/webauthn-server/redis/ceremonies.lua")) {
            if (in == null) {
                throw new IllegalStateException("webauthn-server/redis/ceremonies.lua is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static StoreUnavailableException unavailable(JedisException e) {
        return new StoreUnavailableException("Redis did not answer: " + e.getMessage(), e);
    }
}

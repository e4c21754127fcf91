package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.IntervalGate;
import io.github.webauthnkit.server.storage.RedisScript;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import redis.clients.jedis.JedisPooled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

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
 *       The bound sits well below Redis's own memory limit, so a flood of starts alone does not make Redis evict
 *       keys of its own choosing (the oldest ceremonies, which are the users', and the rate limits). Should Redis
 *       lose part of the bookkeeping anyway, the next start counts again from what is left.
 * </ul>
 * The script is {@code webauthn-server/redis/ceremonies.lua}; its keys, which share no hash slot, need one Redis, not a
 * cluster.
 */
public final class RedisCeremonyStore implements CeremonyStore {
    private static final Logger LOG = LoggerFactory.getLogger(CeremonyStore.class);
    /**
     * The places all replicas' pending ceremonies may take when {@code WEBAUTHN_PENDING_LIMIT} is empty. A place of
     * Redis was measured at 2.2 KB (states of 1 KB from 100 addresses of four networks) to 3.2 KB (each from an
     * IPv6 /32 of its own, the most bookkeeping), so this bound holds 62 to 92 MiB; the production stack gives Redis
     * 192 MB, whose rest holds the rate limits.
     */
    public static final int DEFAULT_PENDING = 30_000;
    private static final RedisScript SCRIPT = RedisScript.resource("/webauthn-server/redis/ceremonies.lua");

    private final JedisPooled redis;
    private final int pendingPerClient;
    private final int maxPending;
    private final Function<String, List<String>> networksOf;
    private final Evictions evictions = new Evictions();
    private final IntervalGate repairLog = new IntervalGate(Duration.ofMinutes(1));

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
        if ((Long) answer.get(2) == 1 && repairLog.open(System.nanoTime())) {
            LOG.atWarn().addKeyValue("event", "ceremony_bookkeeping_repaired")
                    .log("Redis had lost part of the ceremony store's bookkeeping (evicted for memory, or deleted), and"
                            + " it was counted again; give Redis more memory or a lower WEBAUTHN_PENDING_LIMIT");
        }
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
            throw RedisScript.unavailable(e);
        }
    }

    @Override
    public void close() {
        redis.close();
    }

    private Object run(List<String> args) {
        return SCRIPT.run(redis, List.of(), args);
    }
}

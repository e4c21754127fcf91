package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.storage.StoreUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Ceremony state shared by every replica: a ceremony started on one completes on any other. Entries expire with
 * the ceremony timeout, and a script takes one atomically, so of two replicas completing the same request at once
 * exactly one gets the state. Each client's pending request ids are a sorted set scored by expiry, checked and
 * added to in the same script as the state, so the bound per client holds across replicas.
 */
public final class RedisCeremonyStore implements CeremonyStore {
    private static final String PREFIX = "webauthn:ceremony:";
    private static final String CLIENT_PREFIX = "webauthn:ceremony-client:";
    private static final String PENDING_PREFIX = "webauthn:pending:";
    /**
     * KEYS: state, client of the request, the client's pending set. ARGV: state, ttl ms, limit, request id, client.
     * Returns -1 when stored, else the milliseconds until the client's oldest pending ceremony expires.
     */
    private static final String PUT = "local t = redis.call('TIME') "
            + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
            + "redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) "
            + "if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[3]) then "
            + "  local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES') "
            + "  return math.max(0, tonumber(oldest[2]) - now) end "
            + "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') "
            + "redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[2]) "
            + "redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[4]) "
            + "redis.call('PEXPIRE', KEYS[3], ARGV[2]) "
            + "return -1";
    /**
     * KEYS: state, client of the request. ARGV: request id. Takes both at once and frees the request's place in its
     * client's pending set (a key named from the stored client: like the keys of PUT, which share no hash slot, it
     * needs one Redis, not a cluster). Returns the state, or nil if absent.
     */
    private static final String TAKE = "local state = redis.call('GETDEL', KEYS[1]) "
            + "local client = redis.call('GETDEL', KEYS[2]) "
            + "if client then redis.call('ZREM', '" + PENDING_PREFIX + "' .. client, ARGV[1]) end "
            + "return state";

    private final JedisPooled redis;
    private final int pendingPerClient;

    /** @param pendingPerClient how many ceremonies one client may have pending, across every replica */
    public RedisCeremonyStore(JedisPooled redis, int pendingPerClient) {
        this.redis = redis;
        this.pendingPerClient = pendingPerClient;
    }

    @Override
    public void put(String requestId, String client, String state, Duration ttl) {
        Object waitMillis;
        try {
            waitMillis = redis.eval(PUT, List.of(PREFIX + requestId, CLIENT_PREFIX + requestId, PENDING_PREFIX + client),
                    List.of(state, Long.toString(ttl.toMillis()), Integer.toString(pendingPerClient), requestId,
                            client));
        } catch (JedisException e) {
            throw unavailable(e);
        }
        if (waitMillis instanceof Long wait && wait >= 0) {
            throw new PendingLimitException(Duration.ofMillis(wait));
        }
    }

    @Override
    public Optional<String> take(String requestId) {
        try {
            return Optional.ofNullable((String) redis.eval(TAKE, List.of(PREFIX + requestId,
                    CLIENT_PREFIX + requestId), List.of(requestId)));
        } catch (JedisException e) {
            throw unavailable(e);
        }
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

    static StoreUnavailableException unavailable(JedisException e) {
        return new StoreUnavailableException("Redis did not answer: " + e.getMessage(), e);
    }
}

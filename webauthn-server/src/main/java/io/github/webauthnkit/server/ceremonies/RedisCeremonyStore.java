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
 * added to in the same script as the state, so the bound per client holds across replicas. The bound counts places, as
 * the in-memory store does: a sign-in listing twenty long passkey ids takes twenty, so one client cannot hold twenty
 * times the memory by starting large ones.
 */
public final class RedisCeremonyStore implements CeremonyStore {
    private static final String PREFIX = "webauthn:ceremony:";
    private static final String CLIENT_PREFIX = "webauthn:ceremony-client:";
    private static final String PENDING_PREFIX = "webauthn:pending:";
    /** A client's pending request ids with the places each takes, and their sum under the field {@code *}. */
    private static final String PLACES_PREFIX = "webauthn:pending-places:";
    /**
     * KEYS: state, client of the request, the client's pending set, the client's places. ARGV: state, ttl ms, limit in
     * places, request id, client, the state's places. Expired ids leave the set and give back their places first; a
     * client holding nothing may always start one. Returns -1 when stored, else the milliseconds until the client's
     * oldest pending ceremony expires (or -2 when the request id is taken already, which counts nothing twice).
     */
    private static final String PUT = "local t = redis.call('TIME') "
            + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
            + "for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do "
            + "  local p = redis.call('HGET', KEYS[4], id) "
            + "  if p then redis.call('HINCRBY', KEYS[4], '*', -tonumber(p)) redis.call('HDEL', KEYS[4], id) end end "
            + "redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) "
            + "local held = tonumber(redis.call('HGET', KEYS[4], '*') or '0') "
            + "if redis.call('ZCARD', KEYS[3]) > 0 and held + tonumber(ARGV[6]) > tonumber(ARGV[3]) then "
            + "  local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES') "
            + "  return math.max(0, tonumber(oldest[2]) - now) end "
            + "if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return -2 end "
            + "redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[2]) "
            + "redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[4]) "
            + "redis.call('PEXPIRE', KEYS[3], ARGV[2]) "
            + "if redis.call('ZCARD', KEYS[3]) == 1 then redis.call('DEL', KEYS[4]) end "
            + "redis.call('HSET', KEYS[4], ARGV[4], ARGV[6]) "
            + "redis.call('HINCRBY', KEYS[4], '*', tonumber(ARGV[6])) "
            + "redis.call('PEXPIRE', KEYS[4], ARGV[2]) "
            + "return -1";
    /**
     * KEYS: state, client of the request. ARGV: request id. Takes both at once and frees the request's places in its
     * client's pending set (keys named from the stored client: like the keys of PUT, which share no hash slot, they
     * need one Redis, not a cluster). Returns the state, or nil if absent.
     */
    private static final String TAKE = "local state = redis.call('GETDEL', KEYS[1]) "
            + "local client = redis.call('GETDEL', KEYS[2]) "
            + "if client then "
            + "  redis.call('ZREM', '" + PENDING_PREFIX + "' .. client, ARGV[1]) "
            + "  local places = '" + PLACES_PREFIX + "' .. client "
            + "  local p = redis.call('HGET', places, ARGV[1]) "
            + "  if p then redis.call('HINCRBY', places, '*', -tonumber(p)) redis.call('HDEL', places, ARGV[1]) end end "
            + "return state";

    private final JedisPooled redis;
    private final int pendingPerClient;

    /**
     * @param pendingPerClient how many places ({@link InMemoryCeremonyStore#places}) one client's pending ceremonies may
     *                         take, across every replica: as many registrations, fewer large sign-ins
     */
    public RedisCeremonyStore(JedisPooled redis, int pendingPerClient) {
        this.redis = redis;
        this.pendingPerClient = pendingPerClient;
    }

    @Override
    public void put(String requestId, String client, String state, Duration ttl) {
        Object waitMillis;
        try {
            waitMillis = redis.eval(PUT, List.of(PREFIX + requestId, CLIENT_PREFIX + requestId, PENDING_PREFIX + client,
                    PLACES_PREFIX + client), List.of(state, Long.toString(ttl.toMillis()),
                    Integer.toString(pendingPerClient), requestId, client,
                    Integer.toString(InMemoryCeremonyStore.places(state))));
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

package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.storage.StoreUnavailableException;
import java.time.Duration;
import java.util.Optional;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * Ceremony state shared by every replica: a ceremony started on one completes on any other. Entries expire with
 * the ceremony timeout, and GETDEL takes one atomically, so of two replicas completing the same request at once
 * exactly one gets the state.
 */
public final class RedisCeremonyStore implements CeremonyStore {
    private static final String PREFIX = "webauthn:ceremony:";

    private final JedisPooled redis;

    public RedisCeremonyStore(JedisPooled redis) {
        this.redis = redis;
    }

    @Override
    public void put(String requestId, String state, Duration ttl) {
        try {
            redis.set(PREFIX + requestId, state, SetParams.setParams().px(ttl.toMillis()).nx());
        } catch (JedisException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Optional<String> take(String requestId) {
        try {
            return Optional.ofNullable(redis.getDel(PREFIX + requestId));
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

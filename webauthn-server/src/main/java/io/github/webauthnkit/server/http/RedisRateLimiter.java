package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.storage.StoreUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisException;

/** Rate limits shared by every replica: one counter per key in Redis, expiring with its window. */
public final class RedisRateLimiter implements RateLimiter {
    private static final String PREFIX = "webauthn:failures:";
    /** Increments and starts the window on the first failure, in one atomic step. */
    private static final String RECORD = "local n = redis.call('INCR', KEYS[1]) "
            + "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";

    private final JedisPooled redis;

    public RedisRateLimiter(JedisPooled redis) {
        this.redis = redis;
    }

    @Override
    public Optional<Duration> blocked(String key, int limit) {
        try {
            String count = redis.get(PREFIX + key);
            if (count == null || Long.parseLong(count) < limit) {
                return Optional.empty();
            }
            long ttl = redis.pttl(PREFIX + key);
            return ttl > 0 ? Optional.of(Duration.ofMillis(ttl)) : Optional.empty();
        } catch (JedisException e) {
            throw new StoreUnavailableException("Redis did not answer: " + e.getMessage(), e);
        }
    }

    @Override
    public void recordFailure(String key, Duration window) {
        try {
            redis.eval(RECORD, List.of(PREFIX + key), List.of(Long.toString(window.toMillis())));
        } catch (JedisException e) {
            throw new StoreUnavailableException("Redis did not answer: " + e.getMessage(), e);
        }
    }

    @Override
    public void ping() {
        try {
            redis.ping();
        } catch (JedisException e) {
            throw new StoreUnavailableException("Redis did not answer: " + e.getMessage(), e);
        }
    }
}

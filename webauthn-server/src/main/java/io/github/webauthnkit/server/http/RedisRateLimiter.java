package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.storage.RedisScript;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Rate limits shared by every replica, in Redis: one failure counter per key, expiring with its window, and one token
 * bucket per key, expiring once it would be full again. A step's checks run in one script (by its digest): one round trip, atomic,
 * and timed by Redis's clock, so replicas whose clocks differ still refill a bucket alike.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final String PREFIX = "webauthn:failures:";
    /** Not Bucket4j's earlier {@code webauthn:bucket:} keys, which hold another format and expire on their own. */
    private static final String BUCKET_PREFIX = "webauthn:starts:";
    /** Increments and starts the window on the first failure, in one atomic step. */
    private static final RedisScript RECORD = new RedisScript("local n = redis.call('INCR', KEYS[1]) "
            + "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n");
    /**
     * KEYS: one per check, in order. ARGV: three per check: {@code f}, the limit, 0 for a failure counter; {@code b},
     * the capacity, the period in ms for a bucket (refilled continuously: capacity tokens per period). Stops at the
     * first refusal and returns {its 1-based index, ms until it passes}, or {0, 0} when every check passed.
     */
    private static final RedisScript ADMIT = new RedisScript("local t = redis.call('TIME') "
            + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
            + "for i, key in ipairs(KEYS) do "
            + "  local kind, a, b = ARGV[3 * i - 2], tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i]) "
            + "  if kind == 'f' then "
            + "    if tonumber(redis.call('GET', key) or '0') >= a then "
            + "      local ttl = redis.call('PTTL', key) "
            + "      if ttl > 0 then return {i, ttl} end "
            + "    end "
            + "  else "
            + "    local s = redis.call('HMGET', key, 'tokens', 'at') "
            + "    local elapsed = math.max(0, now - (tonumber(s[2]) or now)) "
            + "    local tokens = math.min(a, (tonumber(s[1]) or a) + elapsed * a / b) "
            + "    if tokens < 1 then return {i, math.ceil((1 - tokens) * b / a)} end "
            + "    tokens = tokens - 1 "
            + "    redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now) "
            + "    redis.call('PEXPIRE', key, math.max(1, math.ceil((a - tokens) * b / a))) "
            + "  end "
            + "end "
            + "return {0, 0}");

    private final JedisPooled redis;

    public RedisRateLimiter(JedisPooled redis) {
        this.redis = redis;
    }

    @Override
    public Optional<Refusal> admit(List<Check> checks) {
        List<String> keys = new ArrayList<>(checks.size());
        List<String> args = new ArrayList<>(checks.size() * 3);
        for (Check check : checks) {
            if (check instanceof Failures f) {
                keys.add(PREFIX + f.key());
                args.addAll(List.of("f", Integer.toString(f.limit()), "0"));
            } else {
                ServerConfig.Rate rate = ((Starts) check).rate();
                keys.add(BUCKET_PREFIX + check.key());
                args.addAll(List.of("b", Long.toString(rate.count()), Long.toString(rate.period().toMillis())));
            }
        }
        List<?> answer = (List<?>) ADMIT.run(redis, keys, args);
        int refused = ((Long) answer.get(0)).intValue();
        return refused == 0 ? Optional.empty()
                : Optional.of(new Refusal(checks.get(refused - 1), Duration.ofMillis((Long) answer.get(1))));
    }

    @Override
    public Optional<Duration> blocked(String key, int limit) {
        return admit(List.of(new Failures(key, limit))).map(Refusal::retryAfter);
    }

    @Override
    public void recordFailure(String key, Duration window) {
        RECORD.run(redis, List.of(PREFIX + key), List.of(Long.toString(window.toMillis())));
    }

    @Override
    public Optional<Duration> take(String key, ServerConfig.Rate rate) {
        return admit(List.of(new Starts(key, rate))).map(Refusal::retryAfter);
    }

    @Override
    public void ping() {
        try {
            redis.ping();
        } catch (JedisException e) {
            throw RedisScript.unavailable(e);
        }
    }
}

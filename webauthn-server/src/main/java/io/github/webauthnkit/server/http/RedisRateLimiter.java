package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.storage.StoreUnavailableException;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Rate limits shared by every replica: one counter per key in Redis, expiring with its window, and the token buckets
 * in Redis through Bucket4j (compare-and-swap), each expiring once it would be full again.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final String PREFIX = "webauthn:failures:";
    private static final String BUCKET_PREFIX = "webauthn:bucket:";
    /** Increments and starts the window on the first failure, in one atomic step. */
    private static final String RECORD = "local n = redis.call('INCR', KEYS[1]) "
            + "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";

    private final JedisPooled redis;
    private final ProxyManager<byte[]> buckets;

    public RedisRateLimiter(JedisPooled redis) {
        this.redis = redis;
        this.buckets = Bucket4jJedis.casBasedBuilder(redis)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofSeconds(10)))
                .build();
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
            throw unavailable(e);
        }
    }

    @Override
    public void recordFailure(String key, Duration window) {
        try {
            redis.eval(RECORD, List.of(PREFIX + key), List.of(Long.toString(window.toMillis())));
        } catch (JedisException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Optional<Duration> take(String key, ServerConfig.Rate rate) {
        try {
            // A changed rate (a new configuration) replaces the stored one, keeping the tokens the bucket has.
            ConsumptionProbe probe = buckets.builder()
                    .withImplicitConfigurationReplacement(rate.count() * 1_000_000_007L + rate.period().toMillis(),
                            TokensInheritanceStrategy.AS_IS)
                    .build((BUCKET_PREFIX + key).getBytes(StandardCharsets.UTF_8), () -> BucketConfiguration.builder()
                            .addLimit(RateLimiter.bandwidth(rate)).build())
                    .tryConsumeAndReturnRemaining(1);
            return probe.isConsumed() ? Optional.empty()
                    : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
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

    private static StoreUnavailableException unavailable(JedisException e) {
        return new StoreUnavailableException("Redis did not answer: " + e.getMessage(), e);
    }
}

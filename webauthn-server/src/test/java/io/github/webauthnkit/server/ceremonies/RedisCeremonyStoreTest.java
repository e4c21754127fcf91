package io.github.webauthnkit.server.ceremonies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.http.RateLimiter;
import io.github.webauthnkit.server.http.RedisRateLimiter;
import io.github.webauthnkit.server.storage.RedisClients;
import io.github.webauthnkit.server.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/** Ceremony state and rate limits in a real Redis, seen by two replicas (two independent connection pools). */
class RedisCeremonyStoreTest {
    private static RedisServer redis;
    private static ServerConfig config;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        config = ServerConfig.fromEnvironment(Map.of("WEBAUTHN_REDIS_URL", redis.url(),
                "WEBAUTHN_REDIS_PASSWORD_FILE", redis.passwordFile().toString()));
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    @Test
    void aCeremonyStartedOnOneReplicaIsTakenExactlyOnceAcrossReplicas() throws Exception {
        try (RedisCeremonyStore a = new RedisCeremonyStore(RedisClients.open(config), 100);
             RedisCeremonyStore b = new RedisCeremonyStore(RedisClients.open(config), 100)) {
            for (int round = 0; round < 50; round++) {
                String id = "race-" + round;
                a.put(id, "203.0.113.1", "{\"state\":" + round + "}", Duration.ofMinutes(1));
                CountDownLatch go = new CountDownLatch(1);
                ExecutorService pool = Executors.newFixedThreadPool(4);
                try {
                    List<Callable<Optional<String>>> takers = new ArrayList<>();
                    for (RedisCeremonyStore replica : List.of(a, b, a, b)) {
                        takers.add(() -> {
                            go.await();
                            return replica.take(id);
                        });
                    }
                    List<Future<Optional<String>>> results = new ArrayList<>();
                    for (Callable<Optional<String>> taker : takers) {
                        results.add(pool.submit(taker));
                    }
                    go.countDown();
                    long winners = 0;
                    for (Future<Optional<String>> result : results) {
                        winners += result.get().isPresent() ? 1 : 0;
                    }
                    assertThat(winners).as("round %d", round).isEqualTo(1);
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    @Test
    void stateExpiresWithTheCeremonyTimeout() throws Exception {
        try (RedisCeremonyStore store = new RedisCeremonyStore(RedisClients.open(config), 100)) {
            store.put("short-lived", "203.0.113.1", "{}", Duration.ofMillis(200));
            Thread.sleep(400);
            assertThat(store.take("short-lived")).isEmpty();
        }
    }

    /** One client's pending ceremonies are bounded across replicas; a completed one frees its place. */
    @Test
    void aClientsPendingCeremoniesAreBoundedAcrossReplicas() {
        try (RedisCeremonyStore a = new RedisCeremonyStore(RedisClients.open(config), 3);
             RedisCeremonyStore b = new RedisCeremonyStore(RedisClients.open(config), 3)) {
            String client = "198.51.100." + System.nanoTime() % 200;
            a.put("pending-1-" + client, client, "{}", Duration.ofMinutes(1));
            b.put("pending-2-" + client, client, "{}", Duration.ofMinutes(1));
            a.put("pending-3-" + client, client, "{}", Duration.ofMinutes(1));
            assertThatThrownBy(() -> b.put("pending-4-" + client, client, "{}", Duration.ofMinutes(1)))
                    .isInstanceOfSatisfying(PendingLimitException.class, e -> assertThat(e.retryAfter())
                            .isBetween(Duration.ofSeconds(50), Duration.ofMinutes(1)));
            b.put("pending-4-" + client + "-other", "203.0.113.99", "{}", Duration.ofMinutes(1));
            assertThat(b.take("pending-2-" + client)).contains("{}");
            a.put("pending-5-" + client, client, "{}", Duration.ofMinutes(1));
            assertThatThrownBy(() -> a.put("pending-6-" + client, client, "{}", Duration.ofMinutes(1)))
                    .isInstanceOf(PendingLimitException.class);
        }
    }

    /**
     * The bound counts places, as in memory: a sign-in listing twenty long passkey ids takes twenty, so one client
     * cannot hold a hundred of them (2.9 MB) where its limit means a hundred registrations (150 KB).
     */
    @Test
    void aClientsLimitCountsPlacesAcrossReplicas() throws Exception {
        String large = "x".repeat(29_000);
        try (RedisCeremonyStore a = new RedisCeremonyStore(RedisClients.open(config), 110);
             RedisCeremonyStore b = new RedisCeremonyStore(RedisClients.open(config), 110)) {
            String client = "198.51.100." + System.nanoTime() % 200 + "-places";
            for (int i = 0; i < 5; i++) {
                (i % 2 == 0 ? a : b).put("large-" + i + client, client, large, Duration.ofMinutes(1));
            }
            // 100 of its 110 places: a sixth large one does not fit, ten small ones do.
            assertThatThrownBy(() -> a.put("large-5" + client, client, large, Duration.ofMinutes(1)))
                    .isInstanceOf(PendingLimitException.class);
            for (int i = 0; i < 10; i++) {
                b.put("small-" + i + client, client, "{}", Duration.ofMinutes(1));
            }
            assertThatThrownBy(() -> a.put("small-10" + client, client, "{}", Duration.ofMinutes(1)))
                    .isInstanceOf(PendingLimitException.class);
            // A completed one gives its twenty places back, on any replica.
            assertThat(b.take("large-0" + client)).contains(large);
            a.put("large-5" + client, client, large, Duration.ofMinutes(1));
        }
        try (RedisCeremonyStore strict = new RedisCeremonyStore(RedisClients.open(config), 10)) {
            // One ceremony always fits, whatever its size; expired ones give their places back.
            String client = "192.0.2." + System.nanoTime() % 200 + "-strict";
            strict.put("one" + client, client, large, Duration.ofMillis(300));
            assertThatThrownBy(() -> strict.put("two" + client, client, "{}", Duration.ofMinutes(1)))
                    .isInstanceOf(PendingLimitException.class);
            Thread.sleep(500);
            strict.put("two" + client, client, "{}", Duration.ofMinutes(1));
            for (int i = 0; i < 9; i++) {
                strict.put("more-" + i + client, client, "{}", Duration.ofMinutes(1));
            }
            assertThatThrownBy(() -> strict.put("eleventh" + client, client, "{}", Duration.ofMinutes(1)))
                    .isInstanceOf(PendingLimitException.class);
        }
    }

    /** A request id stored a second time is not counted twice (request ids are random, so this is a guard). */
    @Test
    void aRequestIdStoredAgainCountsOnce() {
        try (RedisCeremonyStore store = new RedisCeremonyStore(RedisClients.open(config), 3)) {
            String client = "192.0.2." + System.nanoTime() % 200 + "-again";
            store.put("other" + client, client, "{}", Duration.ofMinutes(1));
            store.put("same" + client, client, "{\"first\": true}", Duration.ofMinutes(1));
            store.put("same" + client, client, "{}", Duration.ofMinutes(1));
            assertThat(store.take("same" + client)).contains("{\"first\": true}");
            store.put("next-1" + client, client, "{}", Duration.ofMinutes(1));
            store.put("next-2" + client, client, "{}", Duration.ofMinutes(1));
            assertThatThrownBy(() -> store.put("next-3" + client, client, "{}", Duration.ofMinutes(1)))
                    .isInstanceOf(PendingLimitException.class);
        }
    }

    @Test
    void expiredCeremoniesNoLongerCountAsPending() throws Exception {
        try (RedisCeremonyStore store = new RedisCeremonyStore(RedisClients.open(config), 1)) {
            store.put("expiring-1", "192.0.2.77", "{}", Duration.ofMillis(200));
            assertThatThrownBy(() -> store.put("expiring-2", "192.0.2.77", "{}", Duration.ofMillis(200)))
                    .isInstanceOf(PendingLimitException.class);
            Thread.sleep(400);
            store.put("expiring-3", "192.0.2.77", "{}", Duration.ofMillis(200));
        }
    }

    /** The start buckets (a script in Redis) are one per client for every replica. */
    @Test
    void startBucketsAreSharedAcrossReplicas() {
        try (JedisPooled one = RedisClients.open(config); JedisPooled two = RedisClients.open(config)) {
            RedisRateLimiter a = new RedisRateLimiter(one);
            RedisRateLimiter b = new RedisRateLimiter(two);
            ServerConfig.Rate rate = new ServerConfig.Rate(4, Duration.ofMinutes(1));
            String key = "start:" + System.nanoTime();
            for (RedisRateLimiter replica : List.of(a, b, a, b)) {
                assertThat(replica.take(key, rate)).isEmpty();
            }
            assertThat(a.take(key, rate)).get().matches(d -> d.toSeconds() >= 10 && d.toSeconds() <= 15);
            assertThat(b.take(key, rate)).isPresent();
            assertThat(b.take(key + "-other", rate)).isEmpty();
        }
    }

    /**
     * A step's limits are one script: the checks run in order, the first refusal stops them (a blocked address takes
     * no start token), and the whole step is one round trip (one command borrows one pooled connection).
     */
    @Test
    void aStepsLimitsAreCheckedInOneRoundTripAndStopAtTheFirstRefusal() {
        try (JedisPooled one = RedisClients.open(config)) {
            RedisRateLimiter limiter = new RedisRateLimiter(one);
            String client = "192.0.2." + System.nanoTime() % 200;
            ServerConfig.Rate rate = new ServerConfig.Rate(2, Duration.ofMinutes(1));
            List<RateLimiter.Check> start = List.of(new RateLimiter.Failures("address:" + client, 2),
                    new RateLimiter.Failures("username:alice|" + client, 2),
                    new RateLimiter.Starts("start:" + client, rate));
            long before = one.getPool().getBorrowedCount();
            assertThat(limiter.admit(start)).isEmpty();
            assertThat(one.getPool().getBorrowedCount() - before).as("round trips for one step's three checks")
                    .isEqualTo(1);

            limiter.recordFailure("address:" + client, Duration.ofMinutes(1));
            limiter.recordFailure("address:" + client, Duration.ofMinutes(1));
            assertThat(limiter.admit(start)).get().satisfies(refusal -> {
                assertThat(refusal.check()).isEqualTo(start.get(0));
                assertThat(refusal.retryAfter()).isBetween(Duration.ofSeconds(50), Duration.ofMinutes(1));
            });
            // The refused steps took no token: one of the bucket's two is left.
            assertThat(limiter.take("start:" + client, rate)).isEmpty();
            assertThat(limiter.take("start:" + client, rate)).get()
                    .matches(d -> d.toSeconds() >= 25 && d.toSeconds() <= 30, "about half a minute");
        }
    }

    /** A bucket refills continuously at its rate, and its key expires once it would be full again. */
    @Test
    void aBucketRefillsAtItsRateAndExpiresOnceFull() throws Exception {
        try (JedisPooled one = RedisClients.open(config)) {
            RedisRateLimiter limiter = new RedisRateLimiter(one);
            ServerConfig.Rate rate = new ServerConfig.Rate(2, Duration.ofMillis(600));
            String key = "start:refill-" + System.nanoTime();
            assertThat(limiter.take(key, rate)).isEmpty();
            assertThat(limiter.take(key, rate)).isEmpty();
            Duration wait = limiter.take(key, rate).orElseThrow();
            assertThat(wait).isBetween(Duration.ofMillis(1), Duration.ofMillis(300));
            assertThat(one.pttl("webauthn:starts:" + key)).isBetween(1L, 600L);
            Thread.sleep(wait.toMillis() + 20);
            assertThat(limiter.take(key, rate)).isEmpty();
            Thread.sleep(700);
            assertThat(one.exists("webauthn:starts:" + key)).as("a full bucket's key").isFalse();
        }
    }

    @Test
    void failuresCountAcrossReplicas() {
        try (JedisPooled one = RedisClients.open(config); JedisPooled two = RedisClients.open(config)) {
            RedisRateLimiter a = new RedisRateLimiter(one);
            RedisRateLimiter b = new RedisRateLimiter(two);
            for (int i = 0; i < 3; i++) {
                a.recordFailure("username:mallory", Duration.ofMinutes(1));
                b.recordFailure("username:mallory", Duration.ofMinutes(1));
            }
            assertThat(a.blocked("username:mallory", 6)).isPresent();
            assertThat(b.blocked("username:mallory", 6)).get().matches(d -> d.toSeconds() > 50 && d.toSeconds() <= 60);
            assertThat(b.blocked("username:mallory", 7)).isEmpty();
        }
    }
}

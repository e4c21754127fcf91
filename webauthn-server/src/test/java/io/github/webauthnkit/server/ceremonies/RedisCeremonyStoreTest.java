package io.github.webauthnkit.server.ceremonies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.http.ClientAddress;
import io.github.webauthnkit.server.http.RateLimiter;
import io.github.webauthnkit.server.http.RedisRateLimiter;
import io.github.webauthnkit.server.storage.RedisClients;
import io.github.webauthnkit.server.storage.RedisScript;
import io.github.webauthnkit.server.storage.StoreUnavailableException;
import io.github.webauthnkit.server.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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

    /** A replica's store with a bound in all, its clients in their networks as the server puts them. */
    private static RedisCeremonyStore bounded(int perClient, int maxPending) {
        return new RedisCeremonyStore(RedisClients.open(config), perClient, maxPending, ClientAddress::networksOf);
    }

    /** A connection to the test's Redis, emptied first: the bound in all counts everything in it. */
    private static JedisPooled emptied() {
        JedisPooled raw = RedisClients.open(config);
        raw.flushAll();
        return raw;
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

    /**
     * A full store across replicas: the heaviest network's heaviest client gives way, so a flood from many addresses
     * takes its own ceremonies while a user's is kept, as in memory. Many addresses of one /24 count as one network.
     */
    @Test
    void aFullStoreMakesTheHeaviestNetworkGiveWayAcrossReplicas() throws Exception {
        try (JedisPooled raw = emptied();
             RedisCeremonyStore a = bounded(100, 200);
             RedisCeremonyStore b = bounded(100, 200)) {
            a.put("user", "198.51.100.7", "{\"user\": true}", Duration.ofMinutes(1));
            // 20 flooding networks of 10 addresses each: 1,000 starts, each address 5, each network 50.
            for (int round = 0; round < 5; round++) {
                for (int net = 0; net < 20; net++) {
                    for (int host = 1; host <= 10; host++) {
                        String client = "10.0." + net + "." + host;
                        (host % 2 == 0 ? a : b).put("flood-" + round + "-" + client, client, "{}", Duration.ofMinutes(1));
                    }
                }
            }
            assertThat(a.evicted() + b.evicted()).as("given way").isEqualTo(1_001 - 200);
            assertThat(raw.get("webauthn:ceremony-places")).isEqualTo("200");
            assertThat(raw.zcard("webauthn:ceremonies")).isEqualTo(200);
            // Every flooding network keeps its share, nearly the same: (200 - 1) / 20, give or take the last start.
            for (int net = 0; net < 20; net++) {
                double held = raw.zscore("webauthn:shares", "n:10.0." + net + ".0/24");
                assertThat((long) held).as("network %d", net).isBetween(9L, 11L);
            }
            assertThat(b.take("user")).contains("{\"user\": true}");
            // What gave way is gone for good: its complete finds nothing.
            assertThat(a.take("flood-0-10.0.0.1")).isEmpty();
        }
    }

    /** Of equals, the earlier gives way; and a network's addresses are one: one address in it does not stand alone. */
    @Test
    void ofEqualSharesTheEarlierGivesWayAndANetworkCountsAsOne() {
        try (JedisPooled raw = emptied();
             RedisCeremonyStore store = bounded(100, 3)) {
            store.put("first", "192.0.2.1", "{}", Duration.ofMinutes(1));
            store.put("second", "198.51.100.1", "{}", Duration.ofMinutes(1));
            store.put("third", "203.0.113.1", "{}", Duration.ofMinutes(1));
            store.put("fourth", "203.0.113.2", "{}", Duration.ofMinutes(1));
            assertThat(store.take("first")).as("the earliest of equals").isEmpty();
            // 203.0.113.0/24 now holds two places: its earlier address gives way, though each address holds one.
            store.put("fifth", "192.0.2.9", "{}", Duration.ofMinutes(1));
            assertThat(store.take("third")).isEmpty();
            assertThat(store.take("second")).isPresent();
            assertThat(store.take("fourth")).isPresent();
            assertThat(store.take("fifth")).isPresent();
            assertThat(store.evicted()).isEqualTo(2);
            assertThat(raw.exists("webauthn:ceremony-places")).as("nothing counted, nothing left").isFalse();
            assertThat(raw.exists("webauthn:shares")).isFalse();
        }
    }

    /** Expired ceremonies give their places back without counting as evicted; a client at its limit takes no place. */
    @Test
    void expiredCeremoniesMakeRoomAndALimitedClientTakesNoOnesPlace() throws Exception {
        try (JedisPooled raw = emptied();
             RedisCeremonyStore store = bounded(2, 4)) {
            for (int i = 0; i < 4; i++) {
                store.put("short-" + i, "192.0.2." + i, "{}", Duration.ofMillis(200));
            }
            Thread.sleep(400);
            for (int i = 0; i < 4; i++) {
                store.put("next-" + i, "198.51.100." + i, "{}", Duration.ofMinutes(1));
            }
            assertThat(store.evicted()).isZero();
            assertThat(raw.get("webauthn:ceremony-places")).isEqualTo("4");
            store.put("limited-1", "203.0.113.1", "{}", Duration.ofMinutes(1));
            store.put("limited-2", "203.0.113.1", "{}", Duration.ofMinutes(1));
            assertThat(store.evicted()).isEqualTo(2);
            assertThatThrownBy(() -> store.put("limited-3", "203.0.113.1", "{}", Duration.ofMinutes(1)))
                    .isInstanceOf(PendingLimitException.class);
            assertThat(store.evicted()).as("a refused start evicts no one").isEqualTo(2);
        }
    }

    /** Starts and completes from many threads on two replicas give every place back, at every level of the shares. */
    @Test
    void concurrentStartsAndCompletesOnTwoReplicasLeaveNothingCounted() throws Exception {
        try (JedisPooled raw = emptied();
             RedisCeremonyStore a = bounded(100, 50);
             RedisCeremonyStore b = bounded(100, 50)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> workers = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    int worker = w;
                    workers.add(pool.submit(() -> {
                        for (int i = 0; i < 1_000; i++) {
                            // IPv6 clients are keyed by their /64, as the limits name them.
                            String client = i % 3 == 0 ? "2001:db8:" + worker + ":" + i % 7 + ":0:0:0:0/64"
                                    : "10.1." + i % 5 + "." + worker;
                            String id = "c-" + worker + "-" + i;
                            RedisCeremonyStore start = i % 2 == 0 ? a : b;
                            start.put(id, client, "{}", Duration.ofMinutes(1));
                            (start == a ? b : a).take(id);
                        }
                        return null;
                    }));
                }
                for (Future<?> worker : workers) {
                    worker.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(raw.zcard("webauthn:ceremonies")).isZero();
            assertThat(raw.exists("webauthn:ceremony-places")).isFalse();
            assertThat(raw.zrangeWithScores("webauthn:shares", 0, -1)).as("the root's shares").isEmpty();
            assertThat(raw.keys("webauthn:shares:*")).isEmpty();
            assertThat(raw.hlen("webauthn:ceremony-entries")).isZero();
        }
    }

    /**
     * After any mix of starts, completes, expiries and evictions on two replicas, the bookkeeping agrees with the
     * ceremonies it counts: the total is the sum of their places, and every share in the tree holds exactly the places
     * of the ceremonies under it (a drift would make the wrong ceremonies give way, or none).
     */
    @Test
    void theSharesAgreeWithTheCountedCeremoniesAfterAnyMix() throws Exception {
        String large = "x".repeat(29_000);
        List<String> clients = List.of("192.0.2.1", "192.0.2.2", "198.51.100.1", "2001:db8:1:1:0:0:0:0/64",
                "2001:db8:1:2:0:0:0:0/64", "2001:db8:2:1:0:0:0:0/64", "2001:db9:0:0:0:0:0:0/64", "not-an-address");
        Random random = new Random(17);
        try (JedisPooled raw = emptied(); RedisCeremonyStore a = bounded(40, 60); RedisCeremonyStore b = bounded(40, 60)) {
            List<String> started = new ArrayList<>();
            for (int i = 0; i < 3_000; i++) {
                RedisCeremonyStore replica = random.nextBoolean() ? a : b;
                if (random.nextInt(3) > 0 || started.isEmpty()) {
                    String id = "mix-" + i;
                    try {
                        replica.put(id, clients.get(random.nextInt(clients.size())),
                                random.nextInt(10) == 0 ? large : "{}",
                                random.nextInt(4) == 0 ? Duration.ofMillis(30) : Duration.ofMinutes(1));
                        started.add(id);
                    } catch (PendingLimitException e) {
                        // a client at its limit: nothing stored
                    }
                } else {
                    replica.take(started.remove(random.nextInt(started.size())));
                }
                if (i % 500 == 499) {
                    Thread.sleep(40);
                }
            }
            assertThat(a.evicted() + b.evicted()).as("the mix filled the store").isPositive();
            assertSharesAgree(raw);
            for (String id : started) {
                a.take(id);
            }
            Thread.sleep(40);
            a.put("last", "192.0.2.9", "{}", Duration.ofMinutes(1));
            a.take("last");
            assertSharesAgree(raw);
        }
    }

    /** The counted ids have their entries, the total is the sum of their places, and every key has an expiry. */
    private static void assertTotalAgrees(JedisPooled raw) {
        for (String key : raw.keys("webauthn:*")) {
            assertThat(raw.pttl(key)).as("the expiry of " + key).isPositive();
        }
        Map<String, String> entries = raw.hgetAll("webauthn:ceremony-entries");
        assertThat(new TreeSet<>(raw.zrange("webauthn:ceremonies", 0, -1)))
                .as("the counted ids").isEqualTo(new TreeSet<>(entries.keySet()));
        long total = entries.values().stream().mapToLong(entry -> Long.parseLong(entry.split(" ")[0])).sum();
        assertThat(raw.get("webauthn:ceremony-places")).as("the total").isEqualTo(total == 0 ? null : Long.toString(total));
    }

    /**
     * Recomputes every share's places from the counted ceremonies' entries and compares them with the stored tree,
     * and each client's counted ids with its leaf.
     */
    private static void assertSharesAgree(JedisPooled raw) {
        assertTotalAgrees(raw);
        Map<String, String> entries = raw.hgetAll("webauthn:ceremony-entries");
        Map<String, Long> expected = new TreeMap<>();
        for (Map.Entry<String, String> counted : entries.entrySet()) {
            String[] words = counted.getValue().trim().split(" ");
            long places = Long.parseLong(words[0]);
            expected.put("webauthn:shares:c:" + words[1] + " " + counted.getKey(), 0L);
            String parent = "webauthn:shares";
            for (int level = 2; level <= words.length; level++) {
                String member = level < words.length ? "n:" + words[level] : "c:" + words[1];
                expected.merge(parent + " " + member, places, Long::sum);
                parent = "webauthn:shares:" + member;
            }
        }
        Map<String, Long> stored = new TreeMap<>();
        Set<String> keys = new TreeSet<>(raw.keys("webauthn:shares:*"));
        keys.add("webauthn:shares");
        keys.remove("webauthn:shares-arrivals");
        for (String key : keys) {
            // A leaf is scored by expiry: only its ids are compared.
            boolean leaf = key.startsWith("webauthn:shares:c:");
            raw.zrangeWithScores(key, 0, -1).forEach(t -> stored.put(key + " " + t.getElement(),
                    leaf ? 0L : (long) t.getScore()));
        }
        assertThat(stored).as("the shares").isEqualTo(expected);
    }

    /** A large ceremony into a store full of expired ones: they all give their places back, and nothing gives way. */
    @Test
    void aLargeStartMakesRoomFromExpiredCeremoniesFirst() throws Exception {
        try (JedisPooled raw = emptied(); RedisCeremonyStore store = bounded(100, 20)) {
            for (int i = 0; i < 20; i++) {
                store.put("expiring-" + i, "192.0.2." + i, "{}", Duration.ofMillis(30));
            }
            Thread.sleep(60);
            // Twenty places: more than the sixteen expired ones every start gives back anyway.
            store.put("large", "198.51.100.1", "x".repeat(29_000), Duration.ofMinutes(1));
            assertThat(store.evicted()).isZero();
            assertThat(raw.get("webauthn:ceremony-places")).isEqualTo("20");
            assertSharesAgree(raw);
        }
    }

    /** A request id stored again after its state expired, while it was still counted, is counted once. */
    @Test
    void anIdStoredAgainAfterItsStateExpiredIsCountedOnce() throws Exception {
        try (JedisPooled raw = emptied(); RedisCeremonyStore store = bounded(100, 100)) {
            // Sixteen that expire first, which the start below gives back by the way, and the one it gives back for
            // its id.
            for (int i = 0; i < 16; i++) {
                store.put("short-" + i, "192.0.2.1", "{}", Duration.ofMillis(30));
            }
            store.put("again", "192.0.2.1", "{}", Duration.ofMillis(50));
            Thread.sleep(100);
            store.put("again", "198.51.100.1", "{}", Duration.ofMinutes(1));
            assertSharesAgree(raw);
            assertThat(raw.zscore("webauthn:shares", "n:198.51.100.0/24")).isBetween(1.0, 2.0);
        }
    }

    /**
     * Redis may lose part of the bookkeeping (it evicts keys when full; an operator may delete one): the next start
     * counts everything again from what is left instead of making every pending ceremony give way, and the shares go
     * on choosing the flood's ceremonies, not a user's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"entries", "expiries", "total", "a network", "a client's leaf"})
    void lostBookkeepingIsCountedAgainWithoutEvictingEveryone(String lost) {
        try (JedisPooled raw = emptied(); RedisCeremonyStore store = bounded(1_000, 300)) {
            for (int i = 0; i < 300; i++) {
                store.put("before-" + i, "10.0." + i % 30 + "." + i % 7, "{}", Duration.ofMinutes(1));
            }
            switch (lost) {
                case "entries" -> raw.del("webauthn:ceremony-entries");
                case "expiries" -> raw.del("webauthn:ceremonies");
                case "total" -> raw.incrBy("webauthn:ceremony-places", 1_000);
                case "a network" -> raw.del("webauthn:shares:n:10.0.3.0/24");
                case "a client's leaf" -> raw.del("webauthn:shares:c:10.0.3.3");
                default -> throw new IllegalArgumentException(lost);
            }
            store.put("user", "198.51.100.7", "{}", Duration.ofMinutes(1));
            // The store is full: one gives way for the user. A total too high is noticed once more have given way
            // than the new ceremony needs places (two here).
            assertThat(store.evicted()).as("given way at the first start after the loss")
                    .isLessThanOrEqualTo(lost.equals("total") ? 3 : 1);
            assertTotalAgrees(raw);
            // From other networks than those the loss left behind, which must not hold places any more.
            for (int i = 0; i < 900; i++) {
                store.put("flood-" + i, "10.1." + i % 30 + "." + i % 7, "{}", Duration.ofMinutes(1));
            }
            assertThat(store.take("user")).isPresent();
            assertTotalAgrees(raw);
        }
    }

    /** The TAKE script of the previous version, which knew nothing of the bound in all: replicas not yet upgraded. */
    private static final String PREVIOUS_TAKE = "local state = redis.call('GETDEL', KEYS[1]) "
            + "local client = redis.call('GETDEL', KEYS[2]) "
            + "if client then "
            + "  redis.call('ZREM', 'webauthn:pending:' .. client, ARGV[1]) "
            + "  local places = 'webauthn:pending-places:' .. client "
            + "  local p = redis.call('HGET', places, ARGV[1]) "
            + "  if p then redis.call('HINCRBY', places, '*', -tonumber(p)) redis.call('HDEL', places, ARGV[1]) end end "
            + "return state";

    /**
     * During a rolling upgrade a replica of the previous version completes ceremonies without giving back their places
     * in the bound; until they expire they count for their client, which then gives way before a user who holds less.
     */
    @Test
    void ceremoniesCompletedByAPreviousReplicaCountForTheirClientUntilTheyExpire() {
        try (JedisPooled raw = emptied(); RedisCeremonyStore store = bounded(100, 40)) {
            store.put("user", "198.51.100.7", "{}", Duration.ofMinutes(1));
            for (int i = 0; i < 30; i++) {
                String id = "nat-" + i;
                store.put(id, "192.0.2.50", "{}", Duration.ofMinutes(1));
                assertThat(raw.eval(PREVIOUS_TAKE, List.of("webauthn:ceremony:" + id, "webauthn:ceremony-client:" + id),
                        List.of(id))).isEqualTo("{}");
            }
            for (int i = 0; i < 25; i++) {
                store.put("flood-" + i, "10.0.0." + i, "{}", Duration.ofMinutes(1));
            }
            assertThat(store.evicted()).isEqualTo(16);
            assertThat(store.take("user")).isPresent();
            assertSharesAgree(raw);
        }
    }

    /** Replicas with different ceremony timeouts: a short ceremony does not cut short a client's count of a long one. */
    @Test
    void aShortCeremonyDoesNotForgetAClientsLongOne() throws Exception {
        try (JedisPooled raw = emptied(); RedisCeremonyStore store = bounded(2, 100)) {
            store.put("long", "192.0.2.1", "{}", Duration.ofMinutes(30));
            store.put("short", "192.0.2.1", "{}", Duration.ofMillis(100));
            Thread.sleep(200);
            store.put("next", "192.0.2.1", "{}", Duration.ofMinutes(1));
            assertThatThrownBy(() -> store.put("one-too-many", "192.0.2.1", "{}", Duration.ofMinutes(1)))
                    .isInstanceOf(PendingLimitException.class);
        }
    }

    /** The script keeps a client and its networks as words of one value: a key with white space is refused before. */
    @Test
    void aClientKeyWithWhiteSpaceIsRefused() {
        try (RedisCeremonyStore store = bounded(100, 100)) {
            assertThatThrownBy(() -> store.put("spaced", "192.0.2.1 x", "{}", Duration.ofMinutes(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("A client or network key is empty or has white space: 192.0.2.1 x");
        }
    }

    /** An error Redis answers with (here a fault in the script) is told apart from no answer at all. */
    @Test
    void anErrorRedisAnswersIsReportedAsRefused() {
        try (JedisPooled raw = RedisClients.open(config)) {
            assertThatThrownBy(() -> new RedisScript("return redis.call('NO-SUCH-COMMAND')").run(raw, List.of(),
                    List.of())).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageStartingWith("Redis refused the request: ");
        }
    }

    /** The script runs by its digest; a Redis that lost it (a restart, SCRIPT FLUSH) is sent it again. */
    @Test
    void aRedisThatLostTheScriptIsSentItAgain() {
        try (JedisPooled raw = emptied(); RedisCeremonyStore store = bounded(100, 100)) {
            store.put("before", "192.0.2.1", "{}", Duration.ofMinutes(1));
            raw.scriptFlush();
            store.put("after", "192.0.2.1", "{}", Duration.ofMinutes(1));
            assertThat(store.take("before")).contains("{}");
            assertThat(store.take("after")).contains("{}");
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

package io.github.webauthnkit.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.storage.RedisClients;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.PostgresServer;
import io.github.webauthnkit.server.testing.RedisServer;
import io.github.webauthnkit.server.testing.ServerProcess;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/**
 * The ceremony state in Redis is bounded as the in-memory one is ({@code WEBAUTHN_PENDING_LIMIT}, in places, across
 * replicas), well below Redis's own memory limit: a flood of starts that completes none, from a hundred addresses
 * through two replicas, takes the places of its own ceremonies, and a user's ceremony started on one replica before
 * it completes on the other. Redis never reaches its limit, where it would evict keys of its own choosing
 * ({@code volatile-ttl}, as the production stack runs it: the oldest ceremonies first, the user's among them). Bounded
 * by Redis's memory alone, the flood made Redis evict the user's state.
 */
class RedisBoundApiTest {
    private static final String ORIGIN = "http://localhost:8443";
    private static final int BOUND = 1_000;
    /** Redis's room above what it holds at the start: twice what the bound's states need, far less than the flood's. */
    private static final long REDIS_ROOM = 5L << 20;

    @Test
    void aFloodThroughTwoReplicasTakesItsOwnPlacesAndRedisEvictsNothing() throws Exception {
        try (PostgresServer postgres = PostgresServer.start();
             RedisServer redis = RedisServer.start();
             JedisPooled raw = RedisClients.open(ServerConfig.fromEnvironment(Map.of("WEBAUTHN_REDIS_URL", redis.url(),
                     "WEBAUTHN_REDIS_PASSWORD_FILE", redis.passwordFile().toString())))) {
            Map<String, String> env = ServerProcess.shared(ORIGIN, postgres, redis);
            env.putAll(Map.of("WEBAUTHN_TRUST_PROXY", "true", "WEBAUTHN_TRUSTED_PROXIES", "127.0.0.0/8",
                    "WEBAUTHN_PENDING_LIMIT", Integer.toString(BOUND)));
            try (ServerProcess a = ServerProcess.start(env); ServerProcess b = ServerProcess.start(env)) {
                raw.configSet("maxmemory-policy", "volatile-ttl");
                long limit = info(raw, "memory", "used_memory") + REDIS_ROOM;
                raw.configSet("maxmemory", Long.toString(limit));
                SoftwareAuthenticator authenticator = new SoftwareAuthenticator(ORIGIN,
                        SoftwareAuthenticator.Algorithm.ES256);
                JsonNode started = new PasskeyClient(a.baseUrl(), authenticator).post("/register/start",
                        PasskeyClient.object().put("username", "patient-user"), null).expect(200).body();

                int starts = 8 * BOUND;
                long began = System.nanoTime();
                Map<Integer, Integer> answers = Flood.send(List.of(a, b), starts, (to, i) -> to.get(i % 2).post(
                        "/register/start", "{\"username\": \"flood-" + i + "\"}",
                        "X-Forwarded-For", "10.0." + i % 4 + "." + (1 + i % 25)));
                long evicted = Flood.evicted(new RawHttp(a.baseUrl())) + Flood.evicted(new RawHttp(b.baseUrl()));
                long redisEvicted = info(raw, "stats", "evicted_keys");
                System.out.println("[redis bound] bound " + BOUND + ", Redis maxmemory " + (limit >> 10) + " KiB: "
                        + starts + " registration starts from 100 addresses through two replicas in "
                        + (System.nanoTime() - began) / 1_000_000 + " ms, answers " + answers + ", " + evicted
                        + " gave way; Redis used at most " + (info(raw, "memory", "used_memory_peak") >> 10)
                        + " KiB, evicted " + redisEvicted + " keys");

                assertThat(answers).as("every start answered 200").isEqualTo(Map.of(200, starts));
                assertThat(evicted).as("all but the bound's worth gave way").isEqualTo(starts + 1 - BOUND);
                assertThat(redisEvicted).as("keys Redis evicted").isZero();
                new PasskeyClient(b.baseUrl(), authenticator).completeRegistration(started, null).expect(201);
                assertThat(a.log() + b.log()).contains("event=\"ceremony_store_full\"");
            }
        }
    }

    private static long info(JedisPooled redis, String section, String field) {
        return redis.info(section).lines().filter(line -> line.startsWith(field + ":"))
                .mapToLong(line -> Long.parseLong(line.substring(field.length() + 1).trim())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + field + " in Redis's INFO " + section));
    }
}

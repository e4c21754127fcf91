package io.github.webauthnkit.server.replicas;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.PostgresServer;
import io.github.webauthnkit.server.testing.RedisServer;
import io.github.webauthnkit.server.testing.ServerProcess;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two server processes sharing one PostgreSQL and one Redis, as replicas behind a load balancer: a ceremony started
 * on one completes on the other, a request id is taken once across both, and rate limits count across both.
 */
class ReplicaTest {
    private static final String ORIGIN = "http://localhost:8443";
    private static PostgresServer postgres;
    private static RedisServer redis;
    private static ServerProcess a;
    private static ServerProcess b;

    @BeforeAll
    static void start() throws Exception {
        postgres = PostgresServer.start();
        redis = RedisServer.start();
        Map<String, String> env = ServerProcess.shared(ORIGIN, postgres, redis);
        env.put("WEBAUTHN_RATE_LIMIT_USERNAME", "3");
        env.put("WEBAUTHN_RATE_LIMIT_ADDRESS", "10000");
        a = ServerProcess.start(env);
        b = ServerProcess.start(env);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, redis, postgres}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the others
            }
        }
    }

    @Test
    void aCeremonyStartedOnOneReplicaCompletesOnTheOther() {
        SoftwareAuthenticator authenticator = new SoftwareAuthenticator(ORIGIN, SoftwareAuthenticator.Algorithm.ES256);
        PasskeyClient viaA = new PasskeyClient(a.baseUrl(), authenticator);
        PasskeyClient viaB = new PasskeyClient(b.baseUrl(), authenticator);

        JsonNode registration = viaA.post("/register/start", PasskeyClient.object().put("username", "judy"), null)
                .expect(200).body();
        viaB.completeRegistration(registration, null).expect(201);
        JsonNode authentication = viaB.startAuthentication("judy").expect(200).body();
        String token = viaA.completeAuthentication(authentication).expect(200).body().path("access_token").asText();
        assertThat(viaB.get("/credentials", token).expect(200).body().path("credentials")).hasSize(1);
        System.out.println("[replicas] registration started on A completed on B; sign-in started on B completed on A");
    }

    @Test
    void aRequestIdIsTakenOnceAcrossReplicas() throws Exception {
        SoftwareAuthenticator authenticator = new SoftwareAuthenticator(ORIGIN, SoftwareAuthenticator.Algorithm.ES256);
        PasskeyClient viaA = new PasskeyClient(a.baseUrl(), authenticator);
        PasskeyClient viaB = new PasskeyClient(b.baseUrl(), authenticator);
        viaA.register("ken");
        Map<Integer, Integer> outcomes = new TreeMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 20; round++) {
                JsonNode started = viaA.startAuthentication("ken").expect(200).body();
                ObjectNode body = PasskeyClient.object().put("requestId", started.path("requestId").asText());
                body.set("credential", authenticator.authenticate(started.path("publicKey")));
                List<Callable<Integer>> racers = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    PasskeyClient client = i % 2 == 0 ? viaA : viaB;
                    racers.add(() -> client.post("/authenticate/complete", body, null).status());
                }
                int successes = 0;
                for (Future<Integer> f : pool.invokeAll(racers)) {
                    int status = f.get();
                    outcomes.merge(status, 1, Integer::sum);
                    successes += status == 200 ? 1 : 0;
                }
                assertThat(successes).as("round %d", round).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println("[replicas] 20 rounds of 4 concurrent completes over both replicas, by status: " + outcomes);
    }

    @Test
    void failuresOnBothReplicasCountTowardsOneLimit() {
        SoftwareAuthenticator authenticator = new SoftwareAuthenticator(ORIGIN, SoftwareAuthenticator.Algorithm.ES256);
        PasskeyClient viaA = new PasskeyClient(a.baseUrl(), authenticator);
        PasskeyClient viaB = new PasskeyClient(b.baseUrl(), authenticator);
        viaA.register("leo");
        for (PasskeyClient client : List.of(viaA, viaB, viaA)) {
            JsonNode started = client.startAuthentication("leo").expect(200).body();
            SoftwareAuthenticator.Tamper tamper = new SoftwareAuthenticator.Tamper();
            tamper.signature = true;
            authenticator.tamperNext(tamper);
            client.completeAuthentication(started).expect(400);
        }
        PasskeyClient.Response limited = viaB.startAuthentication("leo");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.raw().headers().firstValue("Retry-After")).isPresent();
        assertThat(viaA.startAuthentication("leo").status()).isEqualTo(429);
        assertThat(viaA.startAuthentication("someone-else").status()).isEqualTo(200);
        System.out.println("[replicas] 3 failed sign-ins for one username over two replicas: both now answer 429, Retry-After "
                + limited.raw().headers().firstValue("Retry-After").orElse("?") + " s");
    }
}

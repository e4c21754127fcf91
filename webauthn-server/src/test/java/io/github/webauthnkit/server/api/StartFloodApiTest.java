package io.github.webauthnkit.server.api;

import io.github.webauthnkit.server.testing.SocketHttp;
import static io.github.webauthnkit.server.api.ApiAssertions.assertError;
import static io.github.webauthnkit.server.api.ApiAssertions.unique;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Anyone can start ceremonies without an account, and each start keeps state until it expires: starts are bounded
 * per client address (a token bucket) and so are the ceremonies an address has pending, so a flood from one address
 * is answered 429 while everyone else registers and signs in as usual; registrations have a smaller bucket of their
 * own. All on loopback: the flood comes from
 * 127.0.0.2, the people from 127.0.0.1, and both stop by themselves.
 */
class StartFloodApiTest {
    private static final int STARTS = 60;
    private static final long FLOOD_MILLIS = 4_000;
    private static final int FLOODERS = 4;

    @Test
    void aFloodOfStartsFromOneAddressIsRefusedWhileOthersSignIn() throws Exception {
        // The generated defaults of the two limits, written out (the test server raises them for other tests).
        try (TestServer server = TestServer.start("ES256", Map.of("WEBAUTHN_START_LIMIT_ADDRESS", STARTS + "/1m",
                "WEBAUTHN_PENDING_LIMIT_ADDRESS", "100"))) {
            Map<Integer, AtomicInteger> flood = new ConcurrentHashMap<>();
            List<String> legitimateFailures = new CopyOnWriteArrayList<>();
            AtomicInteger signIns = new AtomicInteger();
            AtomicReference<SocketHttp.Response> lastRefusal = new AtomicReference<>();
            ExecutorService pool = Executors.newFixedThreadPool(FLOODERS + 4);
            try {
                long until = System.currentTimeMillis() + FLOOD_MILLIS;
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < FLOODERS; i++) {
                    int flooder = i;
                    running.add(pool.submit(() -> {
                        for (int n = 0; System.currentTimeMillis() < until; n++) {
                            String path = (flooder + n) % 2 == 0 ? "/authenticate/start" : "/register/start";
                            String body = path.equals("/register/start")
                                    ? "{\"username\": \"flood-" + flooder + "-" + n + "\"}" : "{}";
                            SocketHttp.Response answer = SocketHttp.post(server.port(), "127.0.0.2", path, body);
                            flood.computeIfAbsent(answer.status(), s -> new AtomicInteger()).incrementAndGet();
                            if (answer.status() == 429) {
                                lastRefusal.set(answer);
                            }
                        }
                    }));
                }
                for (int i = 0; i < 4; i++) {
                    running.add(pool.submit(() -> {
                        PasskeyClient person = new PasskeyClient(server.baseUrl(),
                                new SoftwareAuthenticator(server.origin(), SoftwareAuthenticator.Algorithm.ES256));
                        String username = unique("person");
                        try {
                            person.register(username);
                            while (System.currentTimeMillis() < until) {
                                assertThat(person.signIn(username)).isNotBlank();
                                assertThat(person.signIn(null)).isNotBlank();
                                signIns.addAndGet(2);
                                // People pause between sign-ins: together they stay well within their address's
                                // own bucket (they share 127.0.0.1, as people behind one NAT share an address).
                                Thread.sleep(1_000);
                            }
                        } catch (AssertionError | RuntimeException | InterruptedException e) {
                            legitimateFailures.add(username + ": " + e.getMessage());
                        }
                    }));
                }
                for (Future<?> f : running) {
                    f.get(FLOOD_MILLIS + 60_000, TimeUnit.MILLISECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            System.out.println("[flood] 127.0.0.2 for " + FLOOD_MILLIS / 1000 + " s, answers by status: " + flood
                    + "; meanwhile 4 people from 127.0.0.1 signed in " + signIns + " times, failures: "
                    + legitimateFailures.size());
            assertThat(legitimateFailures).as("people signing in during the flood").isEmpty();
            assertThat(signIns.get()).isGreaterThanOrEqualTo(8);
            assertThat(flood.keySet()).as("the flood's answers").containsOnly(200, 429);
            // The bucket holds 60 and refills one a second: at most 60 + a few starts got through.
            assertThat(flood.get(200).get()).isBetween(STARTS / 2, STARTS + (int) (FLOOD_MILLIS / 1000) + 2);
            assertThat(flood.get(429).get()).isGreaterThan(10 * STARTS);

            SocketHttp.Response refused = lastRefusal.get();
            assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 60L);
            JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(refused.body());
            assertThat(body.path("error").asText()).isEqualTo("rate_limited");
            assertThat(body.path("message").asText()).startsWith("Too many sign-ins and registrations were started from your address; retry in ");
            assertThat(new RawHttp(server.baseUrl()).get("/metrics").body())
                    .contains("webauthn_rate_limited_total{scope=\"start\"}");
        }
    }

    /** Ceremonies an address started and has not completed are bounded; completing one makes room for another. */
    @Test
    void anAddressHasABoundedNumberOfCeremoniesPending() {
        try (TestServer server = TestServer.start("ES256", Map.of("WEBAUTHN_PENDING_LIMIT_ADDRESS", "3"))) {
            RawHttp http = new RawHttp(server.baseUrl());
            List<String> requestIds = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                requestIds.add(RawHttp.json(http.post("/authenticate/start", "{}")).path("requestId").asText());
            }
            var refused = http.post("/register/start", "{\"username\": \"" + unique("late") + "\"}");
            assertError(refused, 429, "rate_limited");
            assertThat(RawHttp.json(refused).path("message").asText()).contains("unfinished");
            assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(250L, 300L);

            // A complete takes the ceremony, even one that fails, and so frees its place.
            assertError(http.post("/authenticate/complete", "{\"requestId\": \"" + requestIds.get(0)
                    + "\", \"credential\": {}}"), 400, "malformed_credential");
            assertThat(http.post("/authenticate/start", "{}").statusCode()).isEqualTo(200);
            assertError(http.post("/authenticate/start", "{}"), 429, "rate_limited");
            assertThat(new RawHttp(server.baseUrl()).get("/metrics").body())
                    .contains("webauthn_rate_limited_total{scope=\"pending\"}");
            // Another address is not affected.
            assertThat(SocketHttp.post(server.port(), "127.0.0.2", "/authenticate/start", "{}").status())
                    .isEqualTo(200);
        }
    }

    /** Registrations (new accounts and added passkeys) have a bucket of their own per address, much smaller. */
    @Test
    void registrationsFromOneAddressAreLimited() {
        try (TestServer server = TestServer.start("ES256", Map.of("WEBAUTHN_REGISTRATION_LIMIT_ADDRESS", "3/1h"))) {
            PasskeyClient person = new PasskeyClient(server.baseUrl(),
                    new SoftwareAuthenticator(server.origin(), SoftwareAuthenticator.Algorithm.ES256));
            String username = unique("first");
            person.register(username);
            RawHttp http = new RawHttp(server.baseUrl());
            for (int i = 0; i < 2; i++) {
                assertThat(http.post("/register/start", "{\"username\": \"" + unique("more") + "\"}").statusCode())
                        .isEqualTo(200);
            }
            var refused = http.post("/register/start", "{\"username\": \"" + unique("one-too-many") + "\"}");
            assertError(refused, 429, "rate_limited");
            assertThat(RawHttp.json(refused).path("message").asText())
                    .startsWith("Too many registrations were started from your address; retry in ");
            // 3 an hour: the next one in 20 minutes.
            assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()))
                    .isBetween(1100L, 1200L);
            assertThat(person.signIn(username)).as("signing in is not a registration").isNotBlank();
            assertThat(SocketHttp.post(server.port(), "127.0.0.2", "/register/start",
                    "{\"username\": \"" + unique("elsewhere") + "\"}").status()).as("another address").isEqualTo(200);
            assertThat(http.get("/metrics").body()).contains("webauthn_rate_limited_total{scope=\"registration\"}");
        }
    }

    /**
     * An IPv6 client has a /64 to itself, and the holder of a /48 has 65,536 of them: its /48 has buckets too, 64
     * addresses' worth, so that many /64s of one network cannot start or register without bound. Through a trusted
     * proxy, whose X-Forwarded-For names each client.
     */
    @Test
    void anIpv6NetworksSlash64sShareTheNetworksLimits() {
        try (TestServer server = TestServer.start("ES256", behindProxy("WEBAUTHN_START_LIMIT_ADDRESS", "1/1m"))) {
            RawHttp http = new RawHttp(server.baseUrl());
            var refused = afterEach64OfNetwork(http, "/authenticate/start", () -> "{}", "2001:db8:1:");
            assertError(refused, 429, "rate_limited");
            assertThat(RawHttp.json(refused).path("message").asText())
                    .startsWith("Too many sign-ins and registrations were started from your network; retry in ");
            assertThat(http.post("/authenticate/start", "{}", "X-Forwarded-For", "2001:db8:2::1").statusCode())
                    .as("another /48").isEqualTo(200);
            assertThat(RawHttp.json(http.post("/authenticate/start", "{}", "X-Forwarded-For", "2001:db8:2::2"))
                    .path("message").asText()).as("the same /64 again").startsWith(
                            "Too many sign-ins and registrations were started from your address");
            assertThat(http.get("/metrics").body()).contains("webauthn_rate_limited_total{scope=\"network_start\"}");
        }
        try (TestServer server = TestServer.start("ES256",
                behindProxy("WEBAUTHN_REGISTRATION_LIMIT_ADDRESS", "1/1h"))) {
            RawHttp http = new RawHttp(server.baseUrl());
            var refused = afterEach64OfNetwork(http, "/register/start",
                    () -> "{\"username\": \"" + unique("net") + "\"}", "2001:db8:3:");
            assertError(refused, 429, "rate_limited");
            assertThat(RawHttp.json(refused).path("message").asText())
                    .startsWith("Too many registrations were started from your network; retry in ");
            assertThat(http.post("/authenticate/start", "{}", "X-Forwarded-For", "2001:db8:3:ff::1").statusCode())
                    .as("signing in is not a registration").isEqualTo(200);
        }
    }

    private static Map<String, String> behindProxy(String limit, String value) {
        return Map.of("WEBAUTHN_TRUST_PROXY", "true", "WEBAUTHN_TRUSTED_PROXIES", "127.0.0.0/8", limit, value);
    }

    /**
     * One start from each of 64 /64s of the /48 whose first three groups are {@code network} (each may, and the
     * network has room for 64), then the answer to one more from a 65th.
     */
    private static HttpResponse<String> afterEach64OfNetwork(RawHttp http, String path, Supplier<String> body,
                                                            String network) {
        for (int i = 0; i < 64; i++) {
            String slash64 = network + Integer.toHexString(i) + "::1";
            assertThat(http.post(path, body.get(), "X-Forwarded-For", slash64).statusCode()).as(slash64)
                    .isEqualTo(200);
        }
        return http.post(path, body.get(), "X-Forwarded-For", network + "ff::1");
    }
}

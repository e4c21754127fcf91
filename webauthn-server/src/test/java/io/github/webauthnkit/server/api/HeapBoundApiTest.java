package io.github.webauthnkit.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.ceremonies.InMemoryCeremonyStore;
import io.github.webauthnkit.server.ceremonies.RegistrationCeremony;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.ServerProcess;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The embedded ceremony state is bounded by the heap it runs in: on the heap the image gives a 512m container (64 MiB),
 * a flood of starts that completes none (the per-address limits raised, as many addresses would together) is refused
 * with 503 once the bound is reached, and the server stays up. With a fixed bound of 100,000 pending ceremonies (about
 * 117 MB) the flood of registrations ran the heap out and the server exited; with a bound that counted ceremonies
 * whatever their size, so did a flood of sign-ins to an account whose twenty passkeys have the longest ids.
 */
class HeapBoundApiTest {
    private static final long HEAP = 64L << 20;
    private static final int FLOODERS = 4;
    private static final String REFUSED = "Too many ceremonies are in progress; try again shortly.";

    @Test
    void aFloodOfPendingCeremoniesIsRefusedBeforeItExhaustsASmallHeap() throws Exception {
        try (ServerProcess server = smallHeapServer()) {
            // The JVM's maximum heap is -Xmx less a survivor space: the bound is a quarter of a little under 64 MiB.
            int lowest = InMemoryCeremonyStore.boundFor(HEAP - HEAP / 16);
            int bound = InMemoryCeremonyStore.boundFor(HEAP);
            assertThat(bound).as("a small heap's bound").isLessThan(InMemoryCeremonyStore.MAX_PENDING / 5);

            RawHttp http = new RawHttp(server.baseUrl());
            Flood flood = flood(i -> http.post("/register/start", "{\"username\": \"flood-" + i + "\"}"));
            System.out.println("[heap bound] -Xmx" + (HEAP >> 20) + "m: bound " + lowest + "-" + bound + ", "
                    + flood.started() + " registrations pending when the first start was refused");

            flood.assertRefusedAtTheBound();
            // One place each, reserved before a start is stored: starts racing for the last place cannot pass the bound.
            assertThat(flood.started()).isBetween(lowest, bound);
            assertStillServing(server, http);
        }
    }

    @Test
    void signInsToAnAccountWithTwentyLongPasskeyIdsTakeTheirSizeInTheBound() throws Exception {
        try (ServerProcess server = smallHeapServer()) {
            String origin = "http://localhost:8443";
            String username = "many-long-passkeys";
            PasskeyClient owner = device(server, origin);
            owner.register(username);
            String manage = owner.manage(owner.signIn(username));
            // Each on a device of its own: an authenticator creates one passkey per account.
            for (int held = 1; held < RegistrationCeremony.MAX_PASSKEYS_PER_ACCOUNT; held++) {
                device(server, origin).addPasskey(manage);
            }
            int bound = InMemoryCeremonyStore.boundFor(HEAP);

            RawHttp http = new RawHttp(server.baseUrl());
            HttpResponse<String> one = http.post("/authenticate/start", "{\"username\": \"" + username + "\"}");
            assertThat(RawHttp.json(one).path("publicKey").path("allowCredentials"))
                    .hasSize(RegistrationCeremony.MAX_PASSKEYS_PER_ACCOUNT);
            Flood flood = flood(i -> http.post("/authenticate/start", "{\"username\": \"" + username + "\"}"));
            System.out.println("[heap bound] -Xmx" + (HEAP >> 20) + "m: bound " + bound + " places, " + flood.started()
                    + " sign-ins with " + RegistrationCeremony.MAX_PASSKEYS_PER_ACCOUNT
                    + " passkey ids of 1023 bytes pending when the first start was refused");

            flood.assertRefusedAtTheBound();
            // Each such start takes twenty places (its state is about 29 KB).
            assertThat(flood.started()).isBetween(bound / 25, bound / 15);
            assertStillServing(server, http);
        }
    }

    private static ServerProcess smallHeapServer() {
        return ServerProcess.start(ServerProcess.embedded("http://localhost:8443"),
                List.of("-XX:+UseSerialGC", "-Xmx" + (HEAP >> 20) + "m"));
    }

    /** A client whose authenticator's next passkey has an id of 1023 bytes, the longest a server must accept. */
    private static PasskeyClient device(ServerProcess server, String origin) {
        SoftwareAuthenticator.Tamper longestId = new SoftwareAuthenticator.Tamper();
        longestId.credentialIdLength = 1023;
        return new PasskeyClient(server.baseUrl(), new SoftwareAuthenticator(origin,
                SoftwareAuthenticator.Algorithm.ES256).tamperNext(longestId));
    }

    /** Starts from {@link #FLOODERS} threads until the first answer that is not 200, or past the largest bound. */
    private static Flood flood(IntFunction<HttpResponse<String>> start) throws Exception {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger sent = new AtomicInteger();
        AtomicReference<HttpResponse<String>> refusal = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(FLOODERS);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < FLOODERS; i++) {
                running.add(pool.submit(() -> {
                    int n;
                    while (refusal.get() == null && (n = sent.incrementAndGet()) <= InMemoryCeremonyStore.MAX_PENDING) {
                        HttpResponse<String> answer = start.apply(n);
                        if (answer.statusCode() == 200) {
                            started.incrementAndGet();
                        } else {
                            refusal.compareAndSet(null, answer);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> flooder : running) {
                flooder.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        return new Flood(started.get(), refusal.get());
    }

    private record Flood(int started, HttpResponse<String> refusal) {
        void assertRefusedAtTheBound() {
            assertThat(refusal).as("a refusal").isNotNull();
            assertThat(refusal.statusCode()).as(refusal.body()).isEqualTo(503);
            assertThat(RawHttp.json(refusal).path("message").asText()).isEqualTo(REFUSED);
        }
    }

    private static void assertStillServing(ServerProcess server, RawHttp http) {
        assertThat(server.awaitExit(Duration.ofMillis(500))).as("the server, still running: " + server.log()).isEmpty();
        assertThat(http.get("/health").statusCode()).isEqualTo(200);
        assertThat(server.log()).doesNotContain("OutOfMemoryError");
    }
}

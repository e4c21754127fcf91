package io.github.webauthnkit.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.ceremonies.InMemoryCeremonyStore;
import io.github.webauthnkit.server.testing.ServerProcess;
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
import org.junit.jupiter.api.Test;

/**
 * The embedded ceremony state is bounded by the heap it runs in: on the heap the image gives a 512m container (64 MiB),
 * a flood of starts that completes none (the per-address limits raised, as many addresses would together) is refused
 * with 503 once the bound is reached, and the server stays up. With a fixed bound of 100,000 pending ceremonies (about
 * 117 MB) the same flood ran the heap out and the server exited.
 */
class HeapBoundApiTest {
    private static final long HEAP = 64L << 20;
    private static final int FLOODERS = 4;

    @Test
    void aFloodOfPendingCeremoniesIsRefusedBeforeItExhaustsASmallHeap() throws Exception {
        try (ServerProcess server = ServerProcess.start(ServerProcess.embedded("http://localhost:8443"),
                List.of("-XX:+UseSerialGC", "-Xmx" + (HEAP >> 20) + "m"))) {
            // The JVM's maximum heap is -Xmx less a survivor space: the bound is a quarter of a little under 64 MiB.
            int lowest = InMemoryCeremonyStore.boundFor(HEAP - HEAP / 16);
            int bound = InMemoryCeremonyStore.boundFor(HEAP);
            assertThat(bound).as("a small heap's bound").isLessThan(InMemoryCeremonyStore.MAX_PENDING / 5);

            RawHttp http = new RawHttp(server.baseUrl());
            AtomicInteger started = new AtomicInteger();
            AtomicInteger sent = new AtomicInteger();
            AtomicReference<HttpResponse<String>> refusal = new AtomicReference<>();
            ExecutorService pool = Executors.newFixedThreadPool(FLOODERS);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < FLOODERS; i++) {
                    running.add(pool.submit(() -> {
                        // Stops at the first refusal or failure, or past the largest bound if there is none.
                        while (refusal.get() == null && sent.incrementAndGet() <= InMemoryCeremonyStore.MAX_PENDING) {
                            HttpResponse<String> answer = http.post("/register/start", "{\"username\": \"flood-"
                                    + sent.get() + "-" + Thread.currentThread().getId() + "\"}");
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
            System.out.println("[heap bound] -Xmx" + (HEAP >> 20) + "m: bound " + lowest + "-" + bound + ", " + started
                    + " ceremonies pending when the first start was refused");

            HttpResponse<String> refused = refusal.get();
            assertThat(refused).as("a refusal").isNotNull();
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(RawHttp.json(refused).path("message").asText())
                    .isEqualTo("Too many ceremonies are in progress; try again shortly.");
            // Flooders' starts racing the last free place may each get one past the bound.
            assertThat(started.get()).isBetween(lowest, bound + FLOODERS - 1);
            assertThat(server.awaitExit(Duration.ofMillis(500))).as("the server, still running: " + server.log()).isEmpty();
            assertThat(http.get("/health").statusCode()).isEqualTo(200);
            assertThat(server.log()).doesNotContain("OutOfMemoryError");
        }
    }
}

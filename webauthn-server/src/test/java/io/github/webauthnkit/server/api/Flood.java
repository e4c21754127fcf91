package io.github.webauthnkit.server.api;

import io.github.webauthnkit.server.testing.ServerProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** A flood of ceremony starts from a few threads, and what the servers' metrics say it made give way. */
final class Flood {
    private static final int THREADS = 4;
    private static final int LOG_TAIL = 4000;

    private Flood() {
    }

    /**
     * Sends {@code count} requests ({@code start} of 1 to count) from {@link #THREADS} threads; how many got each status.
     * A request that gets no answer fails with which one it was and what became of each of the {@code servers}.
     */
    static Map<Integer, Integer> send(List<ServerProcess> servers, int count, IntFunction<HttpResponse<String>> start)
            throws Exception {
        AtomicInteger sent = new AtomicInteger();
        Map<Integer, Integer> answers = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                running.add(pool.submit(() -> {
                    int n;
                    while ((n = sent.incrementAndGet()) <= count) {
                        try {
                            answers.merge(start.apply(n).statusCode(), 1, Integer::sum);
                        } catch (RuntimeException e) {
                            throw new AssertionError("request " + n + " of " + count + " got no answer (" + answers
                                    + " so far); " + state(servers), e);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> flooder : running) {
                try {
                    flooder.get(5, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof AssertionError failed) {
                        throw failed;
                    }
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return answers;
    }

    private static String state(List<ServerProcess> servers) {
        StringBuilder state = new StringBuilder();
        for (ServerProcess server : servers) {
            OptionalInt exit = server.awaitExit(Duration.ofSeconds(2));
            String log = server.log();
            state.append("\nthe server on port ").append(server.port())
                    .append(exit.isPresent() ? " exited with " + exit.getAsInt() : " still runs")
                    .append("; the end of its log:\n").append(log.substring(Math.max(0, log.length() - LOG_TAIL)));
        }
        return state.toString();
    }

    /** {@code webauthn_ceremonies_evicted_total} from a server's metrics. */
    static long evicted(RawHttp http) {
        String metrics = http.get("/metrics").body();
        return metrics.lines().filter(line -> line.startsWith("webauthn_ceremonies_evicted_total "))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no eviction counter in " + metrics));
    }
}

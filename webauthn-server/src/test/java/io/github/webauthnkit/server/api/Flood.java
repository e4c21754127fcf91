package io.github.webauthnkit.server.api;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** A flood of ceremony starts from a few threads, and what the servers' metrics say it made give way. */
final class Flood {
    private static final int THREADS = 4;

    private Flood() {
    }

    /** Sends {@code count} requests ({@code start} of 1 to count) from {@link #THREADS} threads; how many got each status. */
    static Map<Integer, Integer> send(int count, IntFunction<HttpResponse<String>> start) throws Exception {
        AtomicInteger sent = new AtomicInteger();
        Map<Integer, Integer> answers = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                running.add(pool.submit(() -> {
                    int n;
                    while ((n = sent.incrementAndGet()) <= count) {
                        answers.merge(start.apply(n).statusCode(), 1, Integer::sum);
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
        return answers;
    }

    /** {@code webauthn_ceremonies_evicted_total} from a server's metrics. */
    static long evicted(RawHttp http) {
        String metrics = http.get("/metrics").body();
        return metrics.lines().filter(line -> line.startsWith("webauthn_ceremonies_evicted_total "))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no eviction counter in " + metrics));
    }
}

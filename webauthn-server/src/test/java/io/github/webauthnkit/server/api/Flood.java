package io.github.webauthnkit.server.api;

import io.github.webauthnkit.server.testing.SocketHttp;
import io.github.webauthnkit.server.testing.ServerProcess;
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
import java.util.concurrent.atomic.AtomicReference;

/** A flood of ceremony starts from a few threads, and what the servers' metrics say it made give way. */
final class Flood {
    private static final int THREADS = 4;
    private static final int LOG_TAIL = 4000;

    private Flood() {
    }

    /** Request {@code n} of a flood, sent with the client of one of the servers (in the order given). */
    interface Start {
        SocketHttp.Response send(List<SocketHttp> clients, int n);
    }

    /**
     * Sends {@code count} requests ({@code start} of 1 to count) from {@link #THREADS} threads, each on its own kept-alive
     * connection to each server ({@link SocketHttp}); how many got each status.
     * A request that gets no answer stops the flood; once the other threads' requests are answered, it fails with which
     * one it was, the answers that came back, how many ceremony starts each of the {@code servers} handled, and what
     * became of each server. A start handled but not answered (the caller's own starts aside) lost its answer after the
     * handler ran; otherwise the request never reached a handler.
     */
    static Map<Integer, Integer> send(List<ServerProcess> servers, int count, Start start) throws Exception {
        List<SocketHttp> clients = servers.stream().map(server -> new SocketHttp(server.baseUrl())).toList();
        AtomicInteger sent = new AtomicInteger();
        Map<Integer, Integer> answers = new ConcurrentHashMap<>();
        AtomicReference<Lost> lost = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                running.add(pool.submit(() -> {
                    int n;
                    while (lost.get() == null && (n = sent.incrementAndGet()) <= count) {
                        try {
                            answers.merge(start.send(clients, n).status(), 1, Integer::sum);
                        } catch (RuntimeException e) {
                            lost.compareAndSet(null, new Lost(n, e));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> flooder : running) {
                try {
                    flooder.get(5, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
            clients.forEach(SocketHttp::close);
        }
        Lost first = lost.get();
        if (first != null) {
            throw new AssertionError("request " + first.request() + " of " + count + " got no answer (" + answers
                    + " came back); " + state(servers), first.failure());
        }
        return answers;
    }

    private record Lost(int request, RuntimeException failure) {
    }

    private static String state(List<ServerProcess> servers) {
        StringBuilder state = new StringBuilder();
        for (ServerProcess server : servers) {
            OptionalInt exit = server.awaitExit(Duration.ofSeconds(2));
            String log = server.log();
            state.append("\nthe server on port ").append(server.port())
                    .append(exit.isPresent() ? " exited with " + exit.getAsInt()
                            : " still runs and handled " + handledStarts(server) + " ceremony starts")
                    .append("; the end of its log:\n").append(log.substring(Math.max(0, log.length() - LOG_TAIL)));
        }
        return state.toString();
    }

    /** The ceremony starts a server's handlers finished, of every kind and outcome, from its metrics. */
    private static String handledStarts(ServerProcess server) {
        try {
            String metrics = new RawHttp(server.baseUrl()).get("/metrics").body();
            return Long.toString(metrics.lines()
                    .filter(line -> line.startsWith("webauthn_ceremony_duration_seconds_count{")
                            && line.contains("step=\"start\""))
                    .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum());
        } catch (RuntimeException e) {
            return "an unknown number of (its metrics did not answer: " + e + ")";
        }
    }

    /** {@code webauthn_ceremonies_evicted_total} from a server's metrics. */
    static long evicted(RawHttp http) {
        String metrics = http.get("/metrics").body();
        return metrics.lines().filter(line -> line.startsWith("webauthn_ceremonies_evicted_total "))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no eviction counter in " + metrics));
    }
}

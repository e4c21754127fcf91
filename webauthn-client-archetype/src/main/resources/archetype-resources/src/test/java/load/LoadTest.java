package ${package}.load;

import ${package}.support.PasskeyClient;
import ${package}.support.SoftwareAuthenticator;
import ${package}.support.TargetServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drives a running server with software authenticators over real HTTP: registers users, then runs authentication
 * ceremonies (start + complete, a fresh assertion each time) at a fixed concurrency for a fixed time, with a live
 * progress line, and ends with throughput, latency percentiles per step and errors by kind. Only a 200 with an
 * access token counts as a success.
 *
 * <pre>
 * ./mvnw -q -Pload-test -Dload.url=http://localhost:8080 -Dload.users=200 -Dload.concurrency=64 -Dload.duration=60s
 * </pre>
 *
 * It refuses a URL that is not on this machine unless {@code -Dload.allowRemote=true} is given.
 */
public final class LoadTest {
    private final String url;
    private final String origin;
    private final int users;
    private final int concurrency;
    private final Duration duration;
    private final SoftwareAuthenticator.Algorithm algorithm;

    private final Map<String, List<Long>> latencies = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final LongAdder successes = new LongAdder();

    LoadTest(String url, String origin, int users, int concurrency, Duration duration,
             SoftwareAuthenticator.Algorithm algorithm) {
        this.url = url;
        this.origin = origin;
        this.users = Math.max(users, concurrency);
        this.concurrency = concurrency;
        this.duration = duration;
        this.algorithm = algorithm;
    }

    /** The outcome of a run. */
    public record Result(long ceremonies, double perSecond, Map<String, long[]> percentilesMicros,
                         Map<String, Long> errors) {
        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public static void main(String[] args) throws Exception {
        TargetServer target;
        try {
            target = TargetServer.of(option("load.url", "http://localhost:8080"), option("load.origin", null),
                    Boolean.parseBoolean(option("load.allowRemote", "false")), "-Dload.allowRemote");
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        String url = target.url();
        String origin = target.origin();
        LoadTest test = new LoadTest(url, origin, Integer.parseInt(option("load.users", "100")),
                Integer.parseInt(option("load.concurrency", "16")), parseDuration(option("load.duration", "30s")),
                SoftwareAuthenticator.Algorithm.valueOf(option("load.algorithm", "ES256")));
        Result result = test.run(System.out);
        System.out.println(table(result));
        System.exit(result.errorCount() == 0 ? 0 : 1);
    }

    /** Registers the users, then authenticates for the configured time; prints progress to {@code out}. */
    public Result run(java.io.PrintStream out) throws Exception {
        // Shut down at the end: Maven's exec:java waits for every live non-daemon thread before it exits.
        ExecutorService httpThreads = Executors.newFixedThreadPool(Math.min(64, concurrency));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).executor(httpThreads).build();
        List<PasskeyClient> clients = new ArrayList<>();
        List<String> names = new ArrayList<>();
        String prefix = "load-" + Long.toString(System.currentTimeMillis(), 36) + "-";
        for (int i = 0; i < users; i++) {
            clients.add(new PasskeyClient(http, url, new SoftwareAuthenticator(origin, algorithm)));
            names.add(prefix + i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            out.printf("Registering %d users at concurrency %d against %s ...%n", users, concurrency, url);
            List<java.util.concurrent.Future<?>> registrations = new ArrayList<>();
            for (int i = 0; i < users; i++) {
                int index = i;
                registrations.add(pool.submit(() -> clients.get(index).register(names.get(index))));
            }
            for (java.util.concurrent.Future<?> registration : registrations) {
                registration.get(5, TimeUnit.MINUTES);
            }
            out.printf("Authenticating for %d s at concurrency %d ...%n", duration.toSeconds(), concurrency);
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            for (int w = 0; w < concurrency; w++) {
                int worker = w;
                pool.submit(() -> {
                    for (int i = worker; System.nanoTime() < end; i += concurrency) {
                        int user = i % users;
                        ceremony(clients.get(user), names.get(user));
                    }
                });
            }
            while (System.nanoTime() < end) {
                Thread.sleep(1000);
                long now = System.nanoTime();
                double seconds = (now - start) / 1e9;
                out.printf(Locale.ROOT, "\r[%3.0f s] %d ok, %d errors, %.0f ceremonies/s   ", seconds,
                        successes.sum(), errorTotal(), successes.sum() / seconds);
            }
            pool.shutdown();
            pool.awaitTermination(2, TimeUnit.MINUTES);
            double elapsed = (System.nanoTime() - start) / 1e9;
            out.println();
            Map<String, long[]> percentiles = new TreeMap<>();
            latencies.forEach((step, values) -> percentiles.put(step, percentiles(values)));
            Map<String, Long> errorCounts = new TreeMap<>();
            errors.forEach((kind, count) -> errorCounts.put(kind, count.sum()));
            return new Result(successes.sum(), successes.sum() / elapsed, percentiles, errorCounts);
        } finally {
            pool.shutdownNow();
            httpThreads.shutdownNow();
        }
    }

    private void ceremony(PasskeyClient client, String username) {
        long t0 = System.nanoTime();
        try {
            PasskeyClient.Response started = client.startAuthentication(username);
            long t1 = System.nanoTime();
            record("start", t1 - t0);
            if (started.status() != 200) {
                error("start HTTP " + started.status());
                return;
            }
            JsonNode body = started.body();
            PasskeyClient.Response completed = client.completeAuthentication(body);
            long t2 = System.nanoTime();
            record("complete", t2 - t1);
            if (completed.status() != 200 || completed.body() == null
                    || completed.body().path("access_token").asText().isEmpty()) {
                error("complete HTTP " + completed.status());
                return;
            }
            record("ceremony", t2 - t0);
            successes.increment();
        } catch (RuntimeException e) {
            error(e.getClass().getSimpleName());
        }
    }

    private void record(String step, long nanos) {
        latencies.computeIfAbsent(step, s -> Collections.synchronizedList(new ArrayList<>())).add(nanos / 1000);
    }

    private void error(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    private long errorTotal() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private static long[] percentiles(List<Long> values) {
        List<Long> sorted;
        synchronized (values) {
            sorted = new ArrayList<>(values);
        }
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return new long[4];
        }
        return new long[] {at(sorted, 0.50), at(sorted, 0.95), at(sorted, 0.99), sorted.get(sorted.size() - 1)};
    }

    private static long at(List<Long> sorted, double quantile) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(quantile * sorted.size()) - 1));
    }

    /** The result as a Markdown table. */
    public static String table(Result result) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%n%d successful ceremonies, %.1f ceremonies/s, %d errors%n%n",
                result.ceremonies(), result.perSecond(), result.errorCount()));
        out.append("| step | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|\n");
        result.percentilesMicros().forEach((step, p) -> out.append(String.format(Locale.ROOT,
                "| %s | %.1f | %.1f | %.1f | %.1f |%n", step, p[0] / 1000.0, p[1] / 1000.0, p[2] / 1000.0, p[3] / 1000.0)));
        if (!result.errors().isEmpty()) {
            out.append("\n| error | count |\n|---|---|\n");
            result.errors().forEach((kind, count) -> out.append("| ").append(kind).append(" | ").append(count)
                    .append(" |\n"));
        }
        return out.toString();
    }

    private static String option(String name, String fallback) {
        String value = System.getProperty(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    static Duration parseDuration(String text) {
        String value = text.toLowerCase(Locale.ROOT);
        if (value.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
        }
        long amount = Long.parseLong(value.substring(0, value.length() - 1));
        return switch (value.charAt(value.length() - 1)) {
            case 's' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMinutes(amount);
            default -> throw new IllegalArgumentException("load.duration: use 30s or 2m, not " + text);
        };
    }
}

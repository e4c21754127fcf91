package io.github.webauthnkit.server.tools;

import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.TargetServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * {@code -Dload.warmup=10s} runs ceremonies for that long first and leaves them out of the figures (their errors
 * still count), so that neither side's JIT compilation is measured. By default every client starts its next ceremony
 * as soon as the last one ends (the most load the clients can make); {@code -Dload.pause=2s} makes each client wait a
 * random 50-150% of that between ceremonies, as people signing in do. It refuses a URL that is not on this machine
 * unless {@code -Dload.allowRemote=true} is given.
 */
public final class LoadTest {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");

    private final String url;
    private final String origin;
    private final int users;
    private final int concurrency;
    private final Duration warmup;
    private final Duration duration;
    private final Duration pause;
    private final SoftwareAuthenticator.Algorithm algorithm;

    private final Map<String, List<Long>> latencies = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final LongAdder successes = new LongAdder();
    /** System.nanoTime() from which ceremonies count; until then they are warm-up. */
    private volatile long measuredFrom = Long.MAX_VALUE;

    /** @param pause each client's mean wait between its ceremonies; zero for none */
    public LoadTest(String url, String origin, int users, int concurrency, Duration warmup, Duration duration,
                    Duration pause, SoftwareAuthenticator.Algorithm algorithm) {
        if (users < 1 || concurrency < 1) {
            throw new IllegalArgumentException("load.users and load.concurrency must be at least 1");
        }
        if (duration.isZero() || duration.isNegative() || warmup.isNegative() || pause.isNegative()) {
            throw new IllegalArgumentException("load.duration must be positive, load.warmup and load.pause not negative");
        }
        this.url = url;
        this.origin = origin;
        this.users = Math.max(users, concurrency);
        this.concurrency = concurrency;
        this.warmup = warmup;
        this.duration = duration;
        this.pause = pause;
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
        LoadTest test;
        try {
            TargetServer target = TargetServer.of(option("load.url", "http://localhost:8080"),
                    option("load.origin", null), Boolean.parseBoolean(option("load.allowRemote", "false")),
                    "-Dload.allowRemote");
            test = new LoadTest(target.url(), target.origin(), wholeNumber("load.users", option("load.users", "100")),
                    wholeNumber("load.concurrency", option("load.concurrency", "16")),
                    parseDuration("load.warmup", option("load.warmup", "0s")),
                    parseDuration("load.duration", option("load.duration", "30s")),
                    parseDuration("load.pause", option("load.pause", "0s")),
                    algorithm(option("load.algorithm", "ES256")));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Result result = test.run(System.out);
        System.out.println(table(result));
        System.exit(result.errorCount() == 0 ? 0 : 1);
    }

    /** Registers the users, then authenticates for the configured time; prints progress to {@code out}. */
    public Result run(java.io.PrintStream out) throws Exception {
        // Shut down at the end: Maven's exec:java waits for every live non-daemon thread before it exits.
        ExecutorService httpThreads = Executors.newFixedThreadPool(Math.min(64, concurrency));
        // HTTP/1.1 as the server speaks it: the client's default (HTTP/2) would ask to upgrade on every request.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(httpThreads).build();
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
            String paced = pause.isZero() ? "" : String.format(Locale.ROOT, ", each client pausing %.1f s on average",
                    pause.toMillis() / 1000.0);
            String measuring = String.format("Authenticating for %d s at concurrency %d%s ...%n", duration.toSeconds(),
                    concurrency, paced);
            out.print(warmup.isZero() ? measuring
                    : String.format("Warming up for %d s at concurrency %d%s (not measured) ...%n", warmup.toSeconds(),
                    concurrency, paced));
            long start = System.nanoTime() + warmup.toNanos();
            long end = start + duration.toNanos();
            measuredFrom = start;
            for (int w = 0; w < concurrency; w++) {
                int worker = w;
                pool.submit(() -> {
                    // A paced client pauses before each ceremony, so it also starts at a random moment.
                    for (int i = worker; pauseBefore(end) && System.nanoTime() < end; i += concurrency) {
                        int user = i % users;
                        ceremony(clients.get(user), names.get(user));
                    }
                });
            }
            boolean announced = warmup.isZero();
            while (System.nanoTime() < end) {
                Thread.sleep(1000);
                long now = System.nanoTime();
                if (now < start) {
                    out.printf(Locale.ROOT, "\r[warm-up, %3.0f s left] %d errors   ", (start - now) / 1e9, errorTotal());
                    continue;
                }
                if (!announced) {
                    out.print(System.lineSeparator() + measuring);
                    announced = true;
                }
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

    /** Waits 50-150% of the pause (not past the end); false if the run ends or is interrupted first. */
    private boolean pauseBefore(long end) {
        if (pause.isZero()) {
            return true;
        }
        long wait = (long) (pause.toNanos() * ThreadLocalRandom.current().nextDouble(0.5, 1.5));
        long left = end - System.nanoTime();
        try {
            TimeUnit.NANOSECONDS.sleep(Math.min(wait, Math.max(0, left)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return wait < left;
    }

    /** One ceremony; it counts in the figures if it started after the warm-up, and its errors count either way. */
    private void ceremony(PasskeyClient client, String username) {
        long t0 = System.nanoTime();
        boolean measured = t0 - measuredFrom >= 0;
        try {
            PasskeyClient.Response started = client.startAuthentication(username);
            long t1 = System.nanoTime();
            record(measured, "start", t1 - t0);
            if (started.status() != 200) {
                error(measured, "start HTTP " + started.status());
                return;
            }
            JsonNode body = started.body();
            PasskeyClient.Response completed = client.completeAuthentication(body);
            long t2 = System.nanoTime();
            record(measured, "complete", t2 - t1);
            if (completed.status() != 200 || completed.body() == null
                    || completed.body().path("access_token").asText().isEmpty()) {
                error(measured, "complete HTTP " + completed.status());
                return;
            }
            record(measured, "ceremony", t2 - t0);
            if (measured) {
                successes.increment();
            }
        } catch (RuntimeException e) {
            error(measured, kind(e));
        }
    }

    /** An exception's kind for the error table: its class and its cause's (a connect timeout, a reset), no message. */
    static String kind(Throwable e) {
        Throwable cause = e.getCause();
        return e.getClass().getSimpleName() + (cause == null ? "" : " (" + cause.getClass().getSimpleName() + ")");
    }

    private void record(boolean measured, String step, long nanos) {
        if (measured) {
            latencies.computeIfAbsent(step, s -> Collections.synchronizedList(new ArrayList<>())).add(nanos / 1000);
        }
    }

    private void error(boolean measured, String kind) {
        errors.computeIfAbsent(measured ? kind : "during warm-up: " + kind, k -> new LongAdder()).increment();
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

    /** {@code 30s}, {@code 2m} or {@code 500ms}. */
    static Duration parseDuration(String name, String text) {
        Matcher m = DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(name + ": use a duration such as 30s, 2m or 500ms, not \"" + text + "\"");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            default -> Duration.ofMinutes(amount);
        };
    }

    static int wholeNumber(String name, String text) {
        if (!text.matches("\\d{1,7}") || Integer.parseInt(text) < 1) {
            throw new IllegalArgumentException(name + ": use a whole number from 1, not \"" + text + "\"");
        }
        return Integer.parseInt(text);
    }

    static SoftwareAuthenticator.Algorithm algorithm(String text) {
        return Arrays.stream(SoftwareAuthenticator.Algorithm.values()).filter(a -> a.name().equalsIgnoreCase(text))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("load.algorithm: use one of "
                        + Arrays.toString(SoftwareAuthenticator.Algorithm.values()) + ", not \"" + text + "\""));
    }
}

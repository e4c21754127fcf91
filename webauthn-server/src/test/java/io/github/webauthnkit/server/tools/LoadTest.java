package io.github.webauthnkit.server.tools;

import io.github.webauthnkit.server.crypto.CryptoProviders;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SocketHttp;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.TargetServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

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
 * random 50-150% of that between ceremonies, as people signing in do.
 *
 * <p>{@code -Dload.rate=50} runs an open loop instead: ceremonies start at random moments (a Poisson process, 50 a
 * second on average) whether or not earlier ones have finished, as independent people arrive. A ceremony's latency
 * then counts from the moment it was due to start, so time spent waiting behind slow ones shows (no coordinated
 * omission); {@code load.concurrency} becomes the most ceremonies in flight at once, and a start due while that many
 * are in flight is dropped and reported, as are starts more than 10 ms behind schedule. The summary gives the rate
 * sustained beside the rate requested.
 *
 * <p>Latencies go into HdrHistograms (memory flat however long the run), reported as p50/p90/p95/p99/max. Besides the
 * table on standard output it writes a self-contained HTML report (throughput and latency per second, the latency
 * distribution, errors by kind) to {@code target/load-report.html}, or to {@code -Dload.report=<file>}. It refuses a
 * URL that is not on this machine unless {@code -Dload.allowRemote=true} is given.
 *
 * <p>The software authenticators sign with the native provider the server uses where it loads
 * ({@code -Dload.nativeCrypto=false} for the JDK's), so that on a shared machine the clients' signatures take little
 * of the CPU the server is measured on.
 */
public final class LoadTest {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");
    private static final Pattern RATE = Pattern.compile("\\d{1,7}(\\.\\d{1,3})?");
    /** An open-loop start this far behind its scheduled moment is reported as late (the tool's machine lagging). */
    static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final String url;
    private final String origin;
    private final int users;
    private final int concurrency;
    private final Duration warmup;
    private final Duration duration;
    private final Duration pause;
    private final SoftwareAuthenticator.Algorithm algorithm;
    /** Open-loop ceremonies per second; zero for the closed loop. */
    private final double rate;

    private final StepLatencies latencies = new StepLatencies();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final LongAdder successes = new LongAdder();
    private final LongAdder measuredErrors = new LongAdder();
    /** The measured errors already in the per-second series (only the ticking thread). */
    private long errorsInSeconds;
    private final LongAdder started = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder late = new LongAdder();
    /** System.nanoTime() from which ceremonies count; until then they are warm-up. */
    private volatile long measuredFrom = Long.MAX_VALUE;

    /**
     * @param pause each client's mean wait between its ceremonies; zero for none
     * @param rate  ceremonies per second started in an open loop; zero for the closed loop
     */
    public LoadTest(String url, String origin, int users, int concurrency, Duration warmup, Duration duration,
                    Duration pause, SoftwareAuthenticator.Algorithm algorithm, double rate) {
        if (users < 1 || concurrency < 1) {
            throw new IllegalArgumentException("load.users and load.concurrency must be at least 1");
        }
        if (duration.isZero() || duration.isNegative() || warmup.isNegative() || pause.isNegative()) {
            throw new IllegalArgumentException("load.duration must be positive, load.warmup and load.pause not negative");
        }
        if (rate < 0 || rate > 0 && !pause.isZero()) {
            throw new IllegalArgumentException("load.rate must be positive, and load.pause (for the closed loop) left out with it");
        }
        this.url = url;
        this.origin = origin;
        this.users = Math.max(users, concurrency);
        this.concurrency = concurrency;
        this.warmup = warmup;
        this.duration = duration;
        this.pause = pause;
        this.algorithm = algorithm;
        this.rate = rate;
    }

    /**
     * The outcome of a run: {@code load} says how it loaded the server, {@code latencies} hold microseconds by step,
     * {@code seconds} the measured run second by second, {@code openLoop} is null for the closed loop.
     */
    public record Result(String load, long ceremonies, double perSecond, Map<String, Histogram> latencies,
                         Map<String, Long> errors, OpenLoop openLoop, List<Second> seconds) {
        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        public Map<String, Percentiles> percentilesMicros() {
            Map<String, Percentiles> percentiles = new TreeMap<>();
            latencies.forEach((step, histogram) -> percentiles.put(step, Percentiles.of(histogram)));
            return percentiles;
        }
    }

    /** Latency percentiles in microseconds, and how many latencies they are of. */
    public record Percentiles(long count, long p50, long p90, long p95, long p99, long max) {
        static Percentiles of(Histogram h) {
            return new Percentiles(h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(90),
                    h.getValueAtPercentile(95), h.getValueAtPercentile(99), h.getMaxValue());
        }
    }

    /**
     * A second of the measured run, ending {@code end} seconds into it (the ceremonies that end after the run's time are
     * a last, shorter one): the ceremonies and errors that ended in it, and the ceremonies' latencies.
     */
    public record Second(double end, double length, long successes, long errors, Percentiles ceremony) {
        public double perSecond() {
            return successes / length;
        }
    }

    /**
     * The open loop's account: the rate requested; ceremonies started (and their rate), dropped because the in-flight
     * limit was reached, and started more than {@link #LATE_NANOS} behind schedule.
     */
    public record OpenLoop(double requestedPerSecond, long started, double startedPerSecond, long dropped, long late,
                           int inFlightLimit) {
    }

    public static void main(String[] args) throws Exception {
        System.exit(runTool(System.getProperties(), System.out, System.err));
    }

    /**
     * The tool as {@code main} runs it, its {@code load.*} options taken from {@code options}: prints its progress and
     * table to {@code out}, a bad option to {@code err}, and writes the HTML report. One JVM may run it many times:
     * the benchmark keeps a warm one across its steps.
     *
     * @return the exit status: 0; 1 when a ceremony failed or an open-loop start was dropped; 2 for a bad option
     */
    public static int runTool(Properties options, PrintStream out, PrintStream err) throws Exception {
        LoadTest test;
        boolean nativeCrypto;
        try {
            nativeCrypto = flag("load.nativeCrypto", option(options, "load.nativeCrypto", "true"));
            TargetServer target = TargetServer.of(option(options, "load.url", "http://localhost:8080"),
                    option(options, "load.origin", null),
                    Boolean.parseBoolean(option(options, "load.allowRemote", "false")), "-Dload.allowRemote");
            test = new LoadTest(target.url(), target.origin(),
                    wholeNumber("load.users", option(options, "load.users", "100")),
                    wholeNumber("load.concurrency", option(options, "load.concurrency", "16")),
                    parseDuration("load.warmup", option(options, "load.warmup", "0s")),
                    parseDuration("load.duration", option(options, "load.duration", "30s")),
                    parseDuration("load.pause", option(options, "load.pause", "0s")),
                    algorithm(option(options, "load.algorithm", "ES256")),
                    parseRate(option(options, "load.rate", null)));
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        Path report = Path.of(option(options, "load.report", "target/load-report.html")).toAbsolutePath();
        String signer = CryptoProviders.install(nativeCrypto);
        out.println("The authenticators sign with " + signer + " (-Dload.nativeCrypto=false: the JDK's)");
        Result result = test.run(out);
        out.println(table(result));
        Files.createDirectories(report.getParent());
        Files.writeString(report, LoadReport.html(result, Instant.now()));
        out.println("HTML report: " + report);
        boolean dropped = result.openLoop() != null && result.openLoop().dropped() > 0;
        return result.errorCount() == 0 && !dropped ? 0 : 1;
    }

    /** Registers the users, then authenticates for the configured time; prints progress to {@code out}. */
    public Result run(PrintStream out) throws Exception {
        // Plain HTTP on a kept-alive socket per worker thread (SocketHttp): the JDK's HttpClient took two thirds of
        // the tool's CPU, on the cores it shares with a server on the same machine. Over https, the JDK's client.
        boolean plain = URI.create(url).getScheme().equalsIgnoreCase("http");
        SocketHttp sockets = plain ? new SocketHttp(url) : null;
        // Shut down at the end: Maven's exec:java waits for every live non-daemon thread before it exits.
        ExecutorService httpThreads = plain ? null : Executors.newFixedThreadPool(Math.min(64, concurrency));
        // HTTP/1.1 as the server speaks it: the client's default (HTTP/2) would ask to upgrade on every request.
        HttpClient http = plain ? null : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(httpThreads).build();
        List<PasskeyClient> clients = new ArrayList<>();
        List<String> names = new ArrayList<>();
        String prefix = "load-" + Long.toString(System.currentTimeMillis(), 36) + "-";
        for (int i = 0; i < users; i++) {
            SoftwareAuthenticator authenticator = new SoftwareAuthenticator(origin, algorithm);
            clients.add(plain ? new PasskeyClient(sockets, authenticator)
                    : new PasskeyClient(http, url, authenticator));
            names.add(prefix + i);
        }
        // The open loop's scheduler takes one more thread.
        ExecutorService pool = Executors.newFixedThreadPool(concurrency + (rate > 0 ? 1 : 0));
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
            String load = load();
            String measuring = String.format("Authenticating for %d s %s ...%n", duration.toSeconds(), load);
            out.print(warmup.isZero() ? measuring
                    : String.format("Warming up for %d s %s (not measured) ...%n", warmup.toSeconds(), load));
            long start = System.nanoTime() + warmup.toNanos();
            long end = start + duration.toNanos();
            measuredFrom = start;
            java.util.concurrent.Future<?> scheduler = rate > 0
                    ? pool.submit(() -> openLoop(pool, clients, names, end)) : CompletableFuture.completedFuture(null);
            if (rate == 0) {
                for (int w = 0; w < concurrency; w++) {
                    int worker = w;
                    pool.submit(() -> {
                        // A paced client pauses before each ceremony, so it also starts at a random moment.
                        for (int i = worker; pauseBefore(end) && System.nanoTime() < end; i += concurrency) {
                            int user = i % users;
                            ceremony(clients.get(user), names.get(user), System.nanoTime());
                        }
                    });
                }
            }
            for (long now = System.nanoTime(); now < start; now = System.nanoTime()) {
                sleepUntil(Math.min(now + TimeUnit.SECONDS.toNanos(1), start));
                out.printf(Locale.ROOT, "\r[warm-up, %3.0f s left] %d errors   ", (start - System.nanoTime()) / 1e9,
                        errorTotal());
            }
            if (!warmup.isZero()) {
                out.print(System.lineSeparator() + measuring);
            }
            List<Second> seconds = new ArrayList<>();
            for (long tick = start; tick != end; ) {
                tick = Math.min(tick + TimeUnit.SECONDS.toNanos(1), end);
                sleepUntil(tick);
                double elapsed = (tick - start) / 1e9;
                second(seconds, elapsed);
                out.printf(Locale.ROOT, "\r[%3.0f s] %d ok, %d errors, %.0f ceremonies/s%s   ", elapsed, successes.sum(),
                        errorTotal(), successes.sum() / elapsed, rate > 0 ? ", " + dropped.sum() + " dropped" : "");
            }
            scheduler.get(); // its last start is in the pool before the pool stops taking work
            pool.shutdown();
            pool.awaitTermination(2, TimeUnit.MINUTES);
            double elapsed = (System.nanoTime() - start) / 1e9;
            second(seconds, elapsed);
            out.println();
            Map<String, Long> errorCounts = new TreeMap<>();
            errors.forEach((kind, count) -> errorCounts.put(kind, count.sum()));
            OpenLoop openLoop = rate > 0 ? new OpenLoop(rate, started.sum(), started.sum() * 1e9 / duration.toNanos(),
                    dropped.sum(), late.sum(), concurrency) : null;
            return new Result(load, successes.sum(), successes.sum() / elapsed, latencies.totals(), errorCounts,
                    openLoop, seconds);
        } finally {
            pool.shutdownNow();
            if (plain) {
                sockets.close();
            } else {
                httpThreads.shutdownNow();
            }
        }
    }

    private String load() {
        if (rate > 0) {
            return String.format(Locale.ROOT, "at %s ceremonies/s arriving at random (open loop, at most %d in flight)",
                    SvgChart.number(rate), concurrency);
        }
        return "at concurrency " + concurrency + (pause.isZero() ? "" : String.format(Locale.ROOT,
                ", each client pausing %.1f s on average", pause.toMillis() / 1000.0));
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        for (long wait = nanoTime - System.nanoTime(); wait > 0; wait = nanoTime - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** Adds the second that ended {@code at} seconds into the run, unless it is the run's tail and nothing ended in it. */
    private void second(List<Second> seconds, double at) {
        Second last = seconds.isEmpty() ? new Second(0, 0, 0, 0, null) : seconds.get(seconds.size() - 1);
        Histogram ceremony = latencies.interval().get("ceremony");
        long successes = ceremony == null ? 0 : ceremony.getTotalCount();
        long errorsNow = measuredErrors.sum();
        long errors = errorsNow - errorsInSeconds;
        errorsInSeconds = errorsNow;
        if (at - last.end() >= 0.999 || successes + errors > 0) {
            seconds.add(new Second(at, at - last.end(), successes, errors,
                    successes == 0 ? null : Percentiles.of(ceremony)));
        }
    }

    /**
     * Starts ceremonies at exponentially distributed intervals (a Poisson process at {@link #rate}) until the end, each
     * on a pool thread, at most {@link #concurrency} at once: a start due while that many are in flight is dropped.
     */
    private void openLoop(ExecutorService pool, List<PasskeyClient> clients, List<String> names, long end) {
        Semaphore inFlight = new Semaphore(concurrency);
        long due = System.nanoTime();
        for (int i = 0; ; i++) {
            due += (long) (-Math.log(1 - ThreadLocalRandom.current().nextDouble()) * 1e9 / rate);
            if (due - end >= 0) {
                return;
            }
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
            }
            boolean measured = due - measuredFrom >= 0;
            if (!inFlight.tryAcquire()) {
                if (measured) {
                    dropped.increment();
                }
                continue;
            }
            if (measured) {
                started.increment();
            }
            long scheduled = due;
            int user = i % users;
            pool.execute(() -> {
                try {
                    if (measured && System.nanoTime() - scheduled > LATE_NANOS) {
                        late.increment();
                    }
                    ceremony(clients.get(user), names.get(user), scheduled);
                } finally {
                    inFlight.release();
                }
            });
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

    /**
     * One ceremony, due at {@code scheduled} (its latency counts from then); it counts in the figures if it was due
     * after the warm-up, and its errors count either way.
     */
    private void ceremony(PasskeyClient client, String username, long scheduled) {
        long t0 = System.nanoTime();
        boolean measured = scheduled - measuredFrom >= 0;
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
            record(measured, "ceremony", t2 - scheduled);
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
            latencies.record(step, nanos / 1000);
        }
    }

    private void error(boolean measured, String kind) {
        errors.computeIfAbsent(measured ? kind : "during warm-up: " + kind, k -> new LongAdder()).increment();
        if (measured) {
            measuredErrors.increment();
        }
    }

    private long errorTotal() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** The result as a Markdown table. */
    public static String table(Result result) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%n%d successful ceremonies, %.1f ceremonies/s, %d errors%n",
                result.ceremonies(), result.perSecond(), result.errorCount()));
        OpenLoop open = result.openLoop();
        if (open != null) {
            out.append(String.format(Locale.ROOT, "Open loop: %s ceremonies/s requested, %.1f/s started, %.1f/s "
                            + "sustained; %d starts dropped (%d in flight, the limit), %d started over %d ms late%n",
                    SvgChart.number(open.requestedPerSecond()), open.startedPerSecond(), result.perSecond(),
                    open.dropped(), open.inFlightLimit(), open.late(), TimeUnit.NANOSECONDS.toMillis(LATE_NANOS)));
        }
        out.append("\n| step | p50 ms | p90 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n");
        result.percentilesMicros().forEach((step, p) -> out.append(String.format(Locale.ROOT,
                "| %s | %.1f | %.1f | %.1f | %.1f | %.1f |%n", step, p.p50() / 1000.0, p.p90() / 1000.0,
                p.p95() / 1000.0, p.p99() / 1000.0, p.max() / 1000.0)));
        if (!result.errors().isEmpty()) {
            out.append("\n| error | count |\n|---|---|\n");
            result.errors().forEach((kind, count) -> out.append("| ").append(kind).append(" | ").append(count)
                    .append(" |\n"));
        }
        return out.toString();
    }

    private static String option(Properties options, String name, String fallback) {
        String value = options.getProperty(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    /** {@code true} or {@code false}, in any case. */
    static boolean flag(String name, String value) {
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(name + ": use true or false, not \"" + value + "\"");
        }
        return Boolean.parseBoolean(value);
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

    /** Ceremonies per second such as {@code 50} or {@code 0.5}; none (null) is the closed loop, 0. */
    static double parseRate(String text) {
        if (text == null) {
            return 0;
        }
        if (!RATE.matcher(text).matches() || Double.parseDouble(text) <= 0) {
            throw new IllegalArgumentException("load.rate: use ceremonies per second above 0, such as 50 or 0.5, not \""
                    + text + "\"");
        }
        return Double.parseDouble(text);
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

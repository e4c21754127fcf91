package io.github.webauthnkit.server.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.webauthnkit.server.extension.TokenClaims;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Algorithm;
import io.github.webauthnkit.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load-test tool against the real server: what it counts as a success is what the server counted, warm-up is left
 * out, and a server that goes away shows up as errors.
 */
class LoadTestToolTest {
    private static final Pattern SUCCESSES = Pattern.compile(
            "webauthn_ceremonies_total\\{ceremony=\"authentication\",outcome=\"success\"} ([0-9.E]+)");
    private static final Pattern PROGRESS = Pattern.compile("\\[\\s*\\d+ s] (\\d+) ok, (\\d+) errors");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void countsExactlyTheCeremoniesTheServerCompletedAndLeavesTheWarmUpOut() throws Exception {
        try (TestServer server = TestServer.start()) {
            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            long before = serverSuccesses(server);
            LoadTest.Result plain = load(server, 4, Duration.ZERO, Duration.ofSeconds(2), Duration.ZERO)
                    .run(printingTo(progress));
            long afterPlain = serverSuccesses(server);

            assertThat(plain.errors()).isEmpty();
            assertThat(plain.ceremonies()).isPositive().isEqualTo(afterPlain - before);
            assertThat(plain.perSecond()).isBetween(plain.ceremonies() / 3.0, plain.ceremonies() / 1.9);
            assertThat(plain.percentilesMicros()).containsOnlyKeys("start", "complete", "ceremony");
            LoadTest.Percentiles ceremony = plain.percentilesMicros().get("ceremony");
            assertThat(ceremony.count()).as("the histogram holds every measured ceremony").isEqualTo(plain.ceremonies());
            assertThat(ceremony.p50()).isPositive().isLessThanOrEqualTo(ceremony.p90());
            assertThat(ceremony.p90()).isLessThanOrEqualTo(ceremony.p95());
            assertThat(ceremony.p95()).isLessThanOrEqualTo(ceremony.p99());
            assertThat(ceremony.p99()).isLessThanOrEqualTo(ceremony.max());
            assertThat(plain.openLoop()).isNull();
            assertThat(progress.toString(StandardCharsets.UTF_8)).contains("Registering 4 users", "ok, 0 errors");
            assertThat(LoadTest.table(plain)).contains("| step | p50 ms | p90 ms | p95 ms | p99 ms | max ms |",
                    "| ceremony |").doesNotContain("| error |", "Open loop");

            progress.reset();
            LoadTest.Result warmed = load(server, 4, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ZERO)
                    .run(printingTo(progress));
            long afterWarmed = serverSuccesses(server);
            assertThat(warmed.errors()).isEmpty();
            assertThat(warmed.ceremonies()).as("the server also completed the warm-up's ceremonies")
                    .isPositive().isLessThan(afterWarmed - afterPlain);
            assertThat(progress.toString(StandardCharsets.UTF_8)).contains("Warming up for 1 s", "Authenticating for 2 s");
        }
    }

    @Test
    void aServerThatGoesAwayIsCountedAsErrorsNeverAsSuccesses() throws Exception {
        TestServer server = TestServer.start();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        LoadTest test = load(server, 4, Duration.ZERO, Duration.ofSeconds(4), Duration.ZERO);
        CompletableFuture<LoadTest.Result> run = CompletableFuture.supplyAsync(() -> {
            try {
                return test.run(printingTo(progress));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1500);
        server.close();
        LoadTest.Result result = run.get();

        assertThat(result.errorCount()).as("ceremonies against a stopped server").isPositive();
        assertThat(result.errors().keySet()).allSatisfy(kind -> assertThat(kind).containsAnyOf("Exception", "HTTP"));
        assertThat(LoadTest.table(result)).contains("| error | count |");
        String report = LoadReport.html(result, Instant.now());
        assertThat(report).contains("<h2>Errors by kind</h2>\n<table>");
        result.errors().forEach((kind, count) -> assertThat(report).contains("<tr><td>" + kind + "</td><td>" + count));
        assertThat(perSecondRows(report).stream().mapToLong(row -> row[2]).sum())
                .as("errors per second add up to the errors counted after the warm-up").isEqualTo(result.errorCount());
        // The progress lines of the last seconds, long after the stop: successes stand still while errors grow.
        Matcher line = PROGRESS.matcher(progress.toString(StandardCharsets.UTF_8));
        long[] previous = null;
        long[] last = null;
        while (line.find()) {
            previous = last;
            last = new long[] {Long.parseLong(line.group(1)), Long.parseLong(line.group(2))};
        }
        assertThat(previous).as("progress lines:%n%s", progress).isNotNull();
        assertThat(result.ceremonies()).isPositive().isEqualTo(last[0]).isEqualTo(previous[0]);
        assertThat(last[1]).as("errors in the last second").isGreaterThan(previous[1]);
    }

    @Test
    void pausedClientsWaitBetweenTheirCeremonies() throws Exception {
        try (TestServer server = TestServer.start()) {
            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            long before = serverSuccesses(server);
            // 3 clients for 3 s, pausing 0.5-1.5 s: each starts at a random moment and fits in at most 6 ceremonies.
            LoadTest.Result paced = load(server, 3, Duration.ZERO, Duration.ofSeconds(3), Duration.ofSeconds(1))
                    .run(printingTo(progress));
            assertThat(paced.errors()).isEmpty();
            assertThat(paced.ceremonies()).isBetween(3L, 18L).isEqualTo(serverSuccesses(server) - before);
            assertThat(progress.toString(StandardCharsets.UTF_8)).contains("each client pausing 1.0 s on average");
        }
    }

    @Test
    void oneJvmRunsTheToolAgainAndAgainWithTheOptionsItIsGiven(@TempDir Path dir) throws Exception {
        try (TestServer server = TestServer.start()) {
            for (String concurrency : List.of("2", "3")) {
                Properties options = new Properties();
                options.setProperty("load.url", server.baseUrl());
                options.setProperty("load.origin", server.origin());
                options.setProperty("load.users", "3");
                options.setProperty("load.concurrency", concurrency);
                options.setProperty("load.duration", "1s");
                options.setProperty("load.report", dir.resolve("report-" + concurrency + ".html").toString());
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();

                int status = LoadTest.runTool(options, printingTo(out), printingTo(err));

                assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isZero();
                assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
                assertThat(out.toString(StandardCharsets.UTF_8)).contains("at concurrency " + concurrency,
                        "successful ceremonies", " 0 errors", "| ceremony |", "HTML report: ");
                assertThat(Files.readString(dir.resolve("report-" + concurrency + ".html"))).contains("<svg");
            }
            Properties bad = new Properties();
            bad.setProperty("load.url", server.baseUrl());
            bad.setProperty("load.duration", "soon");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertThat(LoadTest.runTool(bad, printingTo(out), printingTo(err))).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("load.duration: use a duration such as 30s");
            assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        }
    }

    @Test
    void refusesOptionsItCannotUse() {
        assertThatThrownBy(() -> LoadTest.parseDuration("load.duration", "ten"))
                .hasMessage("load.duration: use a duration such as 30s, 2m or 500ms, not \"ten\"");
        assertThatThrownBy(() -> LoadTest.parseDuration("load.warmup", "-5s")).hasMessageStartingWith("load.warmup:");
        assertThat(LoadTest.parseDuration("load.duration", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(LoadTest.parseDuration("load.duration", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThatThrownBy(() -> LoadTest.wholeNumber("load.users", "0"))
                .hasMessage("load.users: use a whole number from 1, not \"0\"");
        assertThatThrownBy(() -> LoadTest.wholeNumber("load.concurrency", "many")).hasMessageStartingWith("load.concurrency:");
        assertThat(LoadTest.wholeNumber("load.users", "250")).isEqualTo(250);
        assertThatThrownBy(() -> LoadTest.algorithm("HS256"))
                .hasMessage("load.algorithm: use one of [ES256, RS256, EdDSA], not \"HS256\"");
        assertThat(LoadTest.algorithm("eddsa")).isEqualTo(Algorithm.EdDSA);
        assertThat(LoadTest.kind(new UncheckedIOException(new HttpConnectTimeoutException("x"))))
                .isEqualTo("UncheckedIOException (HttpConnectTimeoutException)");
        assertThat(LoadTest.kind(new IllegalStateException("no cause"))).isEqualTo("IllegalStateException");
        assertThatThrownBy(() -> new LoadTest("http://localhost:1", "http://localhost:1", 10, 0, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ZERO, Algorithm.ES256, 0)).hasMessageContaining("load.concurrency");
        assertThatThrownBy(() -> new LoadTest("http://localhost:1", "http://localhost:1", 10, 1, Duration.ZERO,
                Duration.ZERO, Duration.ZERO, Algorithm.ES256, 0)).hasMessageContaining("load.duration must be positive");
        assertThatThrownBy(() -> new LoadTest("http://localhost:1", "http://localhost:1", 10, 1, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ofSeconds(-1), Algorithm.ES256, 0)).hasMessageContaining("load.pause");
        assertThatThrownBy(() -> new LoadTest("http://localhost:1", "http://localhost:1", 10, 1, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Algorithm.ES256, 5))
                .hasMessage("load.rate must be positive, and load.pause (for the closed loop) left out with it");
        assertThatThrownBy(() -> LoadTest.parseRate("0")).hasMessage(
                "load.rate: use ceremonies per second above 0, such as 50 or 0.5, not \"0\"");
        assertThatThrownBy(() -> LoadTest.parseRate("fast")).hasMessageStartingWith("load.rate:");
        assertThat(LoadTest.parseRate("0.5")).isEqualTo(0.5);
        assertThat(LoadTest.parseRate(null)).as("no rate: the closed loop").isZero();
        assertThatThrownBy(() -> LoadTest.flag("load.nativeCrypto", "yes"))
                .hasMessage("load.nativeCrypto: use true or false, not \"yes\"");
        assertThat(LoadTest.flag("load.nativeCrypto", "FALSE")).isFalse();
    }

    @Test
    void anOpenLoopStartsCeremoniesAtRandomAtTheRequestedRate() throws Exception {
        try (TestServer server = TestServer.start()) {
            long before = serverSuccesses(server);
            LoadTest.Result open = new LoadTest(server.baseUrl(), server.origin(), 8, 8, Duration.ZERO,
                    Duration.ofSeconds(4), Duration.ZERO, Algorithm.ES256, 20).run(printingTo(new ByteArrayOutputStream()));

            assertThat(open.errors()).isEmpty();
            assertThat(open.ceremonies()).isEqualTo(serverSuccesses(server) - before);
            LoadTest.OpenLoop loop = open.openLoop();
            // 80 starts expected; a Poisson count is within 50-115 but once in ten thousand runs.
            assertThat(loop.started()).isBetween(50L, 115L).isEqualTo(open.ceremonies());
            assertThat(loop.dropped()).isZero();
            assertThat(loop.startedPerSecond()).isBetween(12.5, 28.75);
            assertThat(open.perSecond()).as("sustained, beside the requested 20").isCloseTo(loop.startedPerSecond(),
                    org.assertj.core.data.Percentage.withPercentage(10));
            assertThat(open.percentilesMicros().get("ceremony").count()).isEqualTo(open.ceremonies());
            assertThat(LoadTest.table(open)).contains("Open loop: 20 ceremonies/s requested, ",
                    String.format(Locale.ROOT, "/s started, %.1f/s sustained; 0 starts dropped (8 in flight, the limit)",
                            open.perSecond()));

            String report = LoadReport.html(open, Instant.now());
            assertThat(report).as("nothing fetched from elsewhere").doesNotContainPattern("(src|href)\\s*=\\s*[\"']?(https?:)?//")
                    .doesNotContain("<script", "<link").contains("<h2>Errors by kind</h2>\n<p>None.</p>");
            List<long[]> seconds = perSecondRows(report);
            assertThat(seconds).hasSizeBetween(4, 5);
            assertThat(seconds.stream().mapToLong(row -> row[1]).sum()).isEqualTo(open.ceremonies());
            Matcher throughput = Pattern.compile("data-name=\"successful ceremonies/s\"[^>]* points=\"([^\"]*)\"")
                    .matcher(report);
            assertThat(throughput.find()).as(report).isTrue();
            assertThat(throughput.group(1).split(" ")).hasSize(seconds.size());
            assertThat(report).contains("data-name=\"requested\"", "data-name=\"p99\"", "Ceremony latency by percentile");
        }
    }

    @Test
    void anOpenLoopShowsTheQueueOfASlowServerAndDropsWhatItCannotHoldInFlight() throws Exception {
        // The server signs in one user at a time, taking 100 ms each (a slow directory behind its token claims): it
        // can do 10 a second, and the tool asks for 20.
        Object directory = new Object();
        TokenClaims slow = account -> {
            synchronized (directory) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return Map.of();
        };
        try (TestServer server = TestServer.start("RS256", Map.of(), builder -> builder.tokenClaims(slow))) {
            long before = serverSuccesses(server);
            LoadTest.Result open = new LoadTest(server.baseUrl(), server.origin(), 4, 4, Duration.ZERO,
                    Duration.ofSeconds(3), Duration.ZERO, Algorithm.ES256, 20).run(printingTo(new ByteArrayOutputStream()));

            assertThat(open.errors()).isEmpty();
            assertThat(open.ceremonies()).isEqualTo(serverSuccesses(server) - before)
                    .isEqualTo(open.openLoop().started());
            assertThat(open.perSecond()).as("what the server sustained").isBetween(5.0, 11.0);
            assertThat(open.openLoop().dropped()).as("starts due while 4 were in flight").isPositive();
            assertThat(open.openLoop().started() + open.openLoop().dropped()).isBetween(35L, 90L);
            LoadTest.Percentiles ceremony = open.percentilesMicros().get("ceremony");
            assertThat(ceremony.count()).isEqualTo(open.ceremonies());
            assertThat(ceremony.p50()).as("queued behind the ceremonies in flight").isGreaterThan(150_000);
        }
    }

    @Test
    void latencyHistogramsKeepTheirSizeHoweverManySamplesTheyHold() {
        StepLatencies latencies = new StepLatencies();
        for (int i = 0; i < 10; i++) {
            latencies.record("ceremony", 1000 + i);
        }
        latencies.interval();
        long small = latencies.footprintBytes();
        java.util.Random random = new java.util.Random(17);
        for (int i = 0; i < 3_000_000; i++) {
            latencies.record("ceremony", (long) Math.exp(random.nextDouble() * Math.log(StepLatencies.HIGHEST_MICROS * 2)));
        }
        latencies.interval();

        assertThat(latencies.footprintBytes()).isPositive().isEqualTo(small);
        assertThat(latencies.totals().get("ceremony").getTotalCount()).isEqualTo(3_000_010);
        assertThat(latencies.totals().get("ceremony").getMaxValue()).as("an hour at most")
                .isLessThanOrEqualTo(StepLatencies.HIGHEST_MICROS + StepLatencies.HIGHEST_MICROS / 1000);
    }

    /** The report's per-second table: end (tenths of a second), successes, errors. */
    private static List<long[]> perSecondRows(String report) {
        Matcher row = Pattern.compile("<tr><td>([0-9]+)\\.([0-9])</td><td>(\\d+)</td><td>(\\d+)</td>").matcher(
                report.substring(report.indexOf("<table id=\"seconds\">")));
        List<long[]> rows = new ArrayList<>();
        while (row.find()) {
            rows.add(new long[] {Long.parseLong(row.group(1) + row.group(2)), Long.parseLong(row.group(3)),
                    Long.parseLong(row.group(4))});
        }
        return rows;
    }

    /** As many users as concurrent clients, with ES256 passkeys. */
    private static LoadTest load(TestServer server, int clients, Duration warmup, Duration duration, Duration pause) {
        return new LoadTest(server.baseUrl(), server.origin(), clients, clients, warmup, duration, pause,
                Algorithm.ES256, 0);
    }

    private static PrintStream printingTo(ByteArrayOutputStream progress) {
        return new PrintStream(progress, true, StandardCharsets.UTF_8);
    }

    private static long serverSuccesses(TestServer server) throws Exception {
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = SUCCESSES.matcher(metrics.body());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }
}

package io.github.webauthnkit.server.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

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
            long[] ceremony = plain.percentilesMicros().get("ceremony");
            assertThat(ceremony[0]).isPositive().isLessThanOrEqualTo(ceremony[1]);
            assertThat(ceremony[1]).isLessThanOrEqualTo(ceremony[2]);
            assertThat(ceremony[2]).isLessThanOrEqualTo(ceremony[3]);
            assertThat(progress.toString(StandardCharsets.UTF_8)).contains("Registering 4 users", "ok, 0 errors");
            assertThat(LoadTest.table(plain)).contains("| ceremony |").doesNotContain("| error |");

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
                Duration.ofSeconds(1), Duration.ZERO, Algorithm.ES256)).hasMessageContaining("load.concurrency");
        assertThatThrownBy(() -> new LoadTest("http://localhost:1", "http://localhost:1", 10, 1, Duration.ZERO,
                Duration.ZERO, Duration.ZERO, Algorithm.ES256)).hasMessageContaining("load.duration must be positive");
        assertThatThrownBy(() -> new LoadTest("http://localhost:1", "http://localhost:1", 10, 1, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ofSeconds(-1), Algorithm.ES256)).hasMessageContaining("load.pause");
    }

    /** As many users as concurrent clients, with ES256 passkeys. */
    private static LoadTest load(TestServer server, int clients, Duration warmup, Duration duration, Duration pause) {
        return new LoadTest(server.baseUrl(), server.origin(), clients, clients, warmup, duration, pause,
                Algorithm.ES256);
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

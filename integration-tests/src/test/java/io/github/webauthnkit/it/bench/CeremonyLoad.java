package io.github.webauthnkit.it.bench;

import io.github.webauthnkit.it.support.Command;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One step of the generated project's load-test tool against a running server, and what it reported. */
final class CeremonyLoad {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) successful ceremonies, ([0-9.]+) ceremonies/s, (\\d+) errors");
    /** The ceremony's row: p50, p90, p95, p99 and max in milliseconds. */
    private static final Pattern CEREMONY = Pattern.compile(
            "\\| ceremony \\| ([0-9.]+) \\| [0-9.]+ \\| ([0-9.]+) \\| ([0-9.]+) \\| ([0-9.]+) \\|");
    private static final Pattern OPEN_LOOP = Pattern.compile("; (\\d+) starts dropped .*, (\\d+) started over");
    private static final Pattern ERROR_ROW = Pattern.compile("(?m)^\\| (?!error |---)([^|]+) \\| (\\d+) \\|$");
    /** The tool's progress line: seconds into the run, successful ceremonies so far. */
    private static final Pattern PROGRESS = Pattern.compile("\\[\\s*(\\d+) s\\] (\\d+) ok");

    /**
     * Latencies of a whole ceremony (start + complete) in milliseconds; for an open loop, {@code concurrency} is the
     * in-flight limit, {@code perSecond} the rate sustained, and the starts dropped at the limit or started late;
     * {@code progress} the successful ceremonies counted by each second of the run, warm-up included.
     */
    record Outcome(int concurrency, long ceremonies, double perSecond, long errors, double p50, double p95, double p99,
                   double max, String errorKinds, long dropped, long late, Map<Integer, Long> progress) {

        /** The rate in each window of {@code seconds} from the start of the run, e.g. "467, 836, 1421 per s". */
        String ratesPer(int seconds) {
            StringBuilder rates = new StringBuilder();
            for (int end = seconds; progress.containsKey(end); end += seconds) {
                rates.append(rates.isEmpty() ? "" : ", ")
                        .append((progress.get(end) - progress.getOrDefault(end - seconds, 0L)) / seconds);
            }
            return rates + " per s";
        }
    }

    private CeremonyLoad() {
    }

    /** {@code warmup}: ceremonies first run for that long and left out, so that neither JVM's JIT is measured. */
    static Outcome run(LoadToolSession tool, String url, int concurrency, int users,
                       Duration warmup, Duration duration) {
        return run(tool, url, concurrency, users, warmup, duration, Duration.ZERO);
    }

    /** {@code pause}: each client's mean wait between its ceremonies (the tool's {@code load.pause}). */
    static Outcome run(LoadToolSession tool, String url, int concurrency, int users,
                       Duration warmup, Duration duration, Duration pause) {
        System.out.printf("[bench] load: %d clients for %d s (after %d s of warm-up)%s against %s%n", concurrency,
                duration.toSeconds(), warmup.toSeconds(), pause.isZero() ? "" : ", pausing " + pause.toMillis() + " ms",
                url);
        return run(tool, concurrency, warmup.plus(duration), List.of("load.url=" + url, "load.users=" + users,
                "load.concurrency=" + concurrency, "load.warmup=" + warmup.toSeconds() + "s",
                "load.duration=" + duration.toSeconds() + "s", "load.pause=" + pause.toMillis() + "ms"));
    }

    /**
     * An open loop: ceremonies start at random moments, {@code perSecond} on average (the tool's {@code load.rate}),
     * at most {@code inFlight} at once, with {@code users} passkeys.
     */
    static Outcome open(LoadToolSession tool, String url, double perSecond, int inFlight, int users,
                        Duration warmup, Duration duration) {
        String rate = String.format(java.util.Locale.ROOT, "%.1f", perSecond);
        System.out.printf("[bench] load: open loop, %s ceremonies/s for %d s (after %d s of warm-up) against %s%n", rate,
                duration.toSeconds(), warmup.toSeconds(), url);
        return run(tool, inFlight, warmup.plus(duration), List.of("load.url=" + url, "load.users=" + users,
                "load.concurrency=" + inFlight, "load.rate=" + rate, "load.warmup=" + warmup.toSeconds() + "s",
                "load.duration=" + duration.toSeconds() + "s"));
    }

    private static Outcome run(LoadToolSession tool, int concurrency, Duration length,
                               List<String> properties) {
        Command.Result result = tool.run(properties, length.plusMinutes(10));
        Matcher summary = SUMMARY.matcher(result.output());
        if (!summary.find()) {
            throw new AssertionError("The load tool printed no summary (exit " + result.exitCode() + "):\n"
                    + result.output());
        }
        Matcher ceremony = CEREMONY.matcher(result.output());
        boolean timed = ceremony.find();
        StringBuilder kinds = new StringBuilder();
        Matcher errorRow = ERROR_ROW.matcher(result.output().substring(summary.end()));
        while (errorRow.find()) {
            // Only the error table has two columns; the latency rows have five and never match.
            kinds.append(kinds.isEmpty() ? "" : ", ").append(errorRow.group(1).strip()).append(": ")
                    .append(errorRow.group(2));
        }
        Matcher open = OPEN_LOOP.matcher(result.output());
        boolean opened = open.find();
        Map<Integer, Long> progress = new TreeMap<>();
        Matcher second = PROGRESS.matcher(result.output());
        while (second.find()) {
            progress.put(Integer.parseInt(second.group(1)), Long.parseLong(second.group(2)));
        }
        return new Outcome(concurrency, Long.parseLong(summary.group(1)), Double.parseDouble(summary.group(2)),
                Long.parseLong(summary.group(3)), timed ? Double.parseDouble(ceremony.group(1)) : Double.NaN,
                timed ? Double.parseDouble(ceremony.group(2)) : Double.NaN,
                timed ? Double.parseDouble(ceremony.group(3)) : Double.NaN,
                timed ? Double.parseDouble(ceremony.group(4)) : Double.NaN, kinds.toString(),
                opened ? Long.parseLong(open.group(1)) : 0, opened ? Long.parseLong(open.group(2)) : 0, progress);
    }
}

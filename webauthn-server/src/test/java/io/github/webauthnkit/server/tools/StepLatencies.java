package io.github.webauthnkit.server.tools;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latencies of each step in microseconds, in HdrHistograms of a fixed range and precision (3 significant digits, up to
 * an hour): their memory does not grow with the number of samples, so a run of hours at a high rate stays flat.
 * Any thread records; one thread at a time takes the intervals.
 */
final class StepLatencies {
    static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
    private static final int DIGITS = 3;

    private final Map<String, Recorder> recorders = new ConcurrentHashMap<>();
    private final Map<String, Histogram> totals = new TreeMap<>();
    private final Map<String, Histogram> recycled = new TreeMap<>();

    /** Records one latency; one above an hour counts as an hour. */
    void record(String step, long micros) {
        recorders.computeIfAbsent(step, s -> new Recorder(1, HIGHEST_MICROS, DIGITS))
                .recordValue(Math.max(0, Math.min(micros, HIGHEST_MICROS)));
    }

    /**
     * What each step recorded since the last call, also added to the totals. The histograms returned are reused by
     * the next call: read them before.
     */
    synchronized Map<String, Histogram> interval() {
        Map<String, Histogram> interval = new TreeMap<>();
        recorders.forEach((step, recorder) -> {
            Histogram histogram = recorder.getIntervalHistogram(recycled.get(step));
            recycled.put(step, histogram);
            totals.computeIfAbsent(step, s -> new Histogram(1, HIGHEST_MICROS, DIGITS)).add(histogram);
            interval.put(step, histogram);
        });
        return interval;
    }

    /** Everything recorded up to the last {@link #interval()}, by step. */
    synchronized Map<String, Histogram> totals() {
        return new TreeMap<>(totals);
    }

    /** The bytes the histograms hold (each recorder holds two of the interval's size). */
    synchronized long footprintBytes() {
        long bytes = 0;
        for (String step : recorders.keySet()) {
            long interval = recycled.containsKey(step) ? recycled.get(step).getEstimatedFootprintInBytes() : 0;
            bytes += 3 * interval + (totals.containsKey(step) ? totals.get(step).getEstimatedFootprintInBytes() : 0);
        }
        return bytes;
    }
}

package io.github.webauthnkit.it.bench;

import io.github.webauthnkit.server.tools.SvgChart;
import io.github.webauthnkit.server.tools.SvgChart.Axis;
import io.github.webauthnkit.server.tools.SvgChart.Series;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The chart of the kit's README: ceremonies per second against concurrency (closed loops), and latency against the
 * rate of ceremonies (open loops at rising rates, or each concurrency of the closed loops when there are none), from
 * one server's runs.
 */
final class LoadChart {
    /** Where the README shows it, from the integration-tests module. */
    static final Path README_CHART = Path.of("..", "docs", "benchmark", "load.svg");
    private static final int PANEL_WIDTH = 480;
    private static final int PANEL_HEIGHT = 320;

    private LoadChart() {
    }

    /**
     * Writes the chart of the closed loops {@code outcomes} (in the order of their concurrency) and of the open loops
     * {@code open} (any order; may be empty) with a caption saying what ran.
     */
    static void write(Path file, String caption, List<CeremonyLoad.Outcome> outcomes, List<CeremonyLoad.Outcome> open)
            throws IOException {
        double[] concurrency = values(outcomes, CeremonyLoad.Outcome::concurrency);
        double[] perSecond = values(outcomes, CeremonyLoad.Outcome::perSecond);
        List<CeremonyLoad.Outcome> loads = open.isEmpty() ? outcomes : open.stream()
                .sorted(Comparator.comparingDouble(CeremonyLoad.Outcome::perSecond)).toList();
        double[] rate = values(loads, CeremonyLoad.Outcome::perSecond);
        String throughput = SvgChart.panel(0, 0, PANEL_WIDTH, PANEL_HEIGHT, "Throughput against concurrency",
                new Axis("concurrent clients (log)", true, SvgChart::number), "ceremonies/s",
                List.of(new Series("ceremonies/s", concurrency, perSecond)));
        String latency = SvgChart.panel(PANEL_WIDTH, 0, PANEL_WIDTH, PANEL_HEIGHT, "Latency against load",
                Axis.linear(open.isEmpty() ? "ceremonies/s (each point a concurrency)"
                        : "ceremonies/s sustained (open loop, Poisson arrivals)"), "ms",
                List.of(new Series("p50", rate, values(loads, CeremonyLoad.Outcome::p50)),
                        new Series("p95", rate, values(loads, CeremonyLoad.Outcome::p95)),
                        new Series("p99", rate, values(loads, CeremonyLoad.Outcome::p99))));
        Files.createDirectories(file.getParent());
        Files.writeString(file, SvgChart.document(2 * PANEL_WIDTH, PANEL_HEIGHT + 30, throughput, latency,
                SvgChart.label(10, PANEL_HEIGHT + 18, caption)));
        System.out.println("[bench] chart: " + file.toAbsolutePath().normalize());
    }

    private static double[] values(List<CeremonyLoad.Outcome> outcomes, ToDoubleFunction<CeremonyLoad.Outcome> value) {
        return outcomes.stream().mapToDouble(value).toArray();
    }
}

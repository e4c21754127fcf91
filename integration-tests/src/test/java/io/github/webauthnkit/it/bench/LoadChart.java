package io.github.webauthnkit.it.bench;

import io.github.webauthnkit.server.tools.SvgChart;
import io.github.webauthnkit.server.tools.SvgChart.Axis;
import io.github.webauthnkit.server.tools.SvgChart.Series;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The chart of the kit's README: ceremonies per second against concurrency, and latency against the throughput it
 * came with (each point one concurrency of a closed loop), from one server's runs.
 */
final class LoadChart {
    /** Where the README shows it, from the integration-tests module. */
    static final Path README_CHART = Path.of("..", "docs", "benchmark", "load.svg");
    private static final int PANEL_WIDTH = 480;
    private static final int PANEL_HEIGHT = 320;

    private LoadChart() {
    }

    /** Writes the chart of {@code outcomes} (in the order of their concurrency) with a caption saying what ran. */
    static void write(Path file, String caption, List<CeremonyLoad.Outcome> outcomes) throws IOException {
        double[] concurrency = values(outcomes, CeremonyLoad.Outcome::concurrency);
        double[] perSecond = values(outcomes, CeremonyLoad.Outcome::perSecond);
        String throughput = SvgChart.panel(0, 0, PANEL_WIDTH, PANEL_HEIGHT, "Throughput against concurrency",
                new Axis("concurrent clients (log)", true, SvgChart::number), "ceremonies/s",
                List.of(new Series("ceremonies/s", concurrency, perSecond)));
        String latency = SvgChart.panel(PANEL_WIDTH, 0, PANEL_WIDTH, PANEL_HEIGHT, "Latency against load",
                Axis.linear("ceremonies/s (each point a concurrency)"), "ms",
                List.of(new Series("p50", perSecond, values(outcomes, CeremonyLoad.Outcome::p50)),
                        new Series("p95", perSecond, values(outcomes, CeremonyLoad.Outcome::p95)),
                        new Series("p99", perSecond, values(outcomes, CeremonyLoad.Outcome::p99))));
        Files.createDirectories(file.getParent());
        Files.writeString(file, SvgChart.document(2 * PANEL_WIDTH, PANEL_HEIGHT + 30, throughput, latency,
                SvgChart.label(10, PANEL_HEIGHT + 18, caption)));
        System.out.println("[bench] chart: " + file.toAbsolutePath().normalize());
    }

    private static double[] values(List<CeremonyLoad.Outcome> outcomes, ToDoubleFunction<CeremonyLoad.Outcome> value) {
        return outcomes.stream().mapToDouble(value).toArray();
    }
}

package io.github.webauthnkit.server.tools;

import static io.github.webauthnkit.server.tools.SvgChart.escape;

import io.github.webauthnkit.server.tools.LoadTest.Percentiles;
import io.github.webauthnkit.server.tools.LoadTest.Result;
import io.github.webauthnkit.server.tools.LoadTest.Second;
import io.github.webauthnkit.server.tools.SvgChart.Axis;
import io.github.webauthnkit.server.tools.SvgChart.Series;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The load test's result as one self-contained HTML page (inline SVG, no script, nothing fetched): throughput and
 * ceremony latency per second, the latency distribution, errors by kind, and the numbers behind the charts.
 */
final class LoadReport {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 300;

    private LoadReport() {
    }

    static String html(Result result, Instant finished) {
        StringBuilder html = new StringBuilder("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>Load test report</title>
                <style>body{font-family:sans-serif;max-width:920px;margin:1em auto;color:#222}
                table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
                td:first-child,th:first-child{text-align:left}pre{white-space:pre-wrap}</style></head><body>
                <h1>Load test report</h1>
                """);
        html.append("<p>").append(escape(finished.toString())).append(": authentication ceremonies ")
                .append(escape(result.load())).append(".</p>\n<pre>").append(escape(LoadTest.table(result).strip()))
                .append("</pre>\n");
        List<Second> seconds = result.seconds();
        double[] at = seconds.stream().mapToDouble(Second::end).toArray();
        List<Series> throughput = new ArrayList<>(List.of(new Series("successful ceremonies/s", at,
                        values(seconds, Second::perSecond)),
                new Series("errors/s", at, values(seconds, s -> s.errors() / s.length()))));
        if (result.openLoop() != null) {
            double requested = result.openLoop().requestedPerSecond();
            throughput.add(new Series("requested", new double[] {0, at.length == 0 ? 1 : at[at.length - 1]},
                    new double[] {requested, requested}));
        }
        html.append("<h2>Throughput</h2>\n").append(chart("Ceremonies per second", "seconds", "per second", throughput));
        html.append("<h2>Latency over time</h2>\n").append(chart("Ceremony latency of the ceremonies ending each second",
                "seconds", "ms", List.of(new Series("p50", at, millis(seconds, Percentiles::p50)),
                        new Series("p95", at, millis(seconds, Percentiles::p95)),
                        new Series("p99", at, millis(seconds, Percentiles::p99)))));
        Histogram ceremony = result.latencies().get("ceremony");
        if (ceremony != null && ceremony.getTotalCount() > 0) {
            html.append("<h2>Latency distribution</h2>\n").append(SvgChart.document(WIDTH, HEIGHT, SvgChart.panel(0, 0,
                    WIDTH, HEIGHT, "Ceremony latency by percentile (" + ceremony.getTotalCount() + " ceremonies)",
                    new Axis("percentile", true, v -> SvgChart.number(100 * (1 - 1 / v)) + "%"), "ms",
                    List.of(distribution(ceremony)))));
        }
        html.append("<h2>Errors by kind</h2>\n");
        if (result.errors().isEmpty()) {
            html.append("<p>None.</p>\n");
        } else {
            html.append("<table><tr><th>error</th><th>count</th></tr>\n");
            result.errors().forEach((kind, count) -> html.append("<tr><td>").append(escape(kind)).append("</td><td>")
                    .append(count).append("</td></tr>\n"));
            html.append("</table>\n");
        }
        html.append("<h2>Per second</h2>\n<table id=\"seconds\"><tr><th>end s</th><th>ok</th><th>errors</th>"
                + "<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>\n");
        for (Second s : seconds) {
            Percentiles p = s.ceremony();
            html.append(String.format(Locale.ROOT, "<tr><td>%.1f</td><td>%d</td><td>%d</td>%s</tr>%n", s.end(),
                    s.successes(), s.errors(), p == null ? "<td></td><td></td><td></td><td></td>"
                            : String.format(Locale.ROOT, "<td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td>",
                            p.p50() / 1000.0, p.p95() / 1000.0, p.p99() / 1000.0, p.max() / 1000.0)));
        }
        return html.append("</table>\n</body></html>\n").toString();
    }

    private static String chart(String title, String xTitle, String yTitle, List<Series> series) {
        return SvgChart.document(WIDTH, HEIGHT, SvgChart.panel(0, 0, WIDTH, HEIGHT, title, Axis.linear(xTitle), yTitle,
                series));
    }

    private static double[] values(List<Second> seconds, ToDoubleFunction<Second> value) {
        return seconds.stream().mapToDouble(value).toArray();
    }

    /** A percentile of each second's ceremonies in milliseconds; a second without any is left out. */
    private static double[] millis(List<Second> seconds, Function<Percentiles, Long> percentile) {
        return values(seconds, s -> s.ceremony() == null ? Double.NaN : percentile.apply(s.ceremony()) / 1000.0);
    }

    /**
     * Latency against percentile, the percentile drawn as 1 / (1 - q) on a log scale so the tail gets room; the
     * maximum stands at one in as many as there were.
     */
    private static Series distribution(Histogram histogram) {
        List<double[]> points = new ArrayList<>();
        for (HistogramIterationValue v : histogram.percentiles(5)) {
            double q = v.getPercentileLevelIteratedTo() / 100;
            double x = q >= 1 ? histogram.getTotalCount() : 1 / (1 - q);
            points.add(new double[] {Math.min(x, histogram.getTotalCount()),
                    v.getValueIteratedTo() / 1000.0});
        }
        return new Series("ceremony", points.stream().mapToDouble(p -> p[0]).toArray(),
                points.stream().mapToDouble(p -> p[1]).toArray());
    }
}

package io.github.webauthnkit.server.tools;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * Line charts as plain SVG, for reports that must open anywhere without fetching a script: the load-test tool's HTML
 * report and the benchmark's chart.
 */
public final class SvgChart {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 48;
    private static final int BOTTOM = 45;

    /** One line; points where y is not a number are left out. */
    public record Series(String name, double[] x, double[] y) {
    }

    /** The x axis: its title, whether it is logarithmic (all x above 0), and how a tick value reads. */
    public record Axis(String title, boolean log, DoubleFunction<String> label) {
        public static Axis linear(String title) {
            return new Axis(title, false, SvgChart::number);
        }
    }

    private SvgChart() {
    }

    /** A standalone SVG document of the given size around panels made by {@link #panel}. */
    public static String document(int width, int height, String... panels) {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" + height
                + "\" viewBox=\"0 0 " + width + " " + height + "\" font-family=\"sans-serif\" font-size=\"12\">\n"
                + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + String.join("", panels) + "</svg>\n";
    }

    /** A chart at (left, top) of the given size: axes with ticks, one line per series, a legend under the title. */
    public static String panel(int left, int top, int width, int height, String title, Axis x, String yTitle,
                               List<Series> series) {
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMax = 0;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isNaN(s.y()[i])) {
                    xMin = Math.min(xMin, s.x()[i]);
                    xMax = Math.max(xMax, s.x()[i]);
                    yMax = Math.max(yMax, s.y()[i]);
                }
            }
        }
        if (xMin > xMax) {
            xMin = 1;
            xMax = 10;
        }
        xMax = Math.max(xMax, xMin + (x.log() ? xMin : 1));
        double[] yTicks = ticks(0, yMax <= 0 ? 1 : yMax);
        double[] xTicks = x.log() ? powersOfTen(xMin, xMax) : ticks(Math.min(0, xMin), xMax);
        Scale sx = new Scale(x.log(), xTicks[0], xTicks[xTicks.length - 1], left + LEFT, left + width - RIGHT);
        Scale sy = new Scale(false, 0, yTicks[yTicks.length - 1], top + height - BOTTOM, top + TOP);

        StringBuilder svg = new StringBuilder();
        svg.append(text(left + width / 2.0, top + 16, "middle", "bold", title));
        for (double t : yTicks) {
            svg.append(line(sx.from, sy.at(t), sx.to, sy.at(t), "#ddd"))
                    .append(text(sx.from - 6, sy.at(t) + 4, "end", "normal", number(t)));
        }
        for (double t : xTicks) {
            svg.append(line(sx.at(t), sy.from, sx.at(t), sy.to, "#eee"))
                    .append(text(sx.at(t), sy.from + 16, "middle", "normal", x.label().apply(t)));
        }
        svg.append(line(sx.from, sy.from, sx.to, sy.from, "#333")).append(line(sx.from, sy.from, sx.from, sy.to, "#333"))
                .append(text((sx.from + sx.to) / 2, top + height - 8, "middle", "normal", x.title()))
                .append(String.format(Locale.ROOT, "<text transform=\"translate(%d,%.1f) rotate(-90)\" "
                        + "text-anchor=\"middle\">%s</text>%n", left + 14, (sy.from + sy.to) / 2, escape(yTitle)));
        double legend = sx.from;
        for (int n = 0; n < series.size(); n++) {
            Series s = series.get(n);
            String color = COLORS[n % COLORS.length];
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isNaN(s.y()[i])) {
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", sx.at(s.x()[i]), sy.at(s.y()[i])));
                }
            }
            svg.append("<polyline class=\"series\" data-name=\"").append(escape(s.name()))
                    .append("\" fill=\"none\" stroke-width=\"2\" stroke=\"").append(color).append("\" points=\"")
                    .append(points.toString().strip()).append("\"/>\n");
            if (s.x().length <= 30) {
                for (String point : points.toString().split(" ")) {
                    if (!point.isEmpty()) {
                        String[] xy = point.split(",");
                        svg.append("<circle r=\"3\" fill=\"").append(color).append("\" cx=\"").append(xy[0])
                                .append("\" cy=\"").append(xy[1]).append("\"/>\n");
                    }
                }
            }
            svg.append(line(legend, top + 32, legend + 20, top + 32, color))
                    .append(text(legend + 24, top + 36, "start", "normal", s.name()));
            legend += 44 + 7 * s.name().length();
        }
        return svg.toString();
    }

    /** A line of text starting at (x, y), such as a caption under the panels. */
    public static String label(double x, double y, String text) {
        return text(x, y, "start", "normal", text);
    }

    /** Escapes text for HTML and SVG. */
    public static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A tick value without trailing zeros: 0.5, 20, 1500. */
    public static String number(double value) {
        return value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.3g", value).replaceAll("\\.?0+$", "");
    }

    /** Round ticks (1, 2 or 5 times a power of ten apart) from {@code from} to at least {@code to}. */
    private static double[] ticks(double from, double to) {
        double raw = (to - from) / 5;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw <= power ? power : raw <= 2 * power ? 2 * power : raw <= 5 * power ? 5 * power : 10 * power;
        int count = (int) Math.ceil((to - from) / step - 1e-9) + 1;
        double[] ticks = new double[count];
        for (int i = 0; i < count; i++) {
            ticks[i] = from + i * step;
        }
        return ticks;
    }

    private static double[] powersOfTen(double from, double to) {
        int low = (int) Math.floor(Math.log10(from));
        int high = Math.max(low + 1, (int) Math.ceil(Math.log10(to)));
        double[] ticks = new double[high - low + 1];
        for (int i = 0; i < ticks.length; i++) {
            ticks[i] = Math.pow(10, low + i);
        }
        return ticks;
    }

    private record Scale(boolean log, double min, double max, double from, double to) {
        double at(double value) {
            double share = log ? (Math.log(value) - Math.log(min)) / (Math.log(max) - Math.log(min))
                    : (value - min) / (max - min);
            return from + share * (to - from);
        }
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                x1, y1, x2, y2, color);
    }

    private static String text(double x, double y, String anchor, String weight, String text) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-weight=\"%s\">%s</text>%n",
                x, y, anchor, weight, escape(text));
    }
}

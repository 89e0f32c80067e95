package io.github.wspool.benchmarks.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SVG grouped bar chart of the pool-overhead throughput: one group per (pool size, threads), one bar per
 * implementation, with the 99.9% error as a whisker. Plain SVG text, no library and no external service.
 */
public final class Chart {

    private static final String[] COLORS = {"#1f77b4", "#6baed6", "#d62728", "#2ca02c", "#9467bd", "#7f7f7f",
        "#8c564b", "#e377c2"};
    private static final int BAR = 14;
    private static final int GAP = 22;
    private static final int LEFT = 60;
    private static final int TOP = 40;
    private static final int HEIGHT = 260;

    private Chart() {
    }

    /** The chart of {@code PoolOverheadBenchmark} throughput rows in {@code results}. */
    public static String svg(List<Result> results) {
        List<Result> rows = Report.select(results, "PoolOverheadBenchmark", "thrpt");
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no PoolOverheadBenchmark throughput results in the file");
        }
        List<String> impls = Report.present(rows);
        List<String> sizes = Report.values(rows, "poolSize");
        List<Integer> threads = List.copyOf(Report.threadCounts(rows));
        double max = 0;
        for (Result r : rows) {
            max = Math.max(max, r.score() + (Double.isNaN(r.error()) ? 0 : r.error()));
        }
        double top = niceCeiling(max);
        int groups = sizes.size() * threads.size();
        int groupWidth = impls.size() * BAR + GAP;
        int width = LEFT + groups * groupWidth + 20;
        int height = TOP + HEIGHT + 70 + 18 * ((impls.size() + 2) / 3);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"11\">%n", width, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">"
                + "Acquire + release of an available connection: throughput (%s, higher is better)</text>%n", LEFT,
                rows.get(0).unit()));
        for (int i = 0; i <= 5; i++) {
            double v = top * i / 5;
            int y = TOP + HEIGHT - (int) Math.round(HEIGHT * v / top);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>%n",
                    LEFT, y, width - 20, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", LEFT - 6,
                    y + 4, Report.fmt(v)));
        }
        int g = 0;
        for (String size : sizes) {
            for (int t : threads) {
                Map<String, Result> row = Report.byImpl(rows, size, t);
                int x0 = LEFT + g * groupWidth + GAP / 2;
                for (int i = 0; i < impls.size(); i++) {
                    Result r = row.get(impls.get(i));
                    if (r == null) {
                        continue;
                    }
                    int x = x0 + i * BAR;
                    int h = (int) Math.round(HEIGHT * r.score() / top);
                    s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\""
                            + " fill=\"%s\"><title>%s, pool %s, %d thread(s): %s ± %s %s</title></rect>%n", x,
                            TOP + HEIGHT - h, BAR - 2, h, COLORS[i % COLORS.length], impls.get(i), size, t,
                            Report.fmt(r.score()), Report.fmt(r.error()), r.unit()));
                    if (!Double.isNaN(r.error())) {
                        int lo = TOP + HEIGHT - (int) Math.round(HEIGHT * Math.max(0, r.score() - r.error()) / top);
                        int hi = TOP + HEIGHT - (int) Math.round(HEIGHT * Math.min(top, r.score() + r.error()) / top);
                        int cx = x + (BAR - 2) / 2;
                        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
                                + " stroke=\"black\" stroke-width=\"1\"/>%n", cx, lo, cx, hi));
                    }
                }
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">pool %s, %d"
                        + " thr</text>%n", x0 + impls.size() * BAR / 2, TOP + HEIGHT + 16, size, t));
                g++;
            }
        }
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                LEFT, TOP + HEIGHT, width - 20, TOP + HEIGHT));
        for (int i = 0; i < impls.size(); i++) {
            int x = LEFT + (i % 3) * 180;
            int y = TOP + HEIGHT + 40 + (i / 3) * 18;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", x, y - 10, COLORS[i % COLORS.length], x + 16, y,
                    impls.get(i)));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }
}

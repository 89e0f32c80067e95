package io.github.wspool.benchmarks.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pool-overhead throughput per fork: each fork's mean, then per cell (pool size, threads, implementation) the
 * median of the fork means and their range. One JVM fork can settle in a state the next does not (which threads
 * share a cache line, which paths the JIT compiled in), so that a cell is bimodal from fork to fork; JMH's score
 * (the mean of every iteration) and its error bar hide that, the range shows it. Ratios are of medians.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.wspool.benchmarks.report.Report forks results.json
 * </pre>
 */
public final class Forks {

    private Forks() {
    }

    /**
     * One cell: its fork means and the bytes allocated per operation.
     *
     * @param impl      the {@code impl} parameter
     * @param poolSize  the {@code poolSize} parameter
     * @param threads   benchmark threads
     * @param forkMeans each fork's mean score, in run order
     * @param bytesPerOp {@code gc.alloc.rate.norm}, NaN without {@code -prof gc}
     */
    public record Cell(String impl, String poolSize, int threads, double[] forkMeans, double bytesPerOp) {

        /** The median of the fork means. */
        public double median() {
            double[] s = forkMeans.clone();
            Arrays.sort(s);
            int n = s.length;
            return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        }

        /** The lowest fork mean. */
        public double min() {
            return Arrays.stream(forkMeans).min().orElse(Double.NaN);
        }

        /** The highest fork mean. */
        public double max() {
            return Arrays.stream(forkMeans).max().orElse(Double.NaN);
        }
    }

    /**
     * The throughput cells of {@code PoolOverheadBenchmark} in a JMH JSON file, in file order.
     *
     * @param json the file's text ({@code -rf json})
     * @return one cell per (impl, poolSize, threads)
     */
    @SuppressWarnings("unchecked")
    public static List<Cell> parse(String json) {
        List<Cell> out = new ArrayList<>();
        List<Result> results = Result.parse(json);
        List<Object> rows = (List<Object>) Json.parse(json);
        for (int i = 0; i < rows.size(); i++) {
            Result r = results.get(i);
            if (!r.benchmarkClass().equals("PoolOverheadBenchmark") || !r.mode().equals("thrpt")) {
                continue;
            }
            Map<String, Object> primary = (Map<String, Object>) ((Map<String, Object>) rows.get(i)).get("primaryMetric");
            List<Object> forks = (List<Object>) primary.get("rawData");
            double[] means = new double[forks == null ? 0 : forks.size()];
            for (int f = 0; f < means.length; f++) {
                List<Object> iterations = (List<Object>) forks.get(f);
                means[f] = iterations.stream().mapToDouble(v -> ((Number) v).doubleValue()).average().orElse(Double.NaN);
            }
            out.add(new Cell(r.param("impl"), r.param("poolSize"), r.threads(), means, r.allocBytesPerOp()));
        }
        return out;
    }

    /**
     * Markdown: one row per (pool size, threads), each implementation's median and range of fork means, bytes per
     * operation, and wspool / ConcurrentBag of the medians.
     *
     * @param cells the cells of one run
     * @return the table, or a line saying there are none
     */
    public static String table(List<Cell> cells) {
        if (cells.isEmpty()) {
            return "No PoolOverheadBenchmark throughput results in this file.\n";
        }
        List<String> impls = new ArrayList<>();
        Map<String, Map<String, Cell>> byRow = new LinkedHashMap<>();
        for (Cell c : cells) {
            if (!impls.contains(c.impl())) {
                impls.add(c.impl());
            }
            byRow.computeIfAbsent(c.poolSize() + "/" + c.threads(), k -> new LinkedHashMap<>()).put(c.impl(), c);
        }
        impls.sort((a, b) -> Integer.compare(order(a), order(b)));
        StringBuilder out = new StringBuilder("| pool size | threads | forks |");
        for (String impl : impls) {
            out.append(' ').append(impl).append(" median (min–max) | B/op |");
        }
        boolean ratio = impls.contains("wspool") && impls.contains("concurrentbag");
        out.append(ratio ? " wspool / concurrentbag (medians) |\n" : "\n");
        out.append("|---|---|---|").append("---|---|".repeat(impls.size())).append(ratio ? "---|\n" : "\n");
        byRow.entrySet().stream()
                .sorted((a, b) -> compareRows(a.getKey(), b.getKey()))
                .forEach(e -> {
                    String[] key = e.getKey().split("/");
                    Map<String, Cell> row = e.getValue();
                    int forks = row.values().stream().mapToInt(c -> c.forkMeans().length).max().orElse(0);
                    out.append("| ").append(key[0]).append(" | ").append(key[1]).append(" | ").append(forks).append(" |");
                    for (String impl : impls) {
                        Cell c = row.get(impl);
                        out.append(c == null ? " | |" : String.format(Locale.ROOT, " %.1f (%.1f–%.1f) | %s |",
                                c.median(), c.min(), c.max(),
                                Double.isNaN(c.bytesPerOp()) ? "" : String.format(Locale.ROOT, "%.1f", c.bytesPerOp())));
                    }
                    if (ratio) {
                        Cell w = row.get("wspool");
                        Cell b = row.get("concurrentbag");
                        out.append(w == null || b == null ? " |" : String.format(Locale.ROOT, " %.2f× |",
                                w.median() / b.median()));
                    }
                    out.append('\n');
                });
        return out.toString();
    }

    private static int order(String impl) {
        int i = Report.IMPLS.indexOf(impl);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    private static int compareRows(String a, String b) {
        String[] x = a.split("/");
        String[] y = b.split("/");
        int bySize = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return bySize != 0 ? bySize : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
    }
}

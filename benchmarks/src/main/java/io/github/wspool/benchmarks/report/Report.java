package io.github.wspool.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Turns one JMH run's JSON into what the performance budgets (README, "Performance") are written in: ratios against
 * the peers measured in the same run, and a chart of the pool-overhead results.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.wspool.benchmarks.report.Report ratios results.json
 * java -cp benchmarks/target/benchmarks.jar io.github.wspool.benchmarks.report.Report forks results.json
 * java -cp benchmarks/target/benchmarks.jar io.github.wspool.benchmarks.report.Report chart results.json out.svg
 * </pre>
 *
 * {@code ratios} prints Markdown tables: wspool / peer throughput per pool size and thread count (budget: ≥ 1 against
 * ConcurrentBag), latency percentiles, bytes per operation, pooled acquire vs fresh connect at p50 (budget ≥ 100×),
 * end-to-end echo through the pool vs raw clients (budget ≥ 0.95×), and contention fairness (max / p50 wait). Sections
 * whose benchmarks are not in the file are left out, so several result files can be reported one by one.
 */
public final class Report {

    /** Pool-overhead implementations, wspool first, in the order shown. */
    static final List<String> IMPLS = List.of("wspool", "wspool-3ep", "concurrentbag", "stormpot", "commons-pool2",
            "abq");
    static final List<String> PEERS = List.of("concurrentbag", "stormpot", "commons-pool2", "abq");

    private Report() {
    }

    /**
     * {@code ratios <jmh.json>}, {@code forks <jmh.json>} (see {@link Forks}) or {@code chart <jmh.json> <out.svg>}.
     *
     * @param args the command and its files
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2 || !(args[0].equals("ratios") || args[0].equals("chart") || args[0].equals("forks"))
                || (args[0].equals("chart") && args.length < 3)) {
            System.err.println("usage: Report ratios <jmh.json> | Report forks <jmh.json> | Report chart <jmh.json>"
                    + " <out.svg>");
            System.exit(2);
            return;
        }
        if (args[0].equals("forks")) {
            System.out.print(Forks.table(Forks.parse(Files.readString(Path.of(args[1]), StandardCharsets.UTF_8))));
            return;
        }
        List<Result> results = Result.parse(Files.readString(Path.of(args[1]), StandardCharsets.UTF_8));
        if (args[0].equals("ratios")) {
            System.out.print(ratios(results));
        } else {
            Files.writeString(Path.of(args[2]), Chart.svg(results), StandardCharsets.UTF_8);
            System.out.println("wrote " + args[2]);
        }
    }

    /** All report sections that the results allow, as Markdown. */
    public static String ratios(List<Result> results) {
        StringBuilder out = new StringBuilder();
        poolOverhead(results, out);
        acquireVsConnect(results, out);
        endToEnd(results, out);
        contention(results, out);
        if (out.length() == 0) {
            out.append("No results of PoolOverheadBenchmark, AcquireVsConnectBenchmark, EndToEndEchoBenchmark or"
                    + " ContentionBenchmark in this file.\n");
        }
        return out.toString();
    }

    private static void poolOverhead(List<Result> all, StringBuilder out) {
        List<Result> thrpt = select(all, "PoolOverheadBenchmark", "thrpt");
        if (!thrpt.isEmpty()) {
            out.append("## Pool overhead: acquire + release, throughput (").append(thrpt.get(0).unit())
                    .append(", ± 99.9% error)\n\n");
            List<String> impls = present(thrpt);
            out.append("| pool size | threads | ");
            impls.forEach(i -> out.append(i).append(" | "));
            PEERS.stream().filter(impls::contains).forEach(p -> out.append("wspool / ").append(p).append(" | "));
            out.append("budget (≥ 1× concurrentbag) |\n|---|---|");
            out.append("---|".repeat(impls.size() + (int) PEERS.stream().filter(impls::contains).count() + 1))
                    .append('\n');
            for (String size : values(thrpt, "poolSize")) {
                for (int threads : threadCounts(thrpt)) {
                    Map<String, Result> row = byImpl(thrpt, size, threads);
                    if (row.isEmpty()) {
                        continue;
                    }
                    out.append("| ").append(size).append(" | ").append(threads).append(" | ");
                    for (String impl : impls) {
                        Result r = row.get(impl);
                        out.append(r == null ? "–" : fmt(r.score()) + " ± " + fmt(r.error())).append(" | ");
                    }
                    Result ws = row.get("wspool");
                    for (String peer : PEERS) {
                        if (impls.contains(peer)) {
                            Result p = row.get(peer);
                            out.append(ws == null || p == null ? "–" : ratio(ws.score() / p.score())).append(" | ");
                        }
                    }
                    Result bag = row.get("concurrentbag");
                    out.append(ws == null || bag == null ? "–"
                            : ws.score() >= bag.score() ? "met" : "missed by " + pct(1 - ws.score() / bag.score()))
                            .append(" |\n");
                }
            }
            out.append('\n');
            List<Result> withAlloc = thrpt.stream().filter(r -> !Double.isNaN(r.allocBytesPerOp())).toList();
            if (!withAlloc.isEmpty()) {
                out.append("### Allocation per acquire + release (B/op, `-prof gc`; budget for wspool ≤ 32)\n\n");
                out.append("| pool size | threads | ");
                impls.forEach(i -> out.append(i).append(" | "));
                out.append("\n|---|---|").append("---|".repeat(impls.size())).append('\n');
                for (String size : values(withAlloc, "poolSize")) {
                    for (int threads : threadCounts(withAlloc)) {
                        Map<String, Result> row = byImpl(withAlloc, size, threads);
                        if (row.isEmpty()) {
                            continue;
                        }
                        out.append("| ").append(size).append(" | ").append(threads).append(" | ");
                        for (String impl : impls) {
                            Result r = row.get(impl);
                            out.append(r == null ? "–" : fmt(r.allocBytesPerOp())).append(" | ");
                        }
                        out.append('\n');
                    }
                }
                out.append('\n');
            }
        }
        List<Result> sample = select(all, "PoolOverheadBenchmark", "sample");
        if (!sample.isEmpty()) {
            out.append("## Pool overhead: latency percentiles (").append(sample.get(0).unit())
                    .append("): p50 / p99 / p99.9\n\n| pool size | threads | ");
            List<String> impls = present(sample);
            impls.forEach(i -> out.append(i).append(" | "));
            out.append("\n|---|---|").append("---|".repeat(impls.size())).append('\n');
            for (String size : values(sample, "poolSize")) {
                for (int threads : threadCounts(sample)) {
                    Map<String, Result> row = byImpl(sample, size, threads);
                    if (row.isEmpty()) {
                        continue;
                    }
                    out.append("| ").append(size).append(" | ").append(threads).append(" | ");
                    for (String impl : impls) {
                        Result r = row.get(impl);
                        out.append(r == null ? "–" : fmt(r.percentile(50.0)) + " / " + fmt(r.percentile(99.0))
                                + " / " + fmt(r.percentile(99.9))).append(" | ");
                    }
                    out.append('\n');
                }
            }
            out.append('\n');
        }
    }

    private static void acquireVsConnect(List<Result> all, StringBuilder out) {
        List<Result> rows = all.stream().filter(r -> r.benchmarkClass().equals("AcquireVsConnectBenchmark")
                && r.mode().equals("sample")).toList();
        Result pooled = first(rows, "pooled");
        Result fresh = first(rows, "fresh");
        if (pooled == null || fresh == null) {
            return;
        }
        double speedup = fresh.percentile(50.0) / pooled.percentile(50.0);
        out.append("## Pooled acquire vs a fresh connection (loopback, ").append(pooled.unit()).append(")\n\n")
                .append("| | p50 | p99 | p99.9 |\n|---|---|---|---|\n");
        for (Result r : List.of(pooled, fresh)) {
            out.append("| ").append(r.method()).append(" | ").append(fmt(r.percentile(50.0))).append(" | ")
                    .append(fmt(r.percentile(99.0))).append(" | ").append(fmt(r.percentile(99.9))).append(" |\n");
        }
        out.append("\nPooled acquire is **").append(ratio(speedup)).append("** faster at p50 (budget ≥ 100×: ")
                .append(speedup >= 100 ? "met" : "missed").append(").\n\n");
    }

    private static void endToEnd(List<Result> all, StringBuilder out) {
        List<Result> rows = all.stream().filter(r -> r.benchmarkClass().equals("EndToEndEchoBenchmark")
                && r.mode().equals("thrpt")).toList();
        Result raw = first(rows, "raw");
        if (raw == null || rows.size() < 2) {
            return;
        }
        out.append("## End-to-end echo through the pool vs raw Java-WebSocket clients (").append(raw.unit())
                .append(")\n\n| benchmark | throughput | vs raw | budget (≥ 0.95×) |\n|---|---|---|---|\n");
        for (Result r : rows) {
            double x = r.score() / raw.score();
            String transport = r.param("transport");
            out.append("| ").append(r.method()).append(transport.isEmpty() ? "" : " (" + transport + ")")
                    .append(" | ").append(fmt(r.score())).append(" ± ")
                    .append(fmt(r.error())).append(" | ").append(ratio(x)).append(" | ")
                    .append(r == raw ? "(reference)" : x >= 0.95 ? "met" : "missed").append(" |\n");
        }
        out.append('\n');
    }

    private static void contention(List<Result> all, StringBuilder out) {
        List<Result> rows = all.stream().filter(r -> r.benchmarkClass().equals("ContentionBenchmark")
                && r.mode().equals("sample")).toList();
        if (rows.isEmpty()) {
            return;
        }
        out.append("## Contention: 8 threads, 2 connections (").append(rows.get(0).unit())
                .append(")\n\n| benchmark | p50 | p99 | max | fairness (max / p50) |\n|---|---|---|---|---|\n");
        for (Result r : rows) {
            String label = r.method() + (r.param("impl").isEmpty() ? "" : " (" + r.param("impl") + ")");
            out.append("| ").append(label).append(" | ").append(fmt(r.percentile(50.0))).append(" | ")
                    .append(fmt(r.percentile(99.0))).append(" | ").append(fmt(r.percentile(100.0))).append(" | ")
                    .append(ratio(r.percentile(100.0) / r.percentile(50.0))).append(" |\n");
        }
        out.append('\n');
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static List<Result> select(List<Result> all, String cls, String mode) {
        return all.stream().filter(r -> r.benchmarkClass().equals(cls) && r.mode().equals(mode)
                && !r.param("impl").isEmpty()).collect(Collectors.toList());
    }

    static List<String> present(List<Result> rows) {
        Set<String> seen = rows.stream().map(r -> r.param("impl")).collect(Collectors.toCollection(LinkedHashSet::new));
        List<String> ordered = new ArrayList<>();
        IMPLS.stream().filter(seen::contains).forEach(ordered::add);
        seen.stream().filter(s -> !IMPLS.contains(s)).sorted().forEach(ordered::add);
        return ordered;
    }

    static List<String> values(List<Result> rows, String param) {
        return rows.stream().map(r -> r.param(param)).distinct()
                .sorted(Comparator.comparingInt(v -> v.isEmpty() ? 0 : Integer.parseInt(v))).toList();
    }

    static Set<Integer> threadCounts(List<Result> rows) {
        return rows.stream().map(Result::threads).collect(Collectors.toCollection(TreeSet::new));
    }

    static Map<String, Result> byImpl(List<Result> rows, String size, int threads) {
        Map<String, Result> m = new LinkedHashMap<>();
        for (Result r : rows) {
            if (r.param("poolSize").equals(size) && r.threads() == threads) {
                m.put(r.param("impl"), r);
            }
        }
        return m;
    }

    private static Result first(List<Result> rows, String methodPart) {
        return rows.stream().filter(r -> r.method().toLowerCase(Locale.ROOT).contains(methodPart)).findFirst()
                .orElse(null);
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ratio(double x) {
        return Double.isNaN(x) || Double.isInfinite(x) ? "n/a" : fmt(x) + "×";
    }

    private static String pct(double x) {
        return String.format(Locale.ROOT, "%.0f%%", x * 100);
    }
}

package io.github.wspool.benchmarks.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of a JMH JSON result file: which benchmark, mode, threads and parameters, and its score.
 *
 * @param benchmarkClass simple class name, e.g. {@code PoolOverheadBenchmark}
 * @param method         benchmark method name
 * @param mode           JMH mode ({@code thrpt}, {@code avgt}, {@code sample}, {@code ss})
 * @param threads        benchmark threads
 * @param params         the {@code @Param} values
 * @param score          primary score
 * @param error          its 99.9% error (NaN when JMH had too few samples)
 * @param unit           e.g. {@code ops/us}, {@code us/op}
 * @param percentiles    for sample mode: percentile ("50.0", "99.0", "100.0", …) to value, in {@code unit}
 * @param allocBytesPerOp {@code gc.alloc.rate.norm} when run with {@code -prof gc}, else NaN
 */
public record Result(String benchmarkClass, String method, String mode, int threads, Map<String, String> params,
                     double score, double error, String unit, Map<String, Double> percentiles,
                     double allocBytesPerOp) {

    /** The parameter {@code name}, or {@code ""} when the benchmark has none of that name. */
    public String param(String name) {
        return params.getOrDefault(name, "");
    }

    /** A percentile in the result's unit (e.g. {@code 50.0}); NaN when absent. */
    public double percentile(double p) {
        Double v = percentiles.get(String.valueOf(p));
        return v == null ? Double.NaN : v;
    }

    /** Reads every row of a JMH JSON file ({@code -rf json}). */
    @SuppressWarnings("unchecked")
    public static List<Result> parse(String json) {
        List<Result> out = new ArrayList<>();
        for (Object o : (List<Object>) Json.parse(json)) {
            Map<String, Object> row = (Map<String, Object>) o;
            String benchmark = (String) row.get("benchmark");
            int dot = benchmark.lastIndexOf('.');
            String cls = benchmark.substring(0, dot);
            cls = cls.substring(cls.lastIndexOf('.') + 1);
            Map<String, String> params = new LinkedHashMap<>();
            Object p = row.get("params");
            if (p instanceof Map<?, ?> m) {
                m.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
            }
            Map<String, Object> primary = (Map<String, Object>) row.get("primaryMetric");
            Map<String, Double> percentiles = new LinkedHashMap<>();
            Object pct = primary.get("scorePercentiles");
            if (pct instanceof Map<?, ?> m) {
                m.forEach((k, v) -> percentiles.put(String.valueOf(k), number(v)));
            }
            double alloc = Double.NaN;
            Object secondary = row.get("secondaryMetrics");
            if (secondary instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (String.valueOf(e.getKey()).endsWith("gc.alloc.rate.norm")) {
                        alloc = number(((Map<String, Object>) e.getValue()).get("score"));
                    }
                }
            }
            out.add(new Result(cls, benchmark.substring(dot + 1), (String) row.get("mode"),
                    (int) number(row.get("threads")), params, number(primary.get("score")),
                    number(primary.get("scoreError")), (String) primary.get("scoreUnit"), percentiles, alloc));
        }
        return out;
    }

    private static double number(Object v) {
        if (v instanceof Double d) {
            return d;
        }
        try {
            return Double.parseDouble(String.valueOf(v));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}

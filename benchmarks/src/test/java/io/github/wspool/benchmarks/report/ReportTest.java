package io.github.wspool.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The report tools on JMH JSON written the way JMH 1.37 writes it. */
class ReportTest {

    private static String row(String method, String mode, int threads, String params, double score, double error,
                              String unit, String percentiles, String secondary) {
        return String.format(Locale.ROOT, """
                {
                    "jmhVersion" : "1.37",
                    "benchmark" : "io.github.wspool.benchmarks.%s",
                    "mode" : "%s",
                    "threads" : %d,
                    "params" : { %s },
                    "primaryMetric" : {
                        "score" : %s,
                        "scoreError" : %s,
                        "scoreConfidence" : [ 1.0, 2.0 ],
                        "scorePercentiles" : { %s },
                        "scoreUnit" : "%s",
                        "rawData" : [ [ 1.0, 2.0 ] ]
                    },
                    "secondaryMetrics" : { %s }
                }""", method, mode, threads, params, score, Double.isNaN(error) ? "\"NaN\"" : error, percentiles, unit,
                secondary);
    }

    private static String overhead(String impl, int size, int threads, double score, double alloc) {
        String secondary = Double.isNaN(alloc) ? "" : String.format(Locale.ROOT,
                "\"gc.alloc.rate.norm\" : { \"score\" : %s, \"scoreError\" : 0.01, \"scoreUnit\" : \"B/op\" }",
                alloc);
        return row("PoolOverheadBenchmark.acquireRelease", "thrpt", threads,
                "\"impl\" : \"" + impl + "\", \"poolSize\" : \"" + size + "\"", score, 0.5, "ops/us",
                "\"50.0\" : " + score, secondary);
    }

    private static final String FILE = "[" + String.join(",\n",
            overhead("wspool", 8, 1, 15.0, 32.0),
            overhead("concurrentbag", 8, 1, 30.0, 0.0),
            overhead("stormpot", 8, 1, 10.0, 0.0),
            overhead("wspool", 8, 2, 40.0, 32.0),
            overhead("concurrentbag", 8, 2, 20.0, 0.0),
            row("AcquireVsConnectBenchmark.pooledAcquire", "sample", 1, "", 2.0, 0.1, "us/op",
                    "\"50.0\" : 2.0, \"99.0\" : 5.0, \"99.9\" : 9.0, \"100.0\" : 50.0", ""),
            row("AcquireVsConnectBenchmark.freshConnect", "sample", 1, "", 900.0, 10.0, "us/op",
                    "\"50.0\" : 800.0, \"99.0\" : 2000.0, \"99.9\" : 3000.0, \"100.0\" : 9000.0", ""),
            row("EndToEndEchoBenchmark.raw", "thrpt", 4, "", 100.0, 5.0, "ops/ms", "", ""),
            row("EndToEndEchoBenchmark.poolAcquirePerRequest", "thrpt", 4, "", 90.0, 5.0, "ops/ms", "", ""),
            row("EndToEndEchoBenchmark.poolHeldLease", "thrpt", 4, "", 97.0, Double.NaN, "ops/ms", "", ""),
            row("ContentionBenchmark.wspool", "sample", 8, "", 3.0, 0.1, "us/op",
                    "\"50.0\" : 4.0, \"99.0\" : 40.0, \"100.0\" : 400.0", "")) + "]";

    @Test
    void parsesEveryFieldJmhWrites() {
        List<Result> results = Result.parse(FILE);
        assertEquals(11, results.size());
        Result first = results.get(0);
        assertEquals("PoolOverheadBenchmark", first.benchmarkClass());
        assertEquals("acquireRelease", first.method());
        assertEquals("wspool", first.param("impl"));
        assertEquals(15.0, first.score());
        assertEquals(32.0, first.allocBytesPerOp());
        assertEquals(800.0, results.get(6).percentile(50.0));
        assertTrue(Double.isNaN(results.get(9).error()), "JMH's \"NaN\" error stays NaN");
        assertTrue(Double.isNaN(results.get(7).allocBytesPerOp()), "no -prof gc: no allocation figure");
    }

    @Test
    void ratiosAreComputedAgainstThePeersOfTheSameRow() {
        String md = Report.ratios(Result.parse(FILE));
        // 1 thread: 15 / 30 = 0.5 vs concurrentbag, 15 / 10 = 1.5 vs stormpot; missed by 50%
        assertTrue(md.contains("| 8 | 1 | 15.0 ± 0.50 | 30.0 ± 0.50 | 10.0 ± 0.50 | 0.50× | 1.50× | missed by 50% |"),
                md);
        // 2 threads: 40 / 20 = 2; stormpot absent in that row
        assertTrue(md.contains("| 8 | 2 | 40.0 ± 0.50 | 20.0 ± 0.50 | – | 2.00× | – | met |"), md);
        assertTrue(md.contains("| 8 | 1 | 32.0 | 0.00 | 0.00 |"), "allocation table: " + md);
        assertTrue(md.contains("**400.0×** faster at p50 (budget ≥ 100×: met)"), md);
        assertTrue(md.contains("| poolAcquirePerRequest | 90.0 ± 5.00 | 0.90× | missed |"), md);
        assertTrue(md.contains("| poolHeldLease | 97.0 ± n/a | 0.97× | met |"), md);
        assertTrue(md.contains("| raw | 100.0 ± 5.00 | 1.00× | (reference) |"), md);
        assertTrue(md.contains("| wspool | 4.00 | 40.0 | 400.0 | 100.0× |"), "fairness = max / p50: " + md);
    }

    @Test
    void aFileWithoutKnownSuitesSaysSo() {
        String md = Report.ratios(Result.parse("[" + row("StrategyPickBenchmark.pick", "avgt", 1,
                "\"strategy\" : \"roundRobin\"", 3.0, 0.1, "ns/op", "", "") + "]"));
        assertTrue(md.startsWith("No results of"), md);
    }

    @Test
    void chartHasOneBarPerResultAndALegend() {
        String svg = Chart.svg(Result.parse(FILE));
        assertTrue(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""), svg);
        assertTrue(svg.trim().endsWith("</svg>"));
        assertEquals(5, svg.split("<title>", -1).length - 1, "five pool-overhead rows, five bars");
        assertTrue(svg.contains("<title>wspool, pool 8, 2 thread(s): 40.0 ± 0.50 ops/us</title>"), svg);
        assertTrue(svg.contains(">concurrentbag</text>") && svg.contains(">stormpot</text>"), "legend");
        assertFalse(svg.contains("NaN"), svg);
        assertThrows(IllegalArgumentException.class, () -> Chart.svg(List.of()));
    }

    @Test
    void niceCeilingRoundsUpToOneTwoOrFive() {
        assertEquals(50.0, Chart.niceCeiling(41.0));
        assertEquals(20.0, Chart.niceCeiling(20.0));
        assertEquals(1.0, Chart.niceCeiling(0.7));
        assertEquals(1.0, Chart.niceCeiling(0.0));
    }

    @Test
    void malformedJsonIsRejectedWithItsOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, }"));
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
    }
}

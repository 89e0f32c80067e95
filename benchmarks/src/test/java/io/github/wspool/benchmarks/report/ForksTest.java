package io.github.wspool.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Fork means, their median and range, on JMH JSON written the way JMH 1.37 writes it. */
class ForksTest {

    private static String cell(String impl, int threads, String rawData, double alloc) {
        return String.format(Locale.ROOT, """
                {
                    "benchmark" : "io.github.wspool.benchmarks.PoolOverheadBenchmark.acquireRelease%dThreads",
                    "mode" : "thrpt",
                    "threads" : %d,
                    "params" : { "impl" : "%s", "poolSize" : "8" },
                    "primaryMetric" : { "score" : 1.0, "scoreError" : 0.1, "scoreUnit" : "ops/us",
                                        "rawData" : %s },
                    "secondaryMetrics" : { "gc.alloc.rate.norm" : { "score" : %s, "scoreUnit" : "B/op" } }
                }""", threads, threads, impl, rawData, alloc);
    }

    private static final String FILE = "[" + String.join(",\n",
            cell("wspool", 2, "[ [ 80.0, 90.0 ], [ 88.0, 88.0 ], [ 86.0, 84.0 ] ]", 0.0),
            cell("concurrentbag", 2, "[ [ 29.0, 31.0 ], [ 120.0, 126.0 ], [ 110.0, 114.0 ] ]", 0.0)) + "]";

    @Test
    void eachForkIsAveragedAndTheCellReportsTheMedianAndTheRange() {
        List<Forks.Cell> cells = Forks.parse(FILE);
        assertEquals(2, cells.size());
        Forks.Cell bag = cells.get(1);
        assertArrayEquals(new double[] {30.0, 123.0, 112.0}, bag.forkMeans(), 1e-9);
        assertEquals(112.0, bag.median(), 1e-9);
        assertEquals(30.0, bag.min(), 1e-9);
        assertEquals(123.0, bag.max(), 1e-9);
        assertEquals(85.0, cells.get(0).median(), 1e-9); // forks 85, 88, 85
    }

    @Test
    void theTableShowsTheMedianRangeAndTheRatioOfMedians() {
        String table = Forks.table(Forks.parse(FILE));
        assertTrue(table.contains("| 8 | 2 | 3 | 85.0 (85.0–88.0) | 0.0 | 112.0 (30.0–123.0) | 0.0 | 0.76× |"), table);
    }

    @Test
    void aMedianOfAnEvenNumberOfForksIsTheMeanOfTheMiddleTwo() {
        Forks.Cell c = new Forks.Cell("wspool", "8", 1, new double[] {4.0, 1.0, 3.0, 2.0}, Double.NaN);
        assertEquals(2.5, c.median(), 1e-9);
    }
}

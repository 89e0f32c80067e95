package io.github.wspool.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * CPU time per borrow + release on one thread, for A/B comparisons on a shared machine: JMH's throughput is wall
 * time, so on two cores shared with other work a 1-thread cell moves by 2× from run to run, while the thread's own CPU
 * time per operation moves by a few per cent (it still rises under heavy load: caches shared with other processes).
 * Not a replacement for {@link PoolOverheadBenchmark} (no blackhole, no forks): run each jar or variant a few times,
 * interleaved, and compare the minima.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.wspool.benchmarks.CpuTimePerCycle wspool 8
 * java -cp benchmarks/target/benchmarks.jar io.github.wspool.benchmarks.CpuTimePerCycle concurrentbag 8
 * </pre>
 */
public final class CpuTimePerCycle {

    private static final int OPS_PER_ROUND = 10_000_000;

    private CpuTimePerCycle() {
    }

    /**
     * Runs 3 warm-up rounds and then the measured rounds of 10 million cycles each; prints the minimum, first quartile
     * and median CPU nanoseconds per cycle.
     *
     * @param args the {@link PeerPool} name, the pool size, and optionally the number of measured rounds (12)
     * @throws Exception if the pool fails
     */
    public static void main(String[] args) throws Exception {
        PeerPool pool = PeerPool.create(args[0]);
        pool.setUp(Integer.parseInt(args[1]));
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] perOp = new double[rounds];
        for (int i = 0; i < 3; i++) {
            run(pool);
        }
        for (int r = 0; r < rounds; r++) {
            long before = threads.getCurrentThreadCpuTime();
            run(pool);
            perOp[r] = (threads.getCurrentThreadCpuTime() - before) / (double) OPS_PER_ROUND;
        }
        Arrays.sort(perOp);
        System.out.printf("%s %s cpu ns/op: min %.2f  p25 %.2f  median %.2f%n", args[0], args[1], perOp[0],
                perOp[rounds / 4], perOp[rounds / 2]);
        pool.tearDown();
        System.exit(0);
    }

    private static void run(PeerPool pool) throws Exception {
        for (int i = 0; i < OPS_PER_ROUND; i++) {
            pool.release(pool.borrow());
        }
    }
}

package io.github.wspool.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Eight threads contending for a pool of two: each op borrows, does a little work ({@code work} tokens of
 * {@link Blackhole#consumeCPU(long)}, a few hundred nanoseconds) while holding the object, and releases. So most
 * borrows wait for another thread's release, and the op time is mostly that wait. {@code impl} is
 * {@code wspool} ({@code maxConnections(2)}, in-memory transport, 1 endpoint) or {@code concurrentbag}
 * (HikariCP's {@code ConcurrentBag} with 2 entries) as the peer; see {@link PeerPool}.
 *
 * <p>{@link Mode#SampleTime}, µs/op: the JSON {@code scorePercentiles} hold the distribution of single ops.
 * <b>Fairness</b> is read from them as <i>max wait / p50 wait</i>, that is {@code scorePercentiles["100.0"]} over
 * {@code scorePercentiles["50.0"]} (p1.0 over p0.5 in JMH's console output); p99 over p50 shows the tail without
 * the single worst op. A fair pool (waiters served roughly in arrival order) keeps the ratio low; a pool that lets
 * a releasing thread re-borrow at once can starve a waiter and shows a large one. The op includes the work, so the
 * p50 is never below the work's own time; SampleTime times a random sample of ops, so "max" is the largest
 * sampled op, not necessarily the largest of all; and on a machine with fewer than 8 cores it includes time spent
 * descheduled, for both pools alike.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ContentionBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ContentionBenchmark extends BorrowWorkRelease {

    /** Objects in the pool: fewer than the 8 threads, so they queue. */
    static final int POOL_SIZE = 2;

    @Override
    protected int poolSize() {
        return POOL_SIZE;
    }

    /**
     * Borrow, work, release, on 8 threads.
     *
     * @throws Exception if the pool fails (a borrow waiting 30 s included)
     */
    @Benchmark
    @Threads(8)
    public void acquireWorkRelease8Threads() throws Exception {
        cycle();
    }
}

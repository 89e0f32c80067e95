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
 * How the cost of a borrow grows with the callers queueing for a pool of {@value #POOL_SIZE}: 1, 8, 64 and 256
 * threads each borrow, hold the object for {@code work} tokens of {@link Blackhole#consumeCPU(long)}, and release.
 * At 1 and 8 threads nobody waits; at 64 and 256, 56 and 248 callers are queued at any time, so a fair pool's op
 * time grows with the queue (each waits for about {@code threads / 8} holds) and its tail must grow no faster than
 * its median: a handoff that collapses under a long queue (lost wake-ups, waiters parked and woken without being
 * served, a queue scanned per release) shows a p99 / p50 that explodes with the thread count.
 *
 * <p>{@link Mode#SampleTime}, µs/op. The growth table in {@code benchmarks/README.md} divides each cell's p99 by
 * the 8-thread one. On 2 cores the 64- and 256-thread ops include time descheduled, for every pool alike.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar WaitersBenchmark -p impl=wspool,concurrentbag</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(1)
public class WaitersBenchmark extends BorrowWorkRelease {

    /** Objects in the pool. */
    static final int POOL_SIZE = 8;

    @Override
    protected int poolSize() {
        return POOL_SIZE;
    }

    /**
     * One caller: never waits.
     *
     * @throws Exception if the pool fails
     */
    @Benchmark
    @Threads(1)
    public void threads001() throws Exception {
        cycle();
    }

    /**
     * As many callers as objects: nobody needs to wait.
     *
     * @throws Exception if the pool fails
     */
    @Benchmark
    @Threads(8)
    public void threads008() throws Exception {
        cycle();
    }

    /**
     * 64 callers: 56 waiting at any time.
     *
     * @throws Exception if the pool fails
     */
    @Benchmark
    @Threads(64)
    public void threads064() throws Exception {
        cycle();
    }

    /**
     * 256 callers: 248 waiting at any time.
     *
     * @throws Exception if the pool fails
     */
    @Benchmark
    @Threads(256)
    public void threads256() throws Exception {
        cycle();
    }
}

package io.github.wspool.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One borrow + release of an available object, for wspool and its peers (see {@link PeerPool}): the pool's own
 * overhead, no I/O (wspool runs on the in-memory transport). Pools of 8 and 32 objects, pre-filled, shared by 1, 2
 * and 8 threads; there are always at least as many objects as threads, so nobody waits for an object, only for
 * the pool's internals.
 *
 * <p>Two methods per thread count, so each JSON record is one (impl, poolSize, threads, mode) cell:
 * {@code acquireRelease*} in {@link Mode#Throughput}, ops/µs (the names earlier recordings used), and
 * {@code acquireReleaseLatency*} in {@link Mode#SampleTime}, ns/op, whose JSON {@code scorePercentiles} hold p50,
 * p99 and p99.9 of a single borrow + release. SampleTime brackets each sampled op with two {@code nanoTime()}
 * reads, so on a tens-of-nanoseconds op the percentiles are quantised by the clock (about 20–30 ns on Linux) and
 * include its cost; compare them across pools, not with the throughput figures. With {@code -prof gc},
 * {@code gc.alloc.rate.norm} is the bytes allocated per op.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar PoolOverheadBenchmark -prof gc
 * java -jar benchmarks/target/benchmarks.jar 'PoolOverheadBenchmark.acquireRelease[0-9]'   # throughput only
 * java -jar benchmarks/target/benchmarks.jar 'PoolOverheadBenchmark.acquireReleaseLatency'  # percentiles only
 * </pre>
 *
 * <p>Three forks by default, and read per fork ({@code Report forks}: each cell's median fork and its range): a
 * fork can settle in a state the next one does not (which objects share a cache line after the first collection,
 * which paths the JIT compiled in), so that a 2-thread cell ran at a third of its speed in some forks and not in
 * others, for ConcurrentBag (its entries were 16-byte cells, four to a line; now padded) and for wspool (two
 * connections' state words on one line; now padded). One fork's ratio could then read anywhere from 0.3× to 1.4×.
 *
 * The cost of wspool's metrics on the same op is {@link MetricsOverheadBenchmark}.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
public class PoolOverheadBenchmark {

    /** The pool under test, a {@link PeerPool} name. */
    @Param({"wspool", "wspool-3ep", "wspool-fleet", "concurrentbag", "commons-pool2", "stormpot", "abq"})
    public String impl;

    /** Objects (connections) in the pool, all pre-filled. */
    @Param({"8", "32"})
    public int poolSize;

    private PeerPool pool;

    /**
     * Builds and pre-fills the pool.
     *
     * @throws Exception if the pool cannot be built or filled
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        pool = PeerPool.create(impl);
        pool.setUp(poolSize);
    }

    /**
     * Closes the pool.
     *
     * @throws Exception as the pool's shutdown does
     */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        pool.tearDown();
    }

    private void cycle() throws Exception {
        pool.release(pool.borrow());
    }

    /**
     * Throughput, 1 thread.
     *
     * @throws Exception if the pool fails
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(1)
    public void acquireRelease1Thread() throws Exception {
        cycle();
    }

    /**
     * Throughput, 2 threads.
     *
     * @throws Exception if the pool fails
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(2)
    public void acquireRelease2Threads() throws Exception {
        cycle();
    }

    /**
     * Throughput, 8 threads.
     *
     * @throws Exception if the pool fails
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(8)
    public void acquireRelease8Threads() throws Exception {
        cycle();
    }

    /**
     * Latency percentiles, 1 thread.
     *
     * @throws Exception if the pool fails
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Threads(1)
    public void acquireReleaseLatency1Thread() throws Exception {
        cycle();
    }

    /**
     * Latency percentiles, 2 threads.
     *
     * @throws Exception if the pool fails
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Threads(2)
    public void acquireReleaseLatency2Threads() throws Exception {
        cycle();
    }

    /**
     * Latency percentiles, 8 threads.
     *
     * @throws Exception if the pool fails
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Threads(8)
    public void acquireReleaseLatency8Threads() throws Exception {
        cycle();
    }
}

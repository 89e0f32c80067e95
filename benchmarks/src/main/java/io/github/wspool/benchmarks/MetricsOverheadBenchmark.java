package io.github.wspool.benchmarks;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.metrics.WebSocketPoolMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
 * What wspool's observability costs on the hot path: the {@link PoolOverheadBenchmark} op (acquire + release of
 * an available connection, in-memory transport, 1 endpoint, pool of 8) with {@code metrics} {@code none}, or
 * {@code bound} (a {@link WebSocketPoolMetrics} on a {@link SimpleMeterRegistry}). 1, 2 and 8 threads, ops/µs;
 * with {@code -prof gc}, bytes allocated per op (the lease alone, or the lease plus the events metrics listen to).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar MetricsOverheadBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetricsOverheadBenchmark {

    /** {@code none}: no meter binder; {@code bound}: a {@link WebSocketPoolMetrics} bound to a simple registry. */
    @Param({"none", "bound"})
    public String metrics;

    /** Connections in the pool, all pre-warmed. */
    @Param({"8"})
    public int poolSize;

    private WebSocketPool pool;
    private WebSocketPoolMetrics binder;

    /** Builds and pre-warms the pool, then binds metrics if asked. */
    @Setup(Level.Trial)
    public void setUp() {
        pool = WspoolPeer.prewarmedPool("bench", 1, poolSize);
        if (metrics.equals("bound")) {
            binder = new WebSocketPoolMetrics(pool);
            binder.bindTo(new SimpleMeterRegistry());
        } else if (!metrics.equals("none")) {
            pool.close();
            throw new IllegalArgumentException("metrics must be none or bound, but was " + metrics);
        }
    }

    /** Unbinds metrics and closes the pool. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (binder != null) {
            binder.close();
        }
        pool.close();
    }

    private void cycle() {
        PooledConnection c = pool.acquire();
        c.close();
    }

    /** 1 thread. */
    @Benchmark
    @Threads(1)
    public void acquireRelease1Thread() {
        cycle();
    }

    /** 2 threads. */
    @Benchmark
    @Threads(2)
    public void acquireRelease2Threads() {
        cycle();
    }

    /** 8 threads. */
    @Benchmark
    @Threads(8)
    public void acquireRelease8Threads() {
        cycle();
    }
}

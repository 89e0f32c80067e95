package io.github.wspool.benchmarks;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.metrics.WebSocketPoolMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
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
 * One acquire + release of an available connection on the in-memory transport (no I/O): the pool's own overhead.
 * {@code endpoints} 1 or 3 (strategy cost included), {@code metrics} {@code none} or {@code bound} (a
 * {@link WebSocketPoolMetrics} on a {@link SimpleMeterRegistry}: what observability costs on the hot path).
 * Pools of 8 and 32 connections, pre-warmed, on 1, 2 and 8 threads.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar PoolOverheadBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PoolOverheadBenchmark {

    @Param({"8", "32"})
    public int poolSize;

    @Param({"1", "3"})
    public int endpoints;

    @Param({"none", "bound"})
    public String metrics;

    private WebSocketPool pool;
    private WebSocketPoolMetrics binder;

    @Setup(Level.Trial)
    public void setUp() {
        WebSocketPoolBuilder b = WebSocketPools.builder().name("bench").pooling(true)
                .minConnections(poolSize).maxConnections(poolSize)
                .acquireTimeout(Duration.ofSeconds(10))
                .healthCheckInterval(Duration.ZERO) // no keepalive traffic on the in-memory transport
                .transport(new InMemoryTransport());
        for (int i = 0; i < endpoints; i++) {
            b.endpoint("ws://endpoint-" + i + ".bench:80/");
        }
        pool = b.build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.stats().idle() < poolSize) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pool did not pre-warm: " + pool.stats());
            }
            Thread.onSpinWait();
        }
        if (metrics.equals("bound")) {
            binder = new WebSocketPoolMetrics(pool);
            binder.bindTo(new SimpleMeterRegistry());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    private void cycle() {
        PooledConnection c = pool.acquire();
        c.close();
    }

    @Benchmark
    @Threads(1)
    public void acquireRelease1Thread() {
        cycle();
    }

    @Benchmark
    @Threads(2)
    public void acquireRelease2Threads() {
        cycle();
    }

    @Benchmark
    @Threads(8)
    public void acquireRelease8Threads() {
        cycle();
    }
}

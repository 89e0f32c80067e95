package io.github.wspool.benchmarks;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.TestWebSocketServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What pooling saves: acquire + release of an idle connection from a pre-warmed pool, against acquire + release with
 * {@code pooling(false)}, where every acquire opens a fresh connection (TCP connect, WebSocket opening handshake) and
 * every release closes it. Sample time, so the result carries percentiles; the headline is the ratio of the p50s
 * (budget: pooled at least 100 times faster).
 *
 * <p>The server is {@link TestWebSocketServer} from pool-core's test-jar, on loopback, started once per trial:
 * thread-per-connection over Java-WebSocket's protocol engine, with a writer that blocks on the engine's out queue.
 * Java-WebSocket 1.6.0's own {@code WebSocketServer} is not used because its selector loop can leave an echo
 * unflushed (a lost-write race) and walks every selected key on each wakeup. Being thread-per-connection, the server
 * starts two threads per accepted connection, so {@code freshConnect} includes server-side thread starts that an
 * event-loop server would not pay: loopback connect cost is on the high side, not the low side.
 *
 * <ul>
 *   <li>{@code pooledAcquire}: {@code pooling(true)}, 4 connections ({@code minConnections = maxConnections = 4}),
 *       all idle before the first operation; no I/O on the measured path.</li>
 *   <li>{@code freshConnect}: {@code pooling(false)}, {@code maxConnections(1)}. The release only starts the
 *       closing handshake; the slot comes back when the server has answered and closed, so the next acquire waits
 *       for that. Each operation therefore costs one full connection life (connect, handshake, close), and at most
 *       one connection is ever open or closing: sockets cannot pile up however fast the loop runs. The server
 *       closes TCP first, so each operation leaves one server-side socket in TIME_WAIT for 60 s; on Linux loopback
 *       the client's ephemeral ports are reused from those ({@code net.ipv4.tcp_tw_reuse}, default 2 = loopback),
 *       and the default profile (about 16 s of measured and warm-up time) stays well within the kernel's
 *       TIME_WAIT bucket limit.</li>
 * </ul>
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar AcquireVsConnectBenchmark</pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class AcquireVsConnectBenchmark {

    static final int POOL_SIZE = 4;

    /** The server and a pre-warmed pool of {@value #POOL_SIZE} connections to it. */
    @State(Scope.Benchmark)
    public static class Pooled {
        TestWebSocketServer server;
        WebSocketPool pool;

        @Setup(Level.Trial)
        public void setUp() {
            server = TestWebSocketServer.start();
            pool = WebSocketPools.builder().name("bench-pooled").endpoint(server.uri())
                    .pooling(true).minConnections(POOL_SIZE).maxConnections(POOL_SIZE)
                    .healthCheckInterval(Duration.ZERO) // no keepalive traffic during the run
                    .build();
            awaitIdle(pool, POOL_SIZE);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            closeAll(pool, server);
        }
    }

    /** The server and a pool without pooling: a fresh connection per acquire, at most one at a time. */
    @State(Scope.Benchmark)
    public static class Fresh {
        TestWebSocketServer server;
        WebSocketPool pool;

        @Setup(Level.Trial)
        public void setUp() {
            server = TestWebSocketServer.start();
            pool = WebSocketPools.builder().name("bench-fresh").endpoint(server.uri())
                    .pooling(false).maxConnections(1) // one connection open or closing at any time
                    .healthCheckInterval(Duration.ZERO)
                    .build();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            closeAll(pool, server);
        }
    }

    @Benchmark
    public void pooledAcquire(Pooled s) {
        PooledConnection c = s.pool.acquire();
        c.close();
    }

    @Benchmark
    public void freshConnect(Fresh s) {
        PooledConnection c = s.pool.acquire();
        c.close();
    }

    /** Waits until {@code n} connections are idle (10 s at most). */
    static void awaitIdle(WebSocketPool pool, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.stats().idle() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pool did not pre-warm: " + pool.stats());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // the connects need the CPU more
        }
    }

    /** Closes the pool (joining its threads), then the server (joining its threads); either may be null. */
    static void closeAll(WebSocketPool pool, TestWebSocketServer server) {
        try {
            if (pool != null) {
                pool.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }
}

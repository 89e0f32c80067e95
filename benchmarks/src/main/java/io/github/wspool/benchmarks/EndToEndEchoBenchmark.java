package io.github.wspool.benchmarks;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Request/response echo over loopback on {@value #CONNECTIONS} connections and {@value #CONNECTIONS} benchmark
 * threads, the pool against plain Java-WebSocket clients. Throughput (ops/ms) and sample time (percentiles); budget:
 * {@code pool} at least 0.95 times {@code raw}'s throughput.
 *
 * <p>Every operation sends {@code {"messageId":"<unique>","p":"<64 chars>"}} and waits for its echo. Message ids
 * come from a per-thread counter, so they are unique and the pool's correlation (by the top-level
 * {@code messageId}) is real; each benchmark checks that the reply is the message it sent.
 *
 * <ul>
 *   <li>{@code pool}: each operation acquires a lease from a pre-warmed pool of {@value #CONNECTIONS} connections
 *       ({@code pooling(true)}), calls {@code request(message, 5 s).join()} and releases the lease.</li>
 *   <li>{@code poolHeldLease}: each thread holds one lease for a whole iteration (acquired in
 *       {@code @Setup(Level.Iteration)}); an operation is only the {@code request(...).join()}. Against {@code raw} it
 *       shows the pool's messaging overhead (correlation, pending-request table, timeout); against {@code pool},
 *       what acquiring per request adds.</li>
 *   <li>{@code raw}: one Java-WebSocket {@link WebSocketClient} per thread (TCP_NODELAY on and the lost-connection
 *       timer off, as the pool configures its own); an operation sends the message and waits on a
 *       {@link CompletableFuture} completed by {@code onMessage}. No correlation, no timeout task: the baseline.</li>
 * </ul>
 *
 * <p>The server is {@link TestWebSocketServer} from pool-core's test-jar, on loopback, one per trial: thread per
 * connection over Java-WebSocket's protocol engine ({@code WebSocketImpl}, server role), with a writer that blocks on
 * the engine's out queue. Java-WebSocket 1.6.0's own {@code WebSocketServer} is not used: its selector write path
 * has a lost-write race (an echo queued while it re-arms {@code OP_READ} can stay unflushed, stalling a
 * request/response loop) and it walks every selected key on each wakeup. Both sides of the comparison talk to the
 * same server, so its cost is common to both.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar EndToEndEchoBenchmark</pre>
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EndToEndEchoBenchmark {

    static final int CONNECTIONS = 4;
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final String PAYLOAD = "0123456789abcdef".repeat(4); // 64 characters

    /** The server and a pre-warmed pool of {@value #CONNECTIONS} connections to it. */
    @State(Scope.Benchmark)
    public static class PoolSide {
        /** The pool's transport: the default shared selector, or Java-WebSocket's client (thread per connection). */
        @Param({"selector", "thread-per-connection"})
        public String transport;
        TestWebSocketServer server;
        WebSocketPool pool;

        @Setup(Level.Trial)
        public void setUp() {
            server = TestWebSocketServer.start();
            WebSocketPoolBuilder b = WebSocketPools.builder().name("bench-echo").endpoint(server.uri())
                    .pooling(true).minConnections(CONNECTIONS).maxConnections(CONNECTIONS)
                    .healthCheckInterval(Duration.ZERO); // no keepalive traffic during the run
            if (transport.equals("thread-per-connection")) {
                b.threadPerConnectionTransport();
            }
            pool = b.build();
            AcquireVsConnectBenchmark.awaitIdle(pool, CONNECTIONS);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            AcquireVsConnectBenchmark.closeAll(pool, server);
        }
    }

    /** One lease per thread, held for a whole iteration. */
    @State(Scope.Thread)
    public static class HeldLease {
        PooledConnection lease;

        @Setup(Level.Iteration)
        public void acquire(PoolSide side) {
            lease = side.pool.acquire();
        }

        @TearDown(Level.Iteration)
        public void release() {
            if (lease != null) {
                lease.close();
                lease = null;
            }
        }
    }

    /** The server the raw clients talk to. */
    @State(Scope.Benchmark)
    public static class RawServer {
        TestWebSocketServer server;

        @Setup(Level.Trial)
        public void setUp() {
            server = TestWebSocketServer.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            server.close();
        }
    }

    /** One plain Java-WebSocket client per thread. */
    @State(Scope.Thread)
    public static class RawClient {
        EchoClient client;

        @Setup(Level.Trial)
        public void connect(RawServer side) throws InterruptedException {
            client = new EchoClient(side.server.uri());
            if (!client.connectBlocking(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("raw client did not connect to " + side.server.uri());
            }
        }

        @TearDown(Level.Trial)
        public void close() throws InterruptedException {
            if (client != null) {
                client.closeBlocking(); // ends the client's read and write threads
            }
        }
    }

    /** Unique message ids for one thread: {@code t<thread>-<n>}. */
    @State(Scope.Thread)
    public static class Messages {
        private static final AtomicInteger THREADS = new AtomicInteger();
        private final String prefix = "{\"messageId\":\"t" + THREADS.incrementAndGet() + "-";
        private long n;

        String next() {
            return prefix + (++n) + "\",\"p\":\"" + PAYLOAD + "\"}";
        }
    }

    @Benchmark
    @Threads(CONNECTIONS)
    public String pool(PoolSide side, Messages messages) {
        String m = messages.next();
        try (PooledConnection c = side.pool.acquire()) {
            return checked(m, c.request(m, TIMEOUT).join());
        }
    }

    @Benchmark
    @Threads(CONNECTIONS)
    public String poolHeldLease(HeldLease held, Messages messages) {
        String m = messages.next();
        return checked(m, held.lease.request(m, TIMEOUT).join());
    }

    @Benchmark
    @Threads(CONNECTIONS)
    public String raw(RawClient raw, Messages messages) {
        String m = messages.next();
        return checked(m, raw.client.echo(m));
    }

    private static String checked(String sent, String reply) {
        if (!sent.equals(reply)) {
            throw new IllegalStateException("sent " + sent + " but got " + reply);
        }
        return reply;
    }

    /** A client that sends one message at a time and waits for the next message to arrive. */
    static final class EchoClient extends WebSocketClient {
        private volatile CompletableFuture<String> reply;

        EchoClient(URI uri) {
            this(uri, new org.java_websocket.drafts.Draft_6455());
        }

        EchoClient(URI uri, org.java_websocket.drafts.Draft draft) {
            super(uri, draft);
            setTcpNoDelay(true);
            setConnectionLostTimeout(0);
            setDaemon(true); // a client left open must not keep the benchmark JVM alive
        }

        String echo(String message) {
            CompletableFuture<String> f = new CompletableFuture<>();
            reply = f;
            send(message);
            try {
                return f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for the echo", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("no echo for " + message, e);
            }
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
            // nothing to do
        }

        @Override
        public void onMessage(String message) {
            CompletableFuture<String> f = reply;
            if (f != null) {
                f.complete(message);
            }
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            fail(new IllegalStateException("closed: " + code + " " + reason));
        }

        @Override
        public void onError(Exception ex) {
            fail(ex);
        }

        private void fail(Exception ex) {
            CompletableFuture<String> f = reply;
            if (f != null) {
                f.completeExceptionally(ex);
            }
        }
    }
}

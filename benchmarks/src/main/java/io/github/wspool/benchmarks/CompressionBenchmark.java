package io.github.wspool.benchmarks;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.FaultProxy;
import io.github.wspool.testkit.TestWebSocketServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.extensions.permessage_deflate.PerMessageDeflateExtension;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * permessage-deflate: echo round trips of a 1 KiB JSON message (market quotes, as repetitive as such feeds are) over
 * loopback, one thread, one connection, through a byte-counting TCP relay ({@link FaultProxy}) that measures what
 * crosses the wire. Reports round trips per millisecond and, as auxiliary event counters, {@code wireBytes} and
 * {@code echoes} over the measured iterations: their ratio is the bytes in both directions per round trip, frame
 * headers and masks included.
 *
 * <p>The server is {@link TestWebSocketServer} with Java-WebSocket's own {@code PerMessageDeflateExtension} in the
 * server role (its defaults: it compresses messages of 1 KiB and more, each on its own). {@code mode}:
 * <ul>
 *   <li>{@code pool-off}: the pool, {@code compression(false)} (the default);</li>
 *   <li>{@code pool-deflate}: the pool, {@code compression(true)};</li>
 *   <li>{@code jws-off}: a plain Java-WebSocket client, the baseline;</li>
 *   <li>{@code jws-deflate}: a plain Java-WebSocket client with the library's {@code PerMessageDeflateExtension}
 *       (the peer: the same engine, the library's own compression).</li>
 * </ul>
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar CompressionBenchmark</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class CompressionBenchmark {

    static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** The server, the relay and the client of one mode. */
    @State(Scope.Benchmark)
    public static class Side {
        /** Which client, compressing or not. */
        @Param({"pool-off", "pool-deflate", "jws-off", "jws-deflate"})
        public String mode;
        TestWebSocketServer server;
        FaultProxy wire;
        WebSocketPool pool;
        PooledConnection lease;
        EndToEndEchoBenchmark.EchoClient raw;

        @Setup(Level.Trial)
        public void setUp() throws InterruptedException {
            server = TestWebSocketServer.start().compressing();
            wire = FaultProxy.to(server.port());
            if (mode.startsWith("pool")) {
                WebSocketPoolBuilder b = WebSocketPools.builder().name("bench-deflate").endpoint(wire.uri("/z"))
                        .pooling(true).minConnections(1).maxConnections(1).healthCheckInterval(Duration.ZERO)
                        .compression(mode.equals("pool-deflate"));
                pool = b.build();
                AcquireVsConnectBenchmark.awaitIdle(pool, 1);
                lease = pool.acquire();
            } else {
                raw = mode.equals("jws-deflate")
                        ? new EndToEndEchoBenchmark.EchoClient(wire.uri("/z"),
                                new Draft_6455(new PerMessageDeflateExtension()))
                        : new EndToEndEchoBenchmark.EchoClient(wire.uri("/z"));
                if (!raw.connectBlocking(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("raw client did not connect");
                }
            }
        }

        String echo(String message) {
            return raw != null ? raw.echo(message) : lease.request(message, TIMEOUT).join();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            if (lease != null) {
                lease.close();
            }
            if (raw != null) {
                raw.closeBlocking();
            }
            AcquireVsConnectBenchmark.closeAll(pool, server);
            wire.close();
        }
    }

    /**
     * Bytes on the wire and echoes, as JMH event counters (summed over the measured iterations): their ratio is the
     * bytes per round trip.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Wire {
        /** Bytes relayed in both directions during the iteration. */
        public long wireBytes;
        /** Round trips completed during the iteration. */
        public long echoes;
        private long startBytes;
        private FaultProxy proxy;

        @Setup(Level.Iteration)
        public void start(Side side) {
            proxy = side.wire;
            startBytes = proxy.bytesUp() + proxy.bytesDown();
            echoes = 0;
            wireBytes = 0;
        }

        void count() {
            echoes++;
            wireBytes = proxy.bytesUp() + proxy.bytesDown() - startBytes;
        }
    }

    /** A valid JSON message of exactly 1,024 bytes with a unique id (quotes, then padding to the size). */
    @State(Scope.Thread)
    public static class Messages {
        private static final int SIZE = 1024;
        private String quotes;
        private long n;

        String next() {
            String head = "{\"messageId\":\"" + (++n) + "\",\"quotes\":[";
            if (quotes == null || head.length() + quotes.length() > SIZE - 12) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; ; i++) {
                    String q = (i == 0 ? "" : ",") + "{\"sym\":\"ACME" + i % 7 + "\",\"bid\":" + (100 + i % 13)
                            + ".25,\"ask\":" + (101 + i % 11) + ".5}";
                    if (head.length() + 8 + b.length() + q.length() + 12 > SIZE) { // room for ids to grow
                        break;
                    }
                    b.append(q);
                }
                quotes = b.toString();
            }
            String json = head + quotes + "],\"pad\":\"";
            return json + "x".repeat(SIZE - json.length() - 2) + "\"}";
        }
    }

    @Benchmark
    public String echo(Side side, Wire wire, Messages messages) {
        String m = messages.next();
        String reply = side.echo(m);
        if (!m.equals(reply)) {
            throw new IllegalStateException("sent " + m + " but got " + reply);
        }
        wire.count();
        return reply;
    }
}

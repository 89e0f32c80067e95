package io.github.wspool.benchmarks.scale;

import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.PongEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The scale run's client, one transport and one connection count per JVM: opens {@code N} pooled connections to
 * the {@link ScaleServer}, holds them with keepalive pings running, runs a bounded echo workload through the pool,
 * closes, and prints one Markdown table row.
 *
 * <p>Usage: {@code ScaleClient <jws|nio|netty> <connections> <ws-uri> [holdSeconds] [echoRequests] [plain|deflate]}.
 * {@code netty} runs the plain Netty client of {@link NettyScaleClient} instead of the pool, with the same settings
 * (the constants here) and the same measurements ({@link ScaleMeasurement}). With
 * the last argument, every connection first carries one 2 KiB JSON request and its echo (so that, with
 * {@code deflate}, i.e. {@code compression(true)} against a server that compresses and keeps its context, each holds
 * the inflater it needs) before memory is measured; the row's transport reads {@code nio+deflate} or
 * {@code nio+plain}. Memory per connection is
 * measured as the growth over the JVM's figures just before the pool was built: RSS from {@code /proc/self/status},
 * heap used after a full GC. Threads are the JVM's live threads ({@code ThreadMXBean}), all of them. The pool opens
 * up to {@value #CONNECTS_IN_FLIGHT} connections at a time and pings each one every {@link #KEEPALIVE} (less up to a
 * tenth, the pool's jitter) for as long as it is open.
 *
 * <p>System properties ({@code benchmarks/scale.sh} sets the first three): {@code scale.gclog}, the client's own GC
 * log, read at the end for the longest pause of each phase ({@link GcPauses}); {@code scale.serverCloses}, the
 * {@link ScaleServer}'s close counts, to check that every connection's close frame arrived; {@code scale.tsv}, a file
 * to append one tab-separated line of figures to (the script's growth table); {@code scale.diag}, a directory for
 * NMT, class histogram and heap figures at hold, plus a close timeline on stderr; with it, {@code scale.closeHistoMillis}
 * (ms) writes a class histogram of what is live that long into the close (a full GC: the close is slower then).
 */
public final class ScaleClient {

    /** Connects in flight at once (the pool's {@code maxConcurrentConnects}, per endpoint and per pool). */
    static final int CONNECTS_IN_FLIGHT = 64;
    /** TCP connect plus opening handshake. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /** The keepalive ping period ({@code healthCheckInterval}). */
    static final Duration KEEPALIVE = Duration.ofSeconds(5);
    /** How long a close waits for the server's close frame before the socket is closed anyway. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** How long one echo request waits for its reply. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private ScaleClient() {
    }

    /**
     * Runs one measurement.
     *
     * @param args see the class comment
     * @throws Exception if the run fails
     */
    public static void main(String[] args) throws Exception {
        String transport = args[0];
        if (transport.equals("netty")) {
            NettyScaleClient.main(args);
            return;
        }
        int n = Integer.parseInt(args[1]);
        String uri = args[2];
        int holdSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int echoRequests = args.length > 4 ? Integer.parseInt(args[4]) : 20_000;
        String compression = args.length > 5 ? args[5] : null;

        ScaleMeasurement m = ScaleMeasurement.baseline();
        ConcurrentLinkedQueue<Long> connectNanos = new ConcurrentLinkedQueue<>();
        AtomicInteger connectFailures = new AtomicInteger();
        LongAdder pongs = new LongAdder();
        WebSocketPoolBuilder b = WebSocketPools.builder().name("scale").endpoint(uri).pooling(true)
                .minConnections(n).maxConnections(n).maxConcurrentConnects(CONNECTS_IN_FLIGHT, CONNECTS_IN_FLIGHT)
                .connectTimeout(CONNECT_TIMEOUT).acquireTimeout(Duration.ofSeconds(30))
                .healthCheckInterval(KEEPALIVE).pongTimeout(Duration.ofSeconds(10))
                .idleTimeout(Duration.ZERO).maxLifetime(Duration.ZERO)
                .closeTimeout(CLOSE_TIMEOUT).shutdownTimeout(Duration.ofSeconds(5))
                .listener(new PoolListener() {
                    @Override
                    public void onConnect(ConnectEvent event) {
                        if (event.succeeded()) {
                            connectNanos.add(event.duration().toNanos());
                        } else {
                            connectFailures.incrementAndGet();
                        }
                    }

                    @Override
                    public void onPong(PongEvent event) {
                        pongs.increment(); // the keepalive's, for the line on stderr (the Netty peer prints its own)
                    }
                });
        if (transport.equals("nio")) {
            b.sharedSelectorTransport(0);
        } else if (transport.equals("jws")) {
            b.threadPerConnectionTransport();
        } else {
            throw new IllegalArgumentException("transport must be jws, nio or netty, but was " + transport);
        }
        if (compression != null) {
            b.compression(compression.equals("deflate"));
            transport = transport + "+" + compression;
        }
        m.starting();
        WebSocketPool pool = b.build();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        // the pool's stats are O(connections): looked at only once the listener has seen them all open
        while (connectNanos.size() < n || pool.stats().total() < n) {
            if (System.nanoTime() > deadline) {
                System.err.println("only " + connectNanos.size() + " of " + n + " connections opened in 4 minutes ("
                        + connectFailures.get() + " failed connects)");
                break;
            }
            Thread.sleep(20); // polling a measurement program, not a test
        }
        int opened = m.allOpen(connectNanos);

        if (compression != null) {
            touchEvery(pool, opened);
        }
        m.hold(holdSeconds, transport + "-" + n); // held with keepalive pings running
        m.echo(echoRequests, msg -> {
            try (PooledConnection c = pool.acquire()) {
                c.request(msg, REQUEST_TIMEOUT).join();
            }
        });
        System.err.println(transport + ": " + pongs.sum() + " keepalive pongs back before the close");
        m.closing(() -> pool.stats().total());
        pool.close();
        m.closed();
        m.report(transport, n);
        System.exit(0);
    }

    /** One 2 KiB JSON request and its echo on each of {@code n} connections (all leased at once). */
    private static void touchEvery(WebSocketPool pool, int n) {
        StringBuilder quotes = new StringBuilder();
        for (int i = 0; quotes.length() < 2000; i++) {
            quotes.append(i == 0 ? "" : ",").append("{\"sym\":\"ACME").append(i % 7).append("\",\"bid\":")
                    .append(100 + i % 13).append('}');
        }
        List<PooledConnection> leases = new ArrayList<>(n);
        List<java.util.concurrent.CompletableFuture<String>> replies = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                PooledConnection c = pool.acquire();
                leases.add(c);
                replies.add(c.request("{\"messageId\":\"touch-" + i + "\",\"quotes\":[" + quotes + "]}",
                        Duration.ofSeconds(30)));
            }
            for (java.util.concurrent.CompletableFuture<String> r : replies) {
                r.join();
            }
        } finally {
            leases.forEach(PooledConnection::close);
        }
    }
}

package io.github.wspool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.core.spi.Transport;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import io.github.wspool.testkit.ForwardingTransportListener;
import io.github.wspool.core.spi.TransportOptions;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads hammering a small pool. Bounded in count and in time; after each run the invariants are checked:
 * never two holders of one connection, never more than max open, nothing left leased.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PoolStressTest {

    private static final int THREADS = 16;
    private static final int MAX = 4;

    /** The real transport under test: the shared selector here, the thread-per-connection one in a subclass. */
    Transport networkTransport() {
        return new io.github.wspool.core.internal.transport.selector.SelectorTransport(2);
    }

    /** Counts connections open at once through the transport, and the peak. */
    static final class CountingTransport implements Transport {
        final Transport delegate;
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger peak = new AtomicInteger();
        final AtomicInteger opened = new AtomicInteger();

        CountingTransport(Transport delegate) {
            this.delegate = delegate;
        }

        @Override
        public TransportConnection connect(URI uri, TransportOptions options, TransportListener listener) {
            return delegate.connect(uri, options, new ForwardingTransportListener(listener) {
                private volatile boolean wasOpen;

                @Override
                public void onOpen(TransportConnection connection) {
                    wasOpen = true;
                    opened.incrementAndGet();
                    peak.accumulateAndGet(open.incrementAndGet(), Math::max);
                    super.onOpen(connection);
                }

                @Override
                public void onClosed(int code, String reason, boolean remote, Throwable error) {
                    if (wasOpen) {
                        open.decrementAndGet();
                    }
                    super.onClosed(code, reason, remote, error);
                }
            });
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    /** Runs {@code cycles} acquire/send/release per thread on {@code THREADS} threads; returns the cycles completed. */
    private static long hammer(WebSocketPool pool, int cycles, Duration budget, AtomicInteger violations) throws Exception {
        Map<String, Thread> holders = new ConcurrentHashMap<>();
        AtomicLong completed = new AtomicLong();
        long deadline = System.nanoTime() + budget.toNanos();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService executor = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                futures.add(executor.submit(() -> {
                    start.await();
                    for (int i = 0; i < cycles && System.nanoTime() < deadline; i++) {
                        try (PooledConnection c = pool.acquire(Duration.ofSeconds(10))) {
                            if (holders.putIfAbsent(c.id(), Thread.currentThread()) != null) {
                                violations.incrementAndGet(); // two holders of one connection
                            }
                            if (pool.stats().total() > MAX) {
                                violations.incrementAndGet();
                            }
                            c.send("m");
                            holders.remove(c.id());
                        }
                        completed.incrementAndGet();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(budget.toSeconds() + 30, TimeUnit.SECONDS);
            }
        } finally {
            executor.shutdownNow();
        }
        return completed.get();
    }

    @Test
    void pooledInMemoryNeverSharesAConnectionNorExceedsMax() throws Exception {
        CountingTransport transport = new CountingTransport(new InMemoryTransport());
        WebSocketPool pool = WebSocketPools.builder().name("stress-mem").endpoint("ws://127.0.0.1:1/")
                .pooling(true).maxConnections(MAX).transport(transport).build();
        AtomicInteger violations = new AtomicInteger();
        try {
            long done = hammer(pool, 5_000, Duration.ofSeconds(30), violations);
            assertTrue(done >= THREADS * 100L, "enough cycles ran to mean something: " + done);
            assertEquals(0, violations.get(), "two holders of one connection, or more than max open");
            assertTrue(transport.peak.get() <= MAX, "peak open " + transport.peak.get());
            assertTrue(transport.opened.get() <= MAX, "no churn without a reason: opened " + transport.opened.get());
            assertEquals(0, pool.stats().active(), "nothing left leased");
            assertEquals(0, pool.stats().pending());
        } finally {
            pool.close();
        }
        assertEquals(0, transport.open.get(), "every connection closed by close()");
    }

    @Test
    void aLeaseClosedTwiceAtOnceIsReleasedOnceWhileOthersTakeItsConnection() throws Exception {
        // no listener and no leak detection: the release path that marks the lease without a CAS of its own
        WebSocketPool pool = WebSocketPools.builder().name("stress-double").endpoint("ws://127.0.0.1:1/")
                .pooling(true).minConnections(2).maxConnections(2).transport(new InMemoryTransport()).build();
        Map<String, Thread> holders = new ConcurrentHashMap<>();
        AtomicInteger violations = new AtomicInteger();
        AtomicLong cycles = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int pairs = 4;
        ExecutorService executor = Executors.newFixedThreadPool(2 * pairs);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                java.util.concurrent.atomic.AtomicReference<PooledConnection> shared =
                        new java.util.concurrent.atomic.AtomicReference<>();
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                futures.add(executor.submit(() -> { // the holder: takes, uses, then closes with its partner
                    try {
                        for (int i = 0; i < 3_000 && System.nanoTime() < deadline; i++) {
                            PooledConnection c = pool.acquire(Duration.ofSeconds(10));
                            if (holders.putIfAbsent(c.id(), Thread.currentThread()) != null) {
                                violations.incrementAndGet(); // a connection handed out while someone holds it
                            }
                            c.send("m");
                            holders.remove(c.id());
                            shared.set(c);
                            together.await(10, TimeUnit.SECONDS);
                            c.close(); // at the same moment as the partner's close
                            together.await(10, TimeUnit.SECONDS);
                            cycles.incrementAndGet();
                        }
                    } finally {
                        stop.set(true);
                        together.reset();
                    }
                    return null;
                }));
                futures.add(executor.submit(() -> { // the partner: closes the same lease at the same time
                    while (!stop.get()) {
                        try {
                            together.await(10, TimeUnit.SECONDS);
                            shared.get().close();
                            together.await(10, TimeUnit.SECONDS);
                        } catch (java.util.concurrent.BrokenBarrierException e) {
                            return null; // the holder is done
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            executor.shutdownNow();
        }
        try {
            assertTrue(cycles.get() >= 400, "enough double closes to mean something: " + cycles.get());
            assertEquals(0, violations.get(), "a double close released a connection its next holder still had");
            assertEquals(0, pool.stats().active(), "nothing left leased");
            assertEquals(2, pool.stats().idle(), "both connections back, each once");
        } finally {
            pool.close();
        }
    }

    @Test
    void unpooledInMemoryCapsConcurrencyWhileChurning() throws Exception {
        CountingTransport transport = new CountingTransport(new InMemoryTransport());
        WebSocketPool pool = WebSocketPools.builder().name("stress-churn").endpoint("ws://127.0.0.1:1/")
                .maxConnections(MAX).transport(transport).build();
        AtomicInteger violations = new AtomicInteger();
        try {
            long done = hammer(pool, 500, Duration.ofSeconds(30), violations);
            assertEquals(0, violations.get());
            assertTrue(transport.peak.get() <= MAX, "peak open " + transport.peak.get());
            assertEquals(done, transport.opened.get(), "one fresh connection per acquire");
            assertEquals(0, pool.stats().active());
        } finally {
            pool.close();
        }
        assertEquals(0, transport.open.get());
    }

    @Test
    void pooledOverRealSocketsNeverExceedsMax() throws Exception {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            CountingTransport transport = new CountingTransport(networkTransport());
            WebSocketPool pool = WebSocketPools.builder().name("stress-net").endpoint(server.uri())
                    .pooling(true).maxConnections(MAX).transport(transport).build();
            AtomicInteger violations = new AtomicInteger();
            long done;
            try {
                done = hammer(pool, 300, Duration.ofSeconds(30), violations);
                assertEquals(0, violations.get());
                assertTrue(transport.peak.get() <= MAX, "peak open " + transport.peak.get());
                assertTrue(server.acceptedConnections() <= MAX, "server saw " + server.acceptedConnections());
                assertEquals(0, pool.stats().active());
            } finally {
                pool.close();
            }
            long sent = done;
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .alias("server received every message sent (" + sent + ")")
                    .until(server::messagesReceived, n -> n == sent);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
        }
    }
}

package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.HeaderSupplier;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.internal.transport.selector.SelectorTransport;
import io.github.wspool.core.spi.CompressionOptions;
import io.github.wspool.core.spi.ProxyOptions;
import io.github.wspool.core.spi.TlsOptions;
import io.github.wspool.core.spi.Transport;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import io.github.wspool.testkit.ForwardingTransportListener;
import io.github.wspool.testkit.RecordingTransportListener;
import io.github.wspool.core.spi.TransportOptions;
import io.github.wspool.testkit.SelectorEchoServer;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What only the selector transport promises: it never blocks a selector thread, and threads do not grow with connections. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SelectorTransportTest {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    @Test
    void theBuilderRefusesASelectorCountOutOfRangeAndSaysWhatWasGiven() {
        for (int bad : new int[] {-1, 65}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> WebSocketPools.builder().sharedSelectorTransport(bad));
            assertTrue(e.getMessage().contains("selectorThreads must be between 1 and 64")
                    && e.getMessage().endsWith("but was " + bad), e.getMessage());
        }
    }

    @Test
    void aSlowHandlerSuspendsReadingOnItsConnectionWhileTheOtherOnTheSameSelectorFlows() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        CountingTransport transport = new CountingTransport(new SelectorTransport(1)); // one selector: shared for sure
        AtomicReference<String> slow = new AtomicReference<>();
        CountDownLatch gate = new CountDownLatch(1);
        Map<String, List<String>> received = new ConcurrentHashMap<>();
        WebSocketPool pool = track(WebSocketPools.builder().name("nio-bp").endpoint(server.uri()).pooling(true)
                .minConnections(2).maxConnections(2).transport(transport)
                .maxQueuedInboundBytes(32 * 1024)
                .onMessage(m -> {
                    received.computeIfAbsent(m.connectionId(), k -> new CopyOnWriteArrayList<>()).add(m.text());
                    slow.compareAndSet(null, m.connectionId());
                    if (m.connectionId().equals(slow.get())) {
                        try {
                            gate.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                })
                .build());
        await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() == 2 && pool.stats().total() == 2);
        int n = 500;
        String payload = "x".repeat(1024);
        for (int i = 0; i < n; i++) {
            server.pushToAll(i + ":" + payload); // 1 MiB per connection, 32 times the inbound bound
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 2
                && received.entrySet().stream().anyMatch(e -> !e.getKey().equals(slow.get()) && e.getValue().size() == n));
        // the fast connection may have been suspended for a moment too, but its handler drained it and resumed it
        await().atMost(Duration.ofSeconds(5)).until(() -> transport.suspendedNow() == 1);
        assertEquals(1, received.get(slow.get()).size(), "the slow connection's handler is still in its first message");

        gate.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> received.get(slow.get()).size() == n);
        for (List<String> messages : received.values()) {
            for (int i = 0; i < n; i++) {
                assertTrue(messages.get(i).startsWith(i + ":"), "in order, none lost: " + i);
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> transport.suspendedNow() == 0);
    }

    @Test
    void aReplysDependentStagesRunOnThePoolsCompletionThreadsNotOnTheSelector() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        CountDownLatch registered = new CountDownLatch(1);
        server.responder((peer, text) -> {
            try {
                registered.await(10, TimeUnit.SECONDS); // reply only once the caller's stage is attached
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            peer.send(text);
        });
        WebSocketPool pool = track(WebSocketPools.builder().name("nio-reply").endpoint(server.uri()).pooling(true)
                .sharedSelectorTransport(1).build());
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(10))) {
            CompletableFuture<String> where = c.request("{\"messageId\":\"r1\"}", Duration.ofSeconds(10))
                    .thenApply(reply -> Thread.currentThread().getName());
            registered.countDown();
            String thread = where.get(10, TimeUnit.SECONDS);
            assertTrue(thread.startsWith("wspool-nio-reply-reply-"), "completed on " + thread);
        }
    }

    @Test
    void aCallerBlockedInJoinIsWokenStraightFromTheSelectorWithoutTheExecutorHop() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        Thread caller = Thread.currentThread();
        server.responder((peer, text) -> { // reply once the caller is blocked in join(), as it is on a real network
            await().atMost(Duration.ofSeconds(5)).until(() -> caller.getState() == Thread.State.WAITING);
            peer.send(text);
        });
        AtomicInteger executorTasks = new AtomicInteger();
        java.util.concurrent.ExecutorService messages = java.util.concurrent.Executors.newSingleThreadExecutor();
        closeables.add(messages::shutdownNow);
        WebSocketPool pool = track(WebSocketPools.builder().name("nio-join").endpoint(server.uri()).pooling(true)
                .sharedSelectorTransport(1).messageExecutor(task -> {
                    executorTasks.incrementAndGet();
                    messages.execute(task);
                }).build());
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(10))) {
            for (int i = 0; i < 20; i++) {
                String body = "{\"messageId\":\"j" + i + "\"}";
                assertEquals(body, c.request(body, Duration.ofSeconds(10)).join());
            }
            assertEquals(0, executorTasks.get(), "blocked callers were completed on the selector: no executor task");
        } // a reply with a dependent stage still goes through the executor: the test above this one
    }

    @Test
    void concurrentSendersOnOneSharedConnectionLoseNoWrite() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        WebSocketPool pool = track(WebSocketPools.builder().name("nio-writes").endpoint(server.uri()).pooling(true)
                .maxConnections(1).maxLeasesPerConnection(4).sharedSelectorTransport(1).build());
        int threads = 4;
        int perThread = 2_500;
        List<Thread> senders = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            String prefix = "t" + t + ":";
            Thread th = new Thread(() -> {
                try (PooledConnection c = pool.acquire(Duration.ofSeconds(10))) {
                    for (int i = 0; i < perThread; i++) {
                        c.send(prefix + i); // every send races the selector clearing OP_WRITE after its last flush
                    }
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            });
            th.start();
            senders.add(th);
        }
        for (Thread th : senders) {
            th.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertEquals(List.of(), failures);
        // a lost write would leave the tail of some sender's messages queued until a next send that never comes
        await().atMost(Duration.ofSeconds(20)).until(() -> server.messagesReceived() == (long) threads * perThread);
        assertEquals(1, server.acceptedConnections(), "all four senders shared one connection");
        Map<String, Integer> next = new ConcurrentHashMap<>();
        for (String m : server.receivedTexts()) {
            String sender = m.substring(0, m.indexOf(':') + 1);
            int seq = Integer.parseInt(m.substring(sender.length()));
            assertEquals(next.getOrDefault(sender, 0), seq, "each sender's messages in order");
            next.put(sender, seq + 1);
        }
    }

    @Test
    void manyConnectionsAddNoThreadsPerConnection() {
        SelectorEchoServer server = track(SelectorEchoServer.launch());
        // Both ends of every connection live in this JVM: two descriptors each. 250 connections (about 500 fds) fit
        // under `ulimit -n 1024` with the JVM's own files and the other tests' leftovers; they are still 10 times the
        // thread bound below, so a thread per connection (or per few) cannot hide under it.
        int connections = 250;
        int inFlight = 16;
        String name = "nio-scale";
        int before = liveThreads();
        WebSocketPool pool = track(WebSocketPools.builder().name(name).endpoint(server.uri()).pooling(true)
                .minConnections(connections).maxConnections(connections).maxConcurrentConnects(inFlight, inFlight)
                .healthCheckInterval(Duration.ofSeconds(1)).sharedSelectorTransport(2)
                .onMessage(m -> { })
                .build());
        await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100))
                .until(() -> server.openConnections() == connections && pool.stats().total() == connections);
        List<String> threads = PoolIntegrationTest.poolThreads(name);
        int poolThreads = threads.size();
        int grown = liveThreads() - before;
        // Connectors are elastic: a thread starts for a connect only when every connector is busy, so there are at
        // most as many as connects in flight at once (ending when idle), however many connections open.
        long connectors = threads.stream().filter(t -> t.contains("-nio-connect-")).count();
        assertTrue(connectors <= inFlight, "connector threads " + threads);
        // housekeeper 1, selectors 2, workers up to 2, connectors as above, message executor's first threads (one
        // per core; no message is handled yet): a constant, not 250
        int allowed = 5 + inFlight + Math.max(1, Runtime.getRuntime().availableProcessors());
        assertTrue(poolThreads <= allowed, "pool threads " + threads);
        assertTrue(grown <= allowed, "the JVM grew by " + grown + " threads for " + connections + " connections");

        for (int i = 0; i < 50; i++) { // the connections work: 50 sends through leases, echoed back
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                c.send("m" + i);
            }
        }
        pool.close();
        assertEquals(List.of(), PoolIntegrationTest.poolThreads(name), "no pool thread left once close() returned");
        await().atMost(Duration.ofSeconds(20)).until(() -> server.openConnections() == 0);
    }

    @Test
    void aBlockingHeaderSupplierDelaysOnlyItsOwnConnectsNeverAnotherConnectionsOpenOrClose() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        SelectorTransport transport = track(new SelectorTransport(1));
        try (HangingTokenService tokens = new HangingTokenService("nio-slow-supplier")) {
            // as many as the transport has workers (two): they would all be stuck
            List<RecordingTransportListener> slow = tokens.connectSlow(transport, server, 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> tokens.blocked.get() == 2);

            RecordingTransportListener other = new RecordingTransportListener();
            transport.connect(server.uri("/fast"), tokens.options, other);
            await().atMost(Duration.ofSeconds(10)).alias("another endpoint's connect opened meanwhile")
                    .until(() -> other.opened.get() != null);
            other.opened.get().close(1000, "done");
            await().atMost(Duration.ofSeconds(10)).alias("and its close was reported meanwhile")
                    .until(() -> other.closedCode.get() != null);
            assertEquals(2, tokens.blocked.get(), "the slow suppliers are still blocked");
            assertEquals(2, slow.stream().filter(r -> r.opened.get() == null && r.closes.get() == 0).count(),
                    "their connects wait");

            tokens.answerAndAwaitOpen(slow);
        }
    }

    @Test
    void headerSuppliersHangingForOneEndpointCannotHoldEveryConnectorAnotherEndpointStillConnects() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        SelectorTransport transport = track(new SelectorTransport(1));
        try (HangingTokenService tokens = new HangingTokenService("nio-hung-connectors")) {
            // As many slow connects as the pool lets one endpoint have in flight by default
            // (maxConcurrentConnectsPerEndpoint 8), and more than the connector threads the transport starts with
            // (SelectorTransport.CONNECTORS): all submitted before the other endpoint's, so that a fixed pool would
            // give each of them a thread first and leave the other waiting behind them.
            List<RecordingTransportListener> slow = tokens.connectSlow(transport, server, 8);
            RecordingTransportListener other = new RecordingTransportListener();
            transport.connect(server.uri("/fast"), tokens.options, other);
            await().atMost(Duration.ofSeconds(20)).alias("another endpoint's connect opened while the suppliers hang")
                    .until(() -> other.opened.get() != null);
            assertTrue(tokens.blocked.get() >= 1, "a supplier was hanging meanwhile");
            assertEquals(0, slow.stream().filter(r -> r.opened.get() != null).count(), "the hanging ones still wait");
            other.opened.get().close(1000, "done");

            tokens.answerAndAwaitOpen(slow);
        }
    }

    /** A token service that hangs for the endpoint {@code /slow} until closed, and answers at once for any other. */
    private static final class HangingTokenService implements AutoCloseable {
        final CountDownLatch answer = new CountDownLatch(1);
        final AtomicInteger blocked = new AtomicInteger();
        final TransportOptions options;

        HangingTokenService(String threadNamePrefix) {
            HeaderSupplier tokens = (uri, refresh) -> {
                if (uri.getPath().equals("/slow")) {
                    blocked.incrementAndGet();
                    answer.await(30, TimeUnit.SECONDS);
                }
                return Map.of();
            };
            options = new TransportOptions(Duration.ofSeconds(30), 1 << 20, Map.of(), tokens, false, List.of(), false,
                    TlsOptions.DEFAULT, ProxyOptions.DIRECT, threadNamePrefix, CompressionOptions.OFF, null);
        }

        /** Starts {@code n} connects to {@code /slow}, in order. */
        List<RecordingTransportListener> connectSlow(SelectorTransport transport, TestWebSocketServer server, int n) {
            List<RecordingTransportListener> slow = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                RecordingTransportListener r = new RecordingTransportListener();
                transport.connect(server.uri("/slow"), options, r);
                slow.add(r);
            }
            return slow;
        }

        /** The service answers: the connects it held open. */
        void answerAndAwaitOpen(List<RecordingTransportListener> slow) {
            answer.countDown();
            for (RecordingTransportListener r : slow) {
                await().atMost(Duration.ofSeconds(10)).alias("the slow connects open once the supplier answers")
                        .until(() -> r.opened.get() != null);
            }
        }

        @Override
        public void close() {
            answer.countDown();
        }
    }

    private static int liveThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).count();
    }

    /** A transport that counts its connections' read suspensions and resumptions. */
    private static final class CountingTransport implements Transport {

        final Transport delegate;
        final List<Counting> opened = new CopyOnWriteArrayList<>();

        CountingTransport(Transport delegate) {
            this.delegate = delegate;
        }

        @Override
        public TransportConnection connect(URI uri, TransportOptions options, TransportListener listener) {
            return delegate.connect(uri, options, new ForwardingTransportListener(listener) {
                @Override
                public void onOpen(TransportConnection connection) {
                    Counting counting = new Counting(connection);
                    opened.add(counting);
                    super.onOpen(counting);
                }
            });
        }

        @Override
        public void close() {
            delegate.close();
        }

        /** Connections whose reading is suspended now (the last call was a suspension). */
        long suspendedNow() {
            return opened.stream().filter(c -> c.suspended).count();
        }

        private final class Counting implements TransportConnection {
            private final TransportConnection c;
            private volatile boolean suspended;

            Counting(TransportConnection c) {
                this.c = c;
            }

            @Override
            public void sendText(String text) {
                c.sendText(text);
            }

            @Override
            public void sendBinary(ByteBuffer data) {
                c.sendBinary(data);
            }

            @Override
            public void ping(ByteBuffer payload) {
                c.ping(payload);
            }

            @Override
            public void close(int code, String reason) {
                c.close(code, reason);
            }

            @Override
            public void abort() {
                c.abort();
            }

            @Override
            public long bufferedBytes() {
                return c.bufferedBytes();
            }

            @Override
            public boolean isOpen() {
                return c.isOpen();
            }

            @Override
            public boolean sharesIoThread() {
                return c.sharesIoThread();
            }

            @Override
            public void suspendReading() {
                suspended = true;
                c.suspendReading();
            }

            @Override
            public void resumeReading() {
                suspended = false;
                c.resumeReading();
            }
        }
    }
}

package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointConnectException;
import io.github.wspool.InboundMessage;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.testkit.HostileServer;
import io.github.wspool.testkit.HostileServer.Mode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Servers that misbehave on purpose (raw sockets, no WebSocket library): each case ends in a typed error or a
 * recycled connection within a bound, and afterwards the pool's threads, the sockets and the heap are back where
 * they started.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileServerTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(1500);
    private static final long HEAP_SLACK = 48L << 20;

    /** The builder every pool of this test starts from; a subclass runs the same tests on another transport. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    private WebSocketPoolBuilder builder(String name, HostileServer server) {
        return pools().name(name).endpoint(server.uri()).pooling(true)
                .connectTimeout(CONNECT_TIMEOUT).closeTimeout(Duration.ofMillis(500))
                .reconnectBackoff(Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    /** Records recycle reasons. */
    static final class Recycles implements PoolListener {
        final List<RecycleReason> reasons = new CopyOnWriteArrayList<>();

        @Override
        public void onRecycle(RecycleEvent event) {
            reasons.add(event.reason());
        }
    }

    /** What "back to baseline" is measured against. */
    private record Baseline(long heap, long sockets) {
        static Baseline now() {
            return new Baseline(usedHeapAfterGc(), openSockets());
        }

        void assertRestored(String pool, HostileServer server) {
            await("no pool thread left").atMost(Duration.ofSeconds(10))
                    .until(() -> PoolIntegrationTest.poolThreads(pool).isEmpty());
            await("every server-side socket closed").atMost(Duration.ofSeconds(10))
                    .until(() -> server.openSockets() == 0);
            await("open TCP sockets back to " + sockets).atMost(Duration.ofSeconds(10))
                    .until(() -> openSockets() <= sockets);
            long heapAfter = usedHeapAfterGc();
            assertTrue(heapAfter < heap + HEAP_SLACK, "heap back near its baseline: " + (heap >> 20) + " MiB before, "
                    + (heapAfter >> 20) + " MiB after");
        }
    }

    private void assertConnectFailsWithin(String name, HostileServer server, String expected) {
        Baseline baseline = Baseline.now();
        long start = System.nanoTime();
        EndpointConnectException e = assertThrows(EndpointConnectException.class,
                () -> builder(name, server).failFastInitialization(true).build());
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(tookMillis < CONNECT_TIMEOUT.toMillis() + 3_000, "bounded by connectTimeout: " + tookMillis + " ms");
        assertEquals(1, server.accepted());
        baseline.assertRestored(name, server);
    }

    @Test
    void garbageInsteadOfAHandshakeIsATypedConnectFailure() {
        try (HostileServer server = HostileServer.start(Mode.GARBAGE_RESPONSE)) {
            assertConnectFailsWithin("hostile-garbage", server, "Could not connect to ws://127.0.0.1");
        }
    }

    @Test
    void aHandshakeThatNeverCompletesTimesOut() {
        try (HostileServer server = HostileServer.start(Mode.PARTIAL_HANDSHAKE)) {
            assertConnectFailsWithin("hostile-partial", server, "did not complete within 1500 ms (connectTimeout)");
        }
    }

    @Test
    void aServerThatAcceptsTcpAndSaysNothingTimesOut() {
        try (HostileServer server = HostileServer.start(Mode.SILENT)) {
            assertConnectFailsWithin("hostile-silent", server, "did not complete within 1500 ms (connectTimeout)");
        }
    }

    @Test
    void aResponseHeadThatNeverEndsIsRefusedAfter64KiBNotBufferedUntilTheTimeout() {
        try (HostileServer server = HostileServer.start(Mode.ENDLESS_HEADER)) {
            Baseline baseline = Baseline.now();
            EndpointConnectException e = assertThrows(EndpointConnectException.class, () -> builder(
                    "hostile-endless-header", server).connectTimeout(Duration.ofSeconds(30)).failFastInitialization(true)
                    .build());
            assertTrue(e.getMessage().contains("without completing its handshake response (at most 65536)"),
                    e.getMessage());
            baseline.assertRestored("hostile-endless-header", server);
        }
    }

    @Test
    void aFrameDeclaringAHugeLengthClosesWith1009BeforeAnythingIsAllocated() {
        assertOversizeCloses(Mode.OVERSIZE_FRAME, "hostile-oversize-frame");
    }

    @Test
    void aMessageAssembledFromEndlessContinuationsClosesWith1009() {
        assertOversizeCloses(Mode.OVERSIZE_FRAGMENTS, "hostile-oversize-fragments");
    }

    private void assertOversizeCloses(Mode mode, String name) {
        try (HostileServer server = HostileServer.start(mode)) {
            Baseline baseline = Baseline.now();
            Recycles recycles = new Recycles();
            WebSocketPool pool = builder(name, server).listener(recycles).maxMessageSize(1 << 20).minConnections(1)
                    .build();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> server.closeCodes().contains(1009));
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> recycles.reasons.contains(RecycleReason.PROTOCOL_VIOLATION));
            } finally {
                pool.close();
            }
            assertEquals(List.of(1009), server.closeCodes().subList(0, 1));
            // OVERSIZE_FRAGMENTS never finishes its message, so only a check of the fragments so far can refuse it:
            // Java-WebSocket alone checks the first and the last fragment and would buffer all 8 MiB, waiting on
            // a last fragment that never comes, and never close with 1009.
            baseline.assertRestored(name, server);
        }
    }

    @Test
    void aFloodFasterThanTheHandlerIsHeldBackNotBuffered() throws Exception {
        long floodBytes = 64L << 20;
        try (HostileServer server = HostileServer.start(Mode.FLOOD, floodBytes)) {
            Baseline baseline = Baseline.now();
            CountDownLatch handlerMayRun = new CountDownLatch(1);
            AtomicLong received = new AtomicLong();
            AtomicLong outOfOrder = new AtomicLong();
            WebSocketPool pool = builder("hostile-flood", server).minConnections(1).maxQueuedInboundBytes(1 << 20)
                    .onMessage((InboundMessage m) -> {
                        try {
                            handlerMayRun.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        long seq = Long.parseLong(m.asText().substring(0, 10));
                        if (seq != received.getAndIncrement()) {
                            outOfOrder.incrementAndGet();
                        }
                    }).build();
            try {
                // the handler is stuck: the pool stops reading, TCP pushes back, the server's writes block
                long[] last = {-1};
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> {
                    long w = server.bytesWritten();
                    boolean stalled = w == last[0] && w > 0;
                    last[0] = w;
                    return stalled;
                });
                long atStall = server.bytesWritten();
                assertTrue(atStall < (24L << 20), "held back near maxQueuedInboundBytes plus socket buffers, not the"
                        + " whole flood: " + (atStall >> 20) + " MiB written of " + (floodBytes >> 20));
                long heapStalled = usedHeapAfterGc();
                assertTrue(heapStalled < baseline.heap() + HEAP_SLACK, "heap bounded while flooded: "
                        + (heapStalled >> 20) + " MiB vs " + (baseline.heap() >> 20) + " MiB");

                handlerMayRun.countDown(); // the handler catches up: the rest of the flood arrives, in order
                await().atMost(Duration.ofSeconds(30)).until(() -> server.bytesWritten() >= floodBytes);
                await().atMost(Duration.ofSeconds(30)).until(() -> received.get() == server.messagesWritten());
                assertEquals(0, outOfOrder.get());
            } finally {
                handlerMayRun.countDown();
                pool.close();
            }
            baseline.assertRestored("hostile-flood", server);
        }
    }

    @Test
    void aServerThatNeverAnswersTheCloseIsCutOffAfterTheCloseTimeout() {
        try (HostileServer server = HostileServer.start(Mode.IGNORES_CLOSE)) {
            Baseline baseline = Baseline.now();
            WebSocketPool pool = builder("hostile-no-close", server).build();
            try (PooledConnection c = pool.acquire()) {
                c.send("hello");
            }
            long start = System.nanoTime();
            pool.close();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMillis < 3_000, "close bounded by closeTimeout (500 ms): " + tookMillis + " ms");
            await().atMost(Duration.ofSeconds(5)).until(() -> server.closeCodes().contains(1001));
            baseline.assertRestored("hostile-no-close", server);
        }
    }

    @Test
    void aRestartOfManyConnectionsIsSpreadByTheConnectRate() {
        try (io.github.wspool.testkit.TestWebSocketServer server = io.github.wspool.testkit.TestWebSocketServer.start()) {
            long start = System.nanoTime();
            // 20 per second with a burst of 2: the last of 8 connects may start (8 - 2) x 50 ms = 300 ms in
            WebSocketPool pool = pools().name("storm").endpoint(server.uri("/s")).pooling(true)
                    .minConnections(8).maxConnections(8).maxConnectRate(20, 0).build();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> server.completedHandshakes() == 8);
            } finally {
                pool.close();
            }
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMillis >= 280, "spread over at least 300 ms (minus clock slack): " + tookMillis + " ms");
        }
    }

    static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * TCP sockets this JVM has open (client and test-server side, any state), from {@code /proc}; 0 where that is
     * not available. Other descriptors are left out: the JVM opens jar files and the odd local socket lazily.
     */
    static long openSockets() {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return 0;
        }
        Set<String> tcp = new HashSet<>();
        for (String table : new String[] {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
            try (Stream<String> lines = Files.lines(Path.of(table))) {
                lines.skip(1).map(l -> l.trim().split("\\s+")).filter(f -> f.length > 9)
                        .forEach(f -> tcp.add("socket:[" + f[9] + "]"));
            } catch (IOException e) {
                // no such table (no IPv6): nothing to add
            }
        }
        try (Stream<Path> list = Files.list(fds)) {
            return list.filter(fd -> {
                try {
                    return tcp.contains(Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.AcquireRejectedException;
import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.NoHealthyEndpointException;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PoolException;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.testkit.RefusingPort;
import io.github.wspool.testkit.TestWebSocketServer;
import io.github.wspool.testkit.TestWebSocketServer.Behavior;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pool against a real WebSocket server on a loopback ephemeral port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolIntegrationTest {

    private TestWebSocketServer server;
    private WebSocketPool pool;
    /** A port held refusing until the pool is closed: see {@link RefusingPort}. */
    private RefusingPort refusing;

    /** A builder on the transport under test: the default here, the thread-per-connection one in a subclass. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    @BeforeEach
    void startServer() {
        server = TestWebSocketServer.start();
    }

    @AfterEach
    void stopAll() {
        if (pool != null) {
            pool.close();
        }
        if (refusing != null) {
            refusing.close();
        }
        server.stop();
    }

    private WebSocketPoolBuilder builder(String name) {
        return pools().name(name).endpoint(server.uri("/feed"));
    }

    @Test
    void quickStartSendsThroughAPooledConnection() {
        pool = pools().name("feed")
                .endpoint(server.uri("/feed").toString())
                .pooling(true).minConnections(2).maxConnections(16)
                .acquireTimeout(Duration.ofSeconds(5)).build();
        try (PooledConnection c = pool.acquire()) {
            c.send("hello");
            assertEquals(ConnectionState.ACTIVE, c.state());
            assertEquals(server.uri("/feed"), c.endpoint().uri());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.receivedTexts().contains("hello"));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.completedHandshakes() == 2);
        assertEquals(2, pool.stats().total());
    }

    @Test
    void binaryMessagesKeepTheCallersBufferPosition() {
        pool = builder("binary").pooling(true).build();
        ByteBuffer data = ByteBuffer.wrap("bytes".getBytes(StandardCharsets.UTF_8));
        try (PooledConnection c = pool.acquire()) {
            c.send(data);
        }
        assertEquals(0, data.position());
        await().atMost(Duration.ofSeconds(5)).until(() -> server.messagesReceived() == 1);
    }

    @Test
    void sequentialAcquiresReuseOneConnection() {
        pool = builder("reuse").pooling(true).maxConnections(4).build();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            try (PooledConnection c = pool.acquire()) {
                ids.add(c.id());
                c.send("m" + i);
            }
        }
        assertEquals(1, ids.size(), "one thread, one connection: " + ids);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.messagesReceived() == 20);
        assertEquals(1, server.acceptedConnections());
    }

    @Test
    void exhaustionTimesOutWithStatsInTheMessage() {
        pool = builder("exhaust").pooling(true).maxConnections(2).build();
        PooledConnection a = pool.acquire();
        PooledConnection b = pool.acquire();
        long start = System.nanoTime();
        AcquireTimeoutException e = assertThrows(AcquireTimeoutException.class,
                () -> pool.acquire(Duration.ofMillis(200)));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200), "waited the timeout out");
        assertTrue(e.getMessage().contains("Pool 'exhaust'"), e.getMessage());
        assertTrue(e.getMessage().contains("total=2, active=2, idle=0, pending="), e.getMessage());
        assertTrue(e.getMessage().contains("every connection is leased"), e.getMessage());
        assertNull(e.getCause(), "no connect failed: the pool was just busy");
        assertEquals(2, e.stats().active());
        assertEquals("exhaust", e.poolName());
        a.close();
        b.close();
    }

    @Test
    void timeoutCauseIsConnectionRefused() {
        refusing = RefusingPort.open();
        pool = pools().name("refused").endpoint(refusing.uri("/")).pooling(true)
                .ejectAfterConnectFailures(1_000) // keep the endpoint "healthy": this test is about the timeout
                .build();
        AcquireTimeoutException e = assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofSeconds(1)));
        EndpointConnectException cause = assertInstanceOf(EndpointConnectException.class, e.getCause());
        assertTrue(cause.getMessage().contains("Connection refused"), cause.getMessage());
        assertTrue(e.getMessage().contains("last connect failure"), e.getMessage());
        assertEquals(0, cause.statusCode());
    }

    @Test
    void timeoutCauseCarriesTheRejectedStatusLine() {
        server.behavior(Behavior.REJECT_401);
        pool = builder("unauthorized").pooling(true).ejectAfterConnectFailures(1_000).build();
        AcquireTimeoutException e = assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofSeconds(1)));
        EndpointConnectException cause = assertInstanceOf(EndpointConnectException.class, e.getCause());
        assertEquals(401, cause.statusCode());
        assertTrue(cause.getMessage().contains("401 Unauthorized"), cause.getMessage());
        assertEquals(server.uri("/feed"), cause.endpoint());
    }

    @Test
    void aHandshakeThatNeverCompletesFailsAtTheConnectTimeout() {
        server.behavior(Behavior.SILENT);
        pool = builder("silent").pooling(true).connectTimeout(Duration.ofMillis(300)).build();
        // three timed-out handshakes in a row make the only endpoint unhealthy: the wait ends early with the reason
        NoHealthyEndpointException e = assertThrows(NoHealthyEndpointException.class,
                () -> pool.acquire(Duration.ofSeconds(30)));
        EndpointConnectException cause = assertInstanceOf(EndpointConnectException.class, e.getCause());
        assertTrue(cause.getMessage().contains("did not complete within 300 ms"), cause.getMessage());
    }

    @Test
    void whenEveryEndpointIsDownAcquiresFailFastWithEachEndpointsFailure() {
        refusing = RefusingPort.open();
        server.behavior(Behavior.REJECT_503);
        URI refused = refusing.uri("/");
        pool = pools().name("all-down").endpoint(refused).endpoint(server.uri("/feed")).pooling(true)
                .minConnections(2).reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            NoHealthyEndpointException e = assertThrows(NoHealthyEndpointException.class,
                    () -> pool.acquire(Duration.ofSeconds(30)));
            assertEquals(2, e.lastFailures().size());
            assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
            assertTrue(e.getMessage().contains("503 Service Unavailable"), e.getMessage());
        });
        // Failing fast, told apart from waiting without a wall-clock bound: a wait that ran out would end in an
        // AcquireTimeoutException, and only after an hour, far past this test's own timeout. The 20 s cap only keeps a
        // regression from hanging the test.
        CompletableFuture<PooledConnection> hourLong =
                CompletableFuture.supplyAsync(() -> pool.acquire(Duration.ofHours(1)));
        ExecutionException failed = assertThrows(ExecutionException.class, () -> hourLong.get(20, TimeUnit.SECONDS),
                "failed fast, not at the timeout");
        assertInstanceOf(NoHealthyEndpointException.class, failed.getCause());
        // the server comes back: a probe connect finds it and the pool serves again
        server.behavior(Behavior.ECHO);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(1))) {
                assertEquals(server.uri("/feed"), c.endpoint().uri());
            }
        });
    }

    @Test
    void panicModeTriesUnhealthyEndpointsInsteadOfFailingFast() {
        server.behavior(Behavior.REJECT_503);
        pool = builder("panic").pooling(true).panicMode(true).ejectAfterConnectFailures(1)
                .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(20)).build();
        // with panic mode on, callers wait (and time out) rather than fail fast...
        AcquireTimeoutException e = assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofMillis(500)));
        assertInstanceOf(EndpointConnectException.class, e.getCause());
        // ...so that they are served as soon as the endpoint answers again
        server.behavior(Behavior.ECHO);
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            c.send("served in panic mode");
        }
    }

    @Test
    void aWaiterIsServedByARelease() throws Exception {
        pool = builder("handoff").pooling(true).maxConnections(1).build();
        PooledConnection held = pool.acquire();
        String heldId = held.id();
        CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(10))) {
                return c.id();
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().pending() == 1);
        assertFalse(waiter.isDone());
        held.close();
        assertEquals(heldId, waiter.get(5, TimeUnit.SECONDS), "the released connection went to the waiter");
        assertEquals(1, server.acceptedConnections());
    }

    @Test
    void acquireAsyncCompletesOnReleaseAndOnTimeout() throws Exception {
        pool = builder("async").pooling(true).maxConnections(1).build();
        PooledConnection held = pool.acquire();
        CompletableFuture<PooledConnection> next = pool.acquireAsync(Duration.ofSeconds(10));
        assertFalse(next.isDone(), "no connection free: the future waits without a thread");
        held.close();
        try (PooledConnection c = next.get(5, TimeUnit.SECONDS)) {
            assertEquals(held.id(), c.id());
            CompletableFuture<PooledConnection> timesOut = pool.acquireAsync(Duration.ofMillis(100));
            ExecutionException e = assertThrows(ExecutionException.class, () -> timesOut.get(5, TimeUnit.SECONDS));
            assertInstanceOf(AcquireTimeoutException.class, e.getCause());
            CompletableFuture<PooledConnection> cancelled = pool.acquireAsync(Duration.ofSeconds(10));
            assertEquals(1, pool.stats().pending());
            assertTrue(cancelled.cancel(false));
            assertEquals(0, pool.stats().pending(), "a cancelled request stops waiting");
        }
        assertEquals(1, pool.stats().idle(), "the cancelled request did not swallow the released connection");
    }

    @Test
    void acquireAsyncReturnsACompletedFutureWhenAConnectionIsFree() throws Exception {
        pool = builder("async-fast").pooling(true).minConnections(1).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 1);
        CompletableFuture<PooledConnection> f = pool.acquireAsync();
        assertTrue(f.isDone());
        f.get().close();
    }

    @Test
    void withoutPoolingEveryAcquireOpensAFreshConnectionClosedOnRelease() {
        pool = builder("unpooled").maxConnections(2).build(); // pooling(false) is the default
        assertEquals(0, server.acceptedConnections(), "nothing opens at build");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            try (PooledConnection c = pool.acquire()) {
                ids.add(c.id());
                c.send("x");
            }
        }
        assertEquals(5, ids.size());
        await().atMost(Duration.ofSeconds(5)).until(() -> server.acceptedConnections() == 5);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().total() == 0);
    }

    @Test
    void withoutPoolingMaxConnectionsStillCapsConcurrency() {
        pool = builder("unpooled-cap").maxConnections(2).build();
        PooledConnection a = pool.acquire();
        PooledConnection b = pool.acquire();
        assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofMillis(200)));
        assertTrue(server.openConnections() <= 2);
        a.close();
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            assertNotEquals(a.id(), c.id(), "a fresh connection, not the released one");
        }
        b.close();
    }

    @Test
    void closeWakesWaitersRefusesAcquiresWaitsForLeasesAndLeavesNothingBehind() throws Exception {
        long writeThreadsBefore = threadsNamed("WebSocketWriteThread");
        pool = builder("closing").pooling(true).minConnections(3).maxConnections(3)
                .shutdownTimeout(Duration.ofSeconds(10)).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 3);
        PooledConnection a = pool.acquire();
        PooledConnection b = pool.acquire();
        PooledConnection c = pool.acquire();
        CompletableFuture<PooledConnection> waiting = pool.acquireAsync(Duration.ofSeconds(30));
        CompletableFuture<Void> closing = CompletableFuture.runAsync(pool::close);
        ExecutionException woken = assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
        assertInstanceOf(PoolClosedException.class, woken.getCause());
        PoolClosedException refused = assertThrows(PoolClosedException.class, pool::acquire);
        assertTrue(refused.getMessage().contains("'closing'"), refused.getMessage());
        assertFalse(closing.isDone(), "close() waits for leased connections");
        a.close();
        b.close();
        c.close();
        closing.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
        assertEquals(List.of(1001, 1001, 1001), server.closeCodesReceived(), "every connection got a going-away close");
        assertEquals(List.of(), poolThreads("closing"), "no pool thread left once close() returned");
        // Java-WebSocket's own write thread per connection is interrupted by the close and ends right after it
        await().atMost(Duration.ofSeconds(5)).until(() -> threadsNamed("WebSocketWriteThread") <= writeThreadsBefore);
        assertEquals(0, pool.stats().total());
        pool.close(); // idempotent
    }

    @Test
    void closeGivesUpOnLeasesAfterTheShutdownTimeout() {
        pool = builder("forced").pooling(true).shutdownTimeout(Duration.ofMillis(200)).build();
        PooledConnection held = pool.acquire();
        pool.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
        assertEquals(List.of(), poolThreads("forced"));
        assertThrows(PoolException.class, () -> held.send("too late"));
        held.close(); // releasing after close is harmless
    }

    @Test
    void useAfterReleaseSaysWhatHappened() {
        pool = builder("misuse").pooling(true).build();
        PooledConnection c = pool.acquire();
        c.close();
        c.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.send("late"));
        assertTrue(e.getMessage().contains("after it was released"), e.getMessage());
        assertTrue(e.getMessage().contains(c.id()), e.getMessage());
        assertThrows(IllegalStateException.class, () -> c.send(ByteBuffer.allocate(1)));
        assertThrows(IllegalStateException.class, c::invalidate);
        assertTrue(c.isReleased());
    }

    @Test
    void interruptingAWaiterEndsTheWaitAndKeepsTheFlag() throws Exception {
        pool = builder("interrupt").pooling(true).maxConnections(1).build();
        PooledConnection held = pool.acquire();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagKept = new AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                pool.acquire(Duration.ofSeconds(30)).close();
            } catch (RuntimeException e) {
                thrown.set(e);
                flagKept.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().pending() == 1);
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(5));
        assertFalse(t.isAlive(), "interrupt ended the wait promptly");
        assertInstanceOf(PoolException.class, thrown.get());
        assertInstanceOf(InterruptedException.class, thrown.get().getCause());
        assertTrue(flagKept.get(), "the interrupt flag is kept");
        assertEquals(0, pool.stats().pending());
        held.close();
        assertEquals(1, pool.stats().idle(), "the released connection is not lost to the interrupted waiter");
    }

    @Test
    void tooManyWaitersAreRejectedAtOnce() {
        pool = builder("saturated").pooling(true).maxConnections(1).maxPendingAcquires(1).build();
        PooledConnection held = pool.acquire();
        CompletableFuture<PooledConnection> first = pool.acquireAsync(Duration.ofSeconds(30));
        AcquireRejectedException e = assertThrows(AcquireRejectedException.class, () -> pool.acquire(Duration.ofSeconds(30)));
        assertTrue(e.getMessage().contains("maxPendingAcquires=1"), e.getMessage());
        held.close();
        first.join().close();
    }

    @Test
    void failFastInitializationThrowsAndLeavesNothingRunning() {
        refusing = RefusingPort.open();
        EndpointConnectException e = assertThrows(EndpointConnectException.class, () -> pools()
                .name("failfast").endpoint(refusing.uri("/")).pooling(true)
                .failFastInitialization(true).build());
        assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
        assertEquals(List.of(), poolThreads("failfast"));
    }

    @Test
    void aConnectionClosedByTheServerIsReplacedNotReused() {
        pool = builder("peer-close").pooling(true).minConnections(1).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 1);
        String first;
        try (PooledConnection c = pool.acquire()) {
            first = c.id();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 1); // registered by the server
        server.closeAllConnections(1001);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.acceptedConnections() == 2 && pool.stats().idle() == 1);
        try (PooledConnection c = pool.acquire()) {
            assertNotEquals(first, c.id());
            c.send("still works");
        }
    }

    /**
     * A connection that dies right after its handshake is a failed connect: its endpoint backs off. A caller that
     * arrives during that backoff, in a pool with nothing else to do (no minimum, no connect in flight), is served when
     * the backoff ends, not when its acquire times out.
     */
    @Test
    void aCallerArrivingDuringABackoffIsServedWhenTheBackoffEnds() {
        pool = builder("backoff-wakeup").pooling(true).reconnectBackoff(Duration.ofMillis(800), Duration.ofMillis(800))
                .acquireTimeout(Duration.ofSeconds(4)).build();
        String first;
        try (PooledConnection c = pool.acquire()) {
            first = c.id();
        }
        server.dropAllConnections(); // dies within 2 s of its handshake: a failed connect, the endpoint backs off
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().total() == 0);
        long start = System.nanoTime();
        try (PooledConnection fresh = pool.acquire()) {
            assertNotEquals(first, fresh.id());
        }
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waitedMs < 3_000, "served after the backoff (at most 800 ms), not near the 4 s timeout: " + waitedMs);
    }

    @Test
    void aLeasedConnectionClosedByTheServerFailsSendsAndIsRecycledOnRelease() {
        pool = builder("leased-close").pooling(true).build();
        PooledConnection c = pool.acquire();
        server.dropAllConnections();
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ConnectionState.UNHEALTHY);
        assertThrows(PoolException.class, () -> c.send("into the void"));
        c.close();
        assertEquals(0, pool.stats().idle(), "a broken connection never goes back to READY");
        try (PooledConnection fresh = pool.acquire()) {
            assertNotEquals(c.id(), fresh.id());
        }
    }

    @Test
    void anInvalidatedLeaseIsRecycledOnRelease() {
        pool = builder("invalidate").pooling(true).build();
        String id;
        try (PooledConnection c = pool.acquire()) {
            id = c.id();
            c.invalidate();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
        try (PooledConnection c = pool.acquire()) {
            assertNotEquals(id, c.id());
        }
    }

    @Test
    void uriIsReportedAsConfigured() {
        URI configured = server.uri("/feed?room=1");
        pool = pools().name("uri").endpoint(configured).build();
        assertEquals(configured, pool.control().endpoints().get(0).uri());
        assertEquals(1, pool.control().endpoints().get(0).weight());
    }

    static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }

    /** Threads that belong to the named pool: its housekeeper and transport threads. */
    static List<String> poolThreads(String poolName) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("wspool-" + poolName + "-"))
                .sorted()
                .collect(Collectors.toList());
    }

    @Test
    void anIpv6LiteralEndpointConnectsSendsTheBracketedHostHeaderAndEchoes() {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestWebSocketServer.ipv6LoopbackAvailable(),
                "this machine has no IPv6 loopback");
        try (TestWebSocketServer v6 = TestWebSocketServer.startIpv6()) {
            URI uri = v6.uri("/feed");
            assertEquals("[::1]", uri.getHost());
            pool = pools().name("v6").endpoint(uri).pooling(true).build();
            List<String> replies = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                assertEquals(uri, c.endpoint().uri());
                c.onMessage(m -> replies.add(m.text()));
                c.send("over ipv6");
                await().atMost(Duration.ofSeconds(5)).until(() -> replies.contains("over ipv6"));
            }
            assertEquals("[::1]:" + v6.port(), v6.lastHandshakeHeaders().get("host"), "RFC 6455 Host: the literal in brackets");
            pool.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> v6.openConnections() == 0);
        }
    }
}

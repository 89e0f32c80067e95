package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.InboundMessage;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.RequestTimeoutException;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.EndpointHealthEvent;
import io.github.wspool.event.PongEvent;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.testkit.TestWebSocketServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Inbound backpressure instead of blame (#17), against real loopback servers: handlers that block for a minute or
 * throw {@code StackOverflowError} hold up neither other connections' messages nor any request timeout, and a
 * handler slower than the ping interval plus the pong timeout costs neither its connection nor its endpoint. The
 * default transport here; the subclass runs the same on the thread-per-connection one.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BlockedHandlersTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(300);
    /** A timeout is on time when its future fails within this of the request: its timeout, plus a busy machine. */
    private static final Duration ON_TIME = REQUEST_TIMEOUT.plusSeconds(1);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** Every blocked handler waits on this, for a minute at most; released first thing after each test. */
    private final CountDownLatch release = new CountDownLatch(1);

    /** A builder on the transport under test: the default here, the thread-per-connection one in a subclass. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    @AfterEach
    void closeAll() throws Exception {
        release.countDown();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    private void blockForAMinute(AtomicInteger blocked) {
        blocked.incrementAndGet();
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1; // until the stack overflows
    }

    /** An echo server that never answers requests (messages carrying a messageId): their timeouts must fire. */
    private TestWebSocketServer serverIgnoringRequests() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        server.responder((peer, text) -> {
            if (!text.contains("messageId")) {
                peer.send(text);
            }
        });
        return server;
    }

    /**
     * Sends a request with no reply on each lease, half of them with a dependent stage (completed off-thread), half
     * only joined, and checks that every one fails with {@link RequestTimeoutException} on time.
     */
    private static void everyRequestTimesOutOnTime(List<PooledConnection> leases, String tag) throws Exception {
        List<CompletableFuture<?>> futures = new ArrayList<>();
        for (int i = 0; i < leases.size(); i++) {
            CompletableFuture<String> f = leases.get(i).request("{\"messageId\":\"" + tag + i + "\"}", REQUEST_TIMEOUT);
            futures.add(i % 2 == 0 ? f.whenComplete((r, e) -> { }) : f);
        }
        await().atMost(ON_TIME).alias("every request timed out within its timeout + 1 s")
                .until(() -> futures.stream().allMatch(CompletableFuture::isDone));
        for (CompletableFuture<?> f : futures) {
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
            assertInstanceOf(RequestTimeoutException.class, e.getCause());
        }
    }

    @Test
    void handlersBlockedForAMinuteAndOneThrowingStackOverflowErrorHoldUpNoOtherConnectionNorAnyTimeout()
            throws Exception {
        TestWebSocketServer server = serverIgnoringRequests();
        int blockedConnections = 5; // more than cores, and more than the old fixed min(cores, 4) handler threads
        int connections = blockedConnections + 2;
        WebSocketPool pool = track(pools().name("blocked-handlers").endpoint(server.uri()).pooling(true)
                .maxConnections(connections).build());
        List<PooledConnection> leases = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            leases.add(track(pool.acquire(WAIT)));
        }
        assertEquals(connections, leases.stream().map(PooledConnection::id).distinct().count());

        AtomicInteger blocked = new AtomicInteger();
        for (int i = 0; i < blockedConnections; i++) {
            leases.get(i).onMessage(m -> blockForAMinute(blocked));
            leases.get(i).send("block");
            leases.get(i).send("queued behind the blocked one");
        }
        await().atMost(WAIT).alias("every blocked handler is in its first message").until(() -> blocked.get()
                == blockedConnections);

        PooledConnection overflowing = leases.get(blockedConnections);
        List<String> afterOverflow = new CopyOnWriteArrayList<>();
        AtomicInteger overflows = new AtomicInteger();
        overflowing.onMessage(m -> {
            if (m.text().equals("overflow")) {
                try {
                    recurse(0);
                } catch (StackOverflowError e) {
                    overflows.incrementAndGet();
                    throw e;
                }
            }
            afterOverflow.add(m.text());
        });
        overflowing.send("overflow");
        overflowing.send("after the overflow");

        PooledConnection free = leases.get(connections - 1);
        List<String> received = new CopyOnWriteArrayList<>();
        free.onMessage(m -> received.add(m.text()));
        for (int i = 0; i < 20; i++) {
            free.send("m" + i);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("m" + i);
        }
        await().atMost(WAIT).alias("a free connection's messages arrive while five handlers are blocked")
                .until(() -> received.size() == 20);
        assertEquals(expected, received, "in order");
        await().atMost(WAIT).alias("the connection whose handler overflowed its stack goes on")
                .until(() -> afterOverflow.equals(List.of("after the overflow")));
        assertEquals(1, overflows.get());

        everyRequestTimesOutOnTime(leases, "r"); // on the blocked connections too
        assertEquals(blockedConnections, blocked.get(), "the blocked handlers are still blocked");
    }

    @Test
    void aUserExecutorBlockedByItsOnlyThreadDelaysNoRequestTimeout() throws Exception {
        TestWebSocketServer server = serverIgnoringRequests();
        ExecutorService single = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "blocked-user-executor");
            t.setDaemon(true);
            return t;
        });
        closeables.add(single::shutdownNow);
        AtomicInteger blocked = new AtomicInteger();
        WebSocketPool pool = track(pools().name("blocked-executor").endpoint(server.uri()).pooling(true)
                .maxConnections(2).messageExecutor(single).onMessage(m -> blockForAMinute(blocked)).build());
        List<PooledConnection> leases = List.of(track(pool.acquire(WAIT)), track(pool.acquire(WAIT)));
        leases.get(0).send("block the only handler thread");
        await().atMost(WAIT).until(() -> blocked.get() == 1);

        everyRequestTimesOutOnTime(leases, "u");
        everyRequestTimesOutOnTime(leases, "v"); // and again: nothing queued behind the blocked thread
    }

    @Test
    void aHandlerSlowerThanPingIntervalPlusPongTimeoutCostsNeitherItsConnectionNorItsEndpoint() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        Duration interval = Duration.ofMillis(200);
        Duration pongTimeout = Duration.ofMillis(200);
        List<RecycleEvent> recycled = new CopyOnWriteArrayList<>();
        List<EndpointHealthEvent> health = new CopyOnWriteArrayList<>();
        Map<String, AtomicInteger> pongs = new ConcurrentHashMap<>();
        AtomicReference<String> slow = new AtomicReference<>();
        AtomicInteger blocked = new AtomicInteger();
        Map<String, List<String>> received = new ConcurrentHashMap<>();
        WebSocketPool pool = track(pools().name("slow-handler").endpoint(server.uri()).pooling(true)
                .minConnections(2).maxConnections(2)
                .healthCheckInterval(interval).pongTimeout(pongTimeout).maxMissedPongs(1)
                .maxQueuedInboundBytes(16 * 1024)
                .listener(new PoolListener() {
                    @Override
                    public void onRecycle(RecycleEvent event) {
                        recycled.add(event);
                    }

                    @Override
                    public void onEndpointHealthChange(EndpointHealthEvent event) {
                        health.add(event);
                    }

                    @Override
                    public void onPong(PongEvent event) {
                        pongs.computeIfAbsent(event.connectionId(), k -> new AtomicInteger()).incrementAndGet();
                    }
                })
                .onMessage((InboundMessage m) -> {
                    received.computeIfAbsent(m.connectionId(), k -> new CopyOnWriteArrayList<>()).add(m.text());
                    slow.compareAndSet(null, m.connectionId());
                    if (m.connectionId().equals(slow.get()) && received.get(m.connectionId()).size() == 1) {
                        blockForAMinute(blocked); // far slower than interval + pong timeout (400 ms)
                    }
                })
                .build());
        await().atMost(WAIT).until(() -> server.openConnections() == 2 && pool.stats().total() == 2);
        int n = 200;
        String payload = "x".repeat(1024);
        for (int i = 0; i < n; i++) {
            server.pushToAll(i + ":" + payload); // 200 KiB per connection: 12 times the inbound bound
        }
        await().atMost(WAIT).until(() -> blocked.get() == 1);
        String slowId = slow.get();
        await().atMost(WAIT).alias("the fast connection got everything").until(() -> received.entrySet().stream()
                .anyMatch(e -> !e.getKey().equals(slowId) && e.getValue().size() == n));

        // The fast connection's keepalive rounds are the clock: the same housekeeper pings both and would judge
        // the slow one's pong. Ten more of its pongs are ten intervals, each longer than interval + pong timeout
        // would need to pass for a verdict on the slow one.
        int from = pongs.values().stream().mapToInt(AtomicInteger::get).sum();
        await().atMost(Duration.ofSeconds(30)).alias("ten more pongs on the fast connection")
                .until(() -> pongs.entrySet().stream().filter(e -> !e.getKey().equals(slowId))
                        .mapToInt(e -> e.getValue().get()).sum() >= from + 10);
        assertEquals(1, received.get(slowId).size(), "the slow handler is still in its first message");
        assertEquals(List.of(), recycled, "no connection recycled");
        assertEquals(List.of(), health, "the endpoint is not ejected");
        assertEquals(2, pool.stats().total());

        release.countDown(); // the handler catches up: everything arrives, in order, none lost
        await().atMost(Duration.ofSeconds(20)).until(() -> received.get(slowId).size() == n);
        for (int i = 0; i < n; i++) {
            assertTrue(received.get(slowId).get(i).startsWith(i + ":"), "in order: " + i);
        }
        AtomicLong slowPongsBefore = new AtomicLong(pongs.getOrDefault(slowId, new AtomicInteger()).get());
        await().atMost(WAIT).alias("the slow connection answers pings again once read")
                .until(() -> pongs.getOrDefault(slowId, new AtomicInteger()).get() > slowPongsBefore.get());
        assertEquals(List.of(), recycled);
    }
}

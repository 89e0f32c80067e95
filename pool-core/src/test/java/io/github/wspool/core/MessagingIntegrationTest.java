package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.InboundMessage;
import io.github.wspool.PooledConnection;
import io.github.wspool.RequestTimeoutException;
import io.github.wspool.SendBufferFullException;
import io.github.wspool.WebSocketPool;
import io.github.wspool.testkit.TestWebSocketServer;
import io.github.wspool.testkit.TestWebSocketServer.Behavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Messaging against real WebSocket servers on loopback: echo, out-of-order replies, pushes, a peer that stops reading. */
@Timeout(60)
class MessagingIntegrationTest {

    private static final Pattern ID = Pattern.compile("\"messageId\":\"([^\"]+)\"");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** Where a reply's stages run by default: the pool's completion threads (off the shared selector). */
    String defaultCompletionThread() {
        return "reply-";
    }

    /** A builder on the transport under test: the default here, the thread-per-connection one in a subclass. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

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

    private static String request(String id) {
        return "{\"type\":\"subscribe\",\"channel\":\"quotes\",\"messageId\":\"" + id + "\"}";
    }

    /**
     * Makes the server echo the messages {@code held} picks only once the latch set in the returned reference counts
     * down (the others at once).
     */
    private static java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> answerWhenReleased(
            TestWebSocketServer server, java.util.function.Predicate<String> held) {
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> answer =
                new java.util.concurrent.atomic.AtomicReference<>();
        server.responder((peer, text) -> {
            if (held.test(text)) {
                try {
                    answer.get().await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            peer.send(text);
        });
        return answer;
    }

    @Test
    void aReplysStagesRunOnTheCompletionExecutorTheApplicationChose() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        // the server answers only once the test has derived its stage: else a reply arriving first completes the
        // future before the stage exists, and the stage runs on the test's own thread
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> answer =
                answerWhenReleased(server, text -> true);
        java.util.concurrent.ExecutorService mine = Executors.newSingleThreadExecutor(r -> new Thread(r, "app-done"));
        try {
            java.util.Map<String, java.util.concurrent.Executor> choices = new java.util.LinkedHashMap<>();
            choices.put("default", null);
            choices.put("direct", Runnable::run);
            choices.put("mine", mine);
            java.util.Map<String, String> ranOn = new java.util.LinkedHashMap<>();
            for (var choice : choices.entrySet()) {
                WebSocketPoolBuilder b = pools().name("it-done-" + choice.getKey()).endpoint(server.uri())
                        .pooling(true).maxConnections(1);
                if (choice.getValue() != null) {
                    b.completionExecutor(choice.getValue());
                }
                WebSocketPool pool = track(b.build());
                try (PooledConnection c = pool.acquire()) {
                    java.util.concurrent.CountDownLatch derived = new java.util.concurrent.CountDownLatch(1);
                    answer.set(derived);
                    CompletableFuture<String> reply = c.request(request("done-" + choice.getKey()), WAIT);
                    CompletableFuture<String> stage = reply.thenApply(r -> Thread.currentThread().getName());
                    derived.countDown();
                    ranOn.put(choice.getKey(), stage.get(10, TimeUnit.SECONDS));
                }
            }
            String prefix = "wspool-it-done-";
            assertTrue(ranOn.get("default").startsWith(prefix + "default-" + defaultCompletionThread()),
                    ranOn.toString());
            assertTrue(ranOn.get("mine").equals("app-done"), ranOn.toString());
            String direct = ranOn.get("direct");
            assertTrue(direct.startsWith(prefix + "direct-") && !direct.contains("-reply-"),
                    "completed where the reply was read, no hop: " + ranOn);
        } finally {
            mine.shutdownNow();
        }
    }

    /**
     * A caller's stage that blocks holds its completion thread, never the other replies: another request's stage runs
     * while the first still blocks, on the pool's completion threads (elastic: another thread takes it).
     */
    @Test
    void aStageThatBlocksDoesNotHoldAnotherRequestsReply() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        // each request is answered once its stage exists (else the reply could complete it first and the stage
        // would run on the test's thread, never on the pool's: the blocking one would block the test)
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> answer =
                answerWhenReleased(server, text -> true);
        WebSocketPool pool = track(pools().name("it-blocked-stage").endpoint(server.uri()).pooling(true)
                .maxConnections(2).build());
        java.util.concurrent.CountDownLatch blocking = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (PooledConnection a = pool.acquire(); PooledConnection b = pool.acquire()) {
            try {
                java.util.concurrent.CountDownLatch stuckDerived = new java.util.concurrent.CountDownLatch(1);
                answer.set(stuckDerived);
                CompletableFuture<String> stuck = a.request(request("stuck"), WAIT).thenApply(r -> {
                    blocking.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return r;
                });
                stuckDerived.countDown();
                assertTrue(blocking.await(10, TimeUnit.SECONDS), "the first stage is blocking");
                for (int i = 0; i < 5; i++) {
                    java.util.concurrent.CountDownLatch derived = new java.util.concurrent.CountDownLatch(1);
                    answer.set(derived);
                    CompletableFuture<String> stage = b.request(request("other-" + i), WAIT)
                            .thenApply(r -> Thread.currentThread().getName());
                    derived.countDown();
                    String ranOn = stage.get(10, TimeUnit.SECONDS);
                    assertTrue(ranOn.startsWith("wspool-it-blocked-stage-" + defaultCompletionThread()), ranOn);
                }
                assertEquals(1, release.getCount(), "all while the first stage still blocks");
                assertTrue(!stuck.isDone());
                release.countDown();
                stuck.get(10, TimeUnit.SECONDS);
            } finally {
                release.countDown();
            }
        }
    }

    @Test
    void manyInFlightRequestsOnSharedConnectionsGetTheirOwnRepliesOutOfOrder() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        // Replies in batches of 8 per connection, newest first: never in the order asked.
        ConcurrentHashMap<Integer, List<String>> held = new ConcurrentHashMap<>();
        server.responder((peer, text) -> {
            Matcher m = ID.matcher(text);
            assertTrue(m.find(), text);
            List<String> batch = held.computeIfAbsent(peer.number(), k -> new ArrayList<>());
            List<String> out = null;
            synchronized (batch) {
                batch.add("{\"type\":\"subscribed\",\"messageId\":\"" + m.group(1) + "\",\"echo\":\"" + m.group(1)
                        + "\"}");
                if (batch.size() == 8) {
                    out = new ArrayList<>(batch);
                    batch.clear();
                }
            }
            if (out != null) {
                for (int i = out.size() - 1; i >= 0; i--) {
                    peer.send(out.get(i));
                }
            }
        });
        WebSocketPool pool = track(pools().name("it-req").endpoint(server.uri()).pooling(true)
                .maxConnections(2).maxLeasesPerConnection(8).build());
        int threads = 8;
        int perThread = 200;
        ExecutorService workers = Executors.newFixedThreadPool(threads);
        try {
            List<CompletableFuture<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(CompletableFuture.supplyAsync(() -> {
                    int ok = 0;
                    try (PooledConnection c = pool.acquire()) {
                        // 8 requests in flight per lease at a time: a full batch from this holder alone
                        for (int i = 0; i < perThread; i += 8) {
                            List<CompletableFuture<String>> inFlight = new ArrayList<>();
                            List<String> ids = new ArrayList<>();
                            for (int k = 0; k < 8; k++) {
                                String id = thread + "-" + (i + k);
                                ids.add(id);
                                inFlight.add(c.request(request(id), WAIT));
                            }
                            for (int k = 0; k < 8; k++) {
                                String reply = inFlight.get(k).get(10, TimeUnit.SECONDS);
                                if (reply.contains("\"echo\":\"" + ids.get(k) + "\"")) {
                                    ok++;
                                }
                            }
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return ok;
                }, workers));
            }
            int matched = 0;
            for (CompletableFuture<Integer> r : results) {
                matched += r.get(45, TimeUnit.SECONDS);
            }
            assertEquals(threads * perThread, matched, "every reply went to its own request");
        } finally {
            workers.shutdownNow();
        }
        assertEquals(threads * perThread, server.messagesReceived());
        assertTrue(server.completedHandshakes() <= 2, "8 holders shared at most 2 connections");
    }

    @Test
    void serverPushesReachThePoolHandlerWhenIdleAndTheLeaseHandlerWhileLeased() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        List<InboundMessage> poolGot = new CopyOnWriteArrayList<>();
        WebSocketPool pool = track(pools().name("it-push").endpoint(server.uri()).pooling(true)
                .minConnections(1).maxConnections(1).onMessage(poolGot::add).build());
        await().atMost(WAIT).until(() -> server.openConnections() == 1);
        server.pushToAll("{\"type\":\"data\",\"channel\":\"quotes\",\"payload\":1}");
        await().atMost(WAIT).until(() -> poolGot.size() == 1);
        assertTrue(poolGot.get(0).text().contains("\"payload\":1"));

        List<String> leaseGot = new CopyOnWriteArrayList<>();
        try (PooledConnection c = pool.acquire()) {
            c.onMessage(m -> leaseGot.add(m.text()));
            assertEquals(poolGot.get(0).connectionId(), c.id());
            server.pushToAll("{\"type\":\"data\",\"payload\":2}");
            await().atMost(WAIT).until(() -> leaseGot.size() == 1);
        }
        assertEquals(1, poolGot.size(), "while leased, the lease's handler had it");
        server.pushToAll("{\"type\":\"data\",\"payload\":3}");
        await().atMost(WAIT).until(() -> poolGot.size() == 2);
        assertEquals(1, leaseGot.size(), "released: the lease handler is gone");
        pool.close();
        assertEquals(List.of(), PoolIntegrationTest.poolThreads("it-push"),
                "no handler, transport or housekeeping thread left once close() returned");
    }

    @Test
    void aServerThatNeverRepliesTimesOutTheRequest() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        server.responder((peer, text) -> { });
        WebSocketPool pool = track(pools().name("it-noreply").endpoint(server.uri()).pooling(true)
                .maxConnections(1).build());
        try (PooledConnection c = pool.acquire()) {
            CompletableFuture<String> f = c.request(request("never"), Duration.ofMillis(200));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertInstanceOf(RequestTimeoutException.class, e.getCause());
        }
    }

    @Test
    void aPeerThatStopsReadingFillsTheBoundedBufferAndEveryAcceptedMessageArrivesLater() {
        TestWebSocketServer server = track(TestWebSocketServer.start(Behavior.ECHO, 4096));
        server.responder((peer, text) -> { }); // count only, no echo traffic
        long limit = 256 * 1024;
        WebSocketPool pool = track(pools().name("it-bp").endpoint(server.uri()).pooling(true)
                .maxConnections(1).maxBufferedBytes(limit).build());
        String payload = "p".repeat(16 * 1024);
        int accepted = 0;
        SendBufferFullException full = null;
        try (PooledConnection c = pool.acquire()) {
            await().atMost(WAIT).until(() -> server.openConnections() == 1);
            server.pauseReading();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // Kernel socket buffers absorb a few MiB first; then the client's own queue grows to the limit.
            for (int i = 0; i < 20_000 && full == null && System.nanoTime() < deadline; i++) {
                try {
                    c.send(payload);
                    accepted++;
                    long queued = c.bufferedBytes();
                    assertTrue(queued <= limit + 64, "queue within its bound (+ a control frame): " + queued);
                } catch (SendBufferFullException e) {
                    full = e;
                }
            }
            assertNotNull(full, "the buffer filled while the server did not read; accepted " + accepted);
            assertTrue(full.bufferedBytes() > limit - 2 * payload.length(), "it was really full: " + full.getMessage());
            server.resumeReading();
            int expected = accepted;
            await().atMost(Duration.ofSeconds(30)).until(() -> server.messagesReceived() >= expected);
            c.send("after");
        }
        int total = accepted + 1;
        await().atMost(WAIT).until(() -> server.messagesReceived() >= total);
        // Quiet: the close frame is written after every data frame of the connection, and the server reads in order,
        // so once it has the close nothing more can arrive. Only now is an exact count meaningful: a refused message
        // sent after all, or one sent twice, would show up here.
        pool.close();
        await().atMost(WAIT).until(() -> server.closeCodesReceived().size() == 1);
        assertEquals(total, server.messagesReceived(), "nothing accepted was lost, nothing refused was sent");
        List<String> texts = server.receivedTexts(); // the first 10,000
        assertEquals(Math.min(total, 10_000), texts.size(), "every message arrived as text");
        for (int i = 0; i < Math.min(accepted, texts.size()); i++) {
            assertEquals(payload, texts.get(i), "message " + i + " arrived whole, in order");
        }
        if (texts.size() > accepted) {
            assertEquals("after", texts.get(accepted), "the send after the refusal came last");
        }
    }

    @Test
    void handlersOfDifferentConnectionsRunInParallelAndInOrderPerConnection() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        ConcurrentHashMap<String, List<Integer>> seen = new ConcurrentHashMap<>();
        WebSocketPool pool = track(pools().name("it-order").endpoint(server.uri()).pooling(true)
                .minConnections(3).maxConnections(3)
                .onMessage(m -> seen.computeIfAbsent(m.connectionId(), k -> new CopyOnWriteArrayList<>())
                        .add(Integer.parseInt(m.text())))
                .build());
        await().atMost(WAIT).until(() -> server.openConnections() == 3);
        for (int i = 0; i < 300; i++) {
            server.pushToAll(Integer.toString(i));
        }
        await().atMost(WAIT).until(() -> seen.size() == 3 && seen.values().stream().allMatch(l -> l.size() == 300));
        Set<String> ids = new HashSet<>(seen.keySet());
        assertEquals(3, ids.size());
        for (List<Integer> l : seen.values()) {
            for (int i = 0; i < 300; i++) {
                assertEquals(i, l.get(i));
            }
        }
        assertEquals(3, pool.control().maxConnections());
    }
}

package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.ConnectionClosedException;
import io.github.wspool.ConnectionInitializationException;
import io.github.wspool.ConnectionInitializer;
import io.github.wspool.ConnectionState;
import io.github.wspool.InboundMessage;
import io.github.wspool.PoolException;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.ReceiveTimeoutException;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.EndpointHealthEvent;
import io.github.wspool.testkit.TestWebSocketServer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connection initializer ({@code connectionInitializer}), against a real loopback server: a login that succeeds
 * makes connections READY after the server saw it first; one the server denies never yields a READY connection and
 * fails the connect like a refused handshake (backoff, breaker, an acquire's failure naming the initializer and why);
 * the deadline; buffering, binary and unread messages; pool close while an initializer blocks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionInitializerTest {

    private static final String AUTH_GOOD = "{\"type\":\"auth\",\"token\":\"good\"}";
    private static final String AUTH_BAD = "{\"type\":\"auth\",\"token\":\"bad\"}";

    private TestWebSocketServer server;
    private WebSocketPool pool;
    /** The first message the server saw on each connection, by connection number. */
    private final Map<Integer, String> firstMessages = new ConcurrentHashMap<>();

    /** Records connect outcomes, endpoint health changes and state changes. */
    static final class Recorder implements PoolListener {
        final List<ConnectEvent> connects = new CopyOnWriteArrayList<>();
        final List<EndpointHealthEvent> health = new CopyOnWriteArrayList<>();
        final AtomicInteger readies = new AtomicInteger();

        @Override
        public void onConnect(ConnectEvent event) {
            connects.add(event);
        }

        @Override
        public void onEndpointHealthChange(EndpointHealthEvent event) {
            health.add(event);
        }

        @Override
        public void onStateChange(io.github.wspool.event.ConnectionStateChange event) {
            if (event.to() == ConnectionState.READY) {
                readies.incrementAndGet();
            }
        }

        List<Throwable> failures() {
            return connects.stream().filter(e -> !e.succeeded()).map(ConnectEvent::failure).toList();
        }
    }

    /** The builder every pool of this test starts from; a subclass runs the same tests on another transport. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    @BeforeEach
    void startServer() {
        server = TestWebSocketServer.start();
        // a login protocol: "welcome" for the good token, "denied" for another, an echo for anything else
        server.responder((peer, text) -> {
            firstMessages.putIfAbsent(peer.number(), text);
            if (text.equals(AUTH_GOOD)) {
                peer.send("welcome");
            } else if (text.startsWith("{\"type\":\"auth\"")) {
                peer.send("denied");
            } else if (!text.equals("silence")) {
                peer.send(text);
            }
        });
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
        server.close();
    }

    /** Sends {@code auth}, waits for the answer, throws unless it is {@code welcome}. */
    private static ConnectionInitializer login(String auth) {
        return c -> {
            c.send(auth);
            String answer = c.receive(Duration.ofSeconds(5));
            if (!answer.equals("welcome")) {
                throw new IllegalStateException("login refused by " + c.endpoint().uri() + ": " + answer);
            }
        };
    }

    @Test
    void aSuccessfulLoginMakesConnectionsReadyAndTheServerSeesItFirstOnEach() throws Exception {
        Recorder recorder = new Recorder();
        List<String> handled = new CopyOnWriteArrayList<>();
        pool = pools().name("init-ok").endpoint(server.uri("/feed")).pooling(true).minConnections(2)
                .maxConnections(3).connectionInitializer(login(AUTH_GOOD)).listener(recorder)
                .onMessage(m -> handled.add(m.text())).build();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().count(ConnectionState.READY) == 2);
        try (PooledConnection a = pool.acquire(Duration.ofSeconds(5));
             PooledConnection b = pool.acquire(Duration.ofSeconds(5));
             PooledConnection c = pool.acquire(Duration.ofSeconds(5))) { // the third opens on demand
            for (PooledConnection x : List.of(a, b, c)) {
                assertEquals(ConnectionState.ACTIVE, x.state());
                x.send("hello from " + x.id());
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 3);
        assertEquals(3, server.completedHandshakes());
        assertEquals(3, firstMessages.size(), "every connection talked: " + firstMessages);
        firstMessages.forEach((n, first) -> assertEquals(AUTH_GOOD, first, "the login came first on #" + n));
        assertTrue(recorder.failures().isEmpty(), "no failed connect: " + recorder.failures());
        assertTrue(handled.stream().allMatch(t -> t.startsWith("hello from ")),
                "the welcome went to the initializer, not to handlers: " + handled);
    }

    @Test
    void aDeniedLoginNeverYieldsAReadyConnectionAndFailsTheConnectLikeARefusedHandshake() {
        Recorder recorder = new Recorder();
        pool = pools().name("init-denied").endpoint(server.uri("/feed")).pooling(true)
                .connectionInitializer(login(AUTH_BAD)).listener(recorder)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(100))
                .ejectAfterConnectFailures(2).maxEjectionPercent(100).build();
        PoolException e = assertThrows(PoolException.class, () -> pool.acquire(Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("connection initializer failed")
                && e.getMessage().contains("login refused") && e.getMessage().contains("denied"), e.getMessage());
        // the failures were connect failures: the backoff retried, and the endpoint's breaker counted them
        assertTrue(recorder.failures().size() >= 2, "retried: " + recorder.connects);
        for (Throwable f : recorder.failures()) {
            ConnectionInitializationException ie = assertInstanceOf(ConnectionInitializationException.class, f);
            assertFalse(ie.timedOut());
            assertInstanceOf(IllegalStateException.class, ie.getCause());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !recorder.health.isEmpty());
        EndpointHealthEvent ejected = recorder.health.get(0);
        assertFalse(ejected.healthy());
        assertInstanceOf(ConnectionInitializationException.class, ejected.cause());
        assertEquals(0, recorder.readies.get(), "no connection ever became READY");
        // each failed connection was closed by the client with a close frame
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0
                && server.closeCodesReceived().size() == server.completedHandshakes());
        assertTrue(server.closeCodesReceived().stream().allMatch(code -> code == 1000), "close frames: "
                + server.closeCodesReceived());
    }

    @Test
    void anAcquireThatTimesOutWhileConnectsFailCarriesTheInitializersFailure() {
        pool = pools().name("init-denied-timeout").endpoint(server.uri("/feed")).pooling(true)
                .connectionInitializer(login(AUTH_BAD))
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(100))
                .ejectAfterConnectFailures(1000).build(); // never ejected: the acquire waits out its timeout
        AcquireTimeoutException e = assertThrows(AcquireTimeoutException.class,
                () -> pool.acquire(Duration.ofMillis(700)));
        ConnectionInitializationException cause = assertInstanceOf(ConnectionInitializationException.class,
                e.getCause());
        assertTrue(e.getMessage().contains("connection initializer failed: IllegalStateException: login refused"),
                e.getMessage());
        assertTrue(cause.getMessage().contains("denied"), cause.getMessage());
    }

    @Test
    void anInitializerThatGetsNoReplyTimesOutAtItsDeadline() {
        Recorder recorder = new Recorder();
        List<Throwable> seenByInitializer = new CopyOnWriteArrayList<>();
        pool = pools().name("init-deadline").endpoint(server.uri("/feed")).pooling(true).minConnections(1)
                .connectionInitializerTimeout(Duration.ofMillis(300)).listener(recorder)
                .reconnectBackoff(Duration.ofSeconds(30), Duration.ofSeconds(30)) // one attempt during the test
                .connectionInitializer(c -> {
                    c.send("silence");
                    try {
                        c.receive(Duration.ofMinutes(5)); // far past the deadline
                    } catch (RuntimeException e) {
                        seenByInitializer.add(e);
                        throw e;
                    }
                }).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> !recorder.failures().isEmpty());
        ConnectionInitializationException f = assertInstanceOf(ConnectionInitializationException.class,
                recorder.failures().get(0));
        assertTrue(f.timedOut());
        assertTrue(f.getMessage().contains("connection initializer failed: timed out after 300 ms"), f.getMessage());
        assertTrue(recorder.connects.get(0).duration().toMillis() >= 300, "not before the deadline: "
                + recorder.connects.get(0).duration());
        // the blocked receive was woken at the deadline, not left to its own five minutes
        await().atMost(Duration.ofSeconds(5)).until(() -> !seenByInitializer.isEmpty());
        ConnectionClosedException woken = assertInstanceOf(ConnectionClosedException.class, seenByInitializer.get(0));
        assertTrue(woken.getMessage().contains("timed out"), woken.getMessage());
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
        assertEquals(0, recorder.readies.get());
    }

    @Test
    void receiveThrowsATypedTimeoutOfItsOwn() {
        Recorder recorder = new Recorder();
        pool = pools().name("init-receive-timeout").endpoint(server.uri("/feed")).pooling(true).minConnections(1)
                .listener(recorder).reconnectBackoff(Duration.ofSeconds(30), Duration.ofSeconds(30))
                .connectionInitializer(c -> c.receive(Duration.ofMillis(100))).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> !recorder.failures().isEmpty());
        ConnectionInitializationException f = assertInstanceOf(ConnectionInitializationException.class,
                recorder.failures().get(0));
        assertFalse(f.timedOut(), "the initializer's deadline (the connect timeout) did not pass");
        ReceiveTimeoutException rte = assertInstanceOf(ReceiveTimeoutException.class, f.getCause());
        assertEquals(Duration.ofMillis(100), rte.timeout());
        assertTrue(f.getMessage().contains("ReceiveTimeoutException"), f.getMessage());
    }

    @Test
    void messagesAreBufferedInOrderAndBinaryIsSkipped() throws Exception {
        server.responder((peer, text) -> {
            if (text.equals("login")) { // all at once, before the initializer asks for any
                peer.send("one");
                peer.send(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                peer.send("two");
            } else {
                peer.send(text);
            }
        });
        List<String> received = new CopyOnWriteArrayList<>();
        List<String> handled = new CopyOnWriteArrayList<>();
        pool = pools().name("init-buffer").endpoint(server.uri("/feed")).pooling(true)
                .onMessage(m -> handled.add(describe(m)))
                .connectionInitializer(c -> {
                    c.send("login");
                    received.add(c.receive(Duration.ofSeconds(5)));
                    received.add(c.receive(Duration.ofSeconds(5)));
                }).build();
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            c.send("after");
        }
        assertEquals(List.of("one", "two"), received);
        await().atMost(Duration.ofSeconds(5)).until(() -> !handled.isEmpty());
        assertEquals(List.of("after"), handled, "what the initializer received never reaches handlers");
    }

    private static String describe(InboundMessage m) {
        return m.isText() ? m.text() : "binary";
    }

    @Test
    void theConnectionIsNotUsableAfterTheInitializerReturned() {
        AtomicReference<io.github.wspool.InitializingConnection> kept = new AtomicReference<>();
        pool = pools().name("init-escape").endpoint(server.uri("/feed")).pooling(true)
                .connectionInitializer(kept::set).build();
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            assertEquals(ConnectionState.ACTIVE, c.state());
        }
        ConnectionClosedException e = assertThrows(ConnectionClosedException.class, () -> kept.get().send("late"));
        assertTrue(e.getMessage().contains("initialization is over"), e.getMessage());
        assertThrows(ConnectionClosedException.class, () -> kept.get().receive(Duration.ZERO));
        assertEquals(server.uri("/feed"), kept.get().endpoint().uri());
    }

    @Test
    void aServerThatClosesDuringInitializationFailsTheReceiveAtOnce() {
        Recorder recorder = new Recorder();
        server.responder((peer, text) -> server.closeAllConnections(1011));
        List<Throwable> seen = new CopyOnWriteArrayList<>();
        pool = pools().name("init-closed").endpoint(server.uri("/feed")).pooling(true).minConnections(1)
                .listener(recorder).reconnectBackoff(Duration.ofSeconds(30), Duration.ofSeconds(30))
                .connectionInitializerTimeout(Duration.ofMinutes(1))
                .connectionInitializer(c -> {
                    c.send("bye");
                    try {
                        c.receive(Duration.ofMinutes(1));
                    } catch (RuntimeException e) {
                        seen.add(e);
                        throw e;
                    }
                }).build();
        await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.failures().isEmpty() && !seen.isEmpty());
        assertInstanceOf(ConnectionClosedException.class, seen.get(0));
        ConnectionInitializationException f = assertInstanceOf(ConnectionInitializationException.class,
                recorder.failures().get(0));
        assertTrue(f.getMessage().contains("while the initializer ran")
                || f.getMessage().contains("the connection closed"), f.getMessage());
        assertEquals(0, recorder.readies.get());
    }

    @Test
    void failFastInitializationReportsTheInitializersFailure() {
        ConnectionInitializationException e = assertThrows(ConnectionInitializationException.class,
                () -> pools().name("init-failfast").endpoint(server.uri("/feed")).failFastInitialization(true)
                        .connectionInitializer(login(AUTH_BAD)).build());
        assertTrue(e.getMessage().contains("login refused"), e.getMessage());
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
    }

    @Test
    void closingThePoolWhileAnInitializerBlocksReturnsAndLeaksNothing() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        CountDownLatch never = new CountDownLatch(1);
        pool = pools().name("init-close").endpoint(server.uri("/feed")).pooling(true).minConnections(1)
                .connectionInitializerTimeout(Duration.ofMinutes(5))
                .connectionInitializer(c -> {
                    entered.countDown();
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        interrupted.set(true);
                        throw e;
                    }
                }).build();
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        // an uninitialized connection is never handed out
        assertEquals(1, pool.stats().count(ConnectionState.INITIALIZING));
        assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofMillis(200)));
        WebSocketPool closing = pool;
        pool = null;
        assertTimeoutPreemptively(Duration.ofSeconds(10), closing::close);
        assertTrue(interrupted.get(), "the initializer's thread was interrupted");
        assertEquals(0, closing.stats().total());
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> PoolIntegrationTest.poolThreads("init-close").isEmpty());
    }
}

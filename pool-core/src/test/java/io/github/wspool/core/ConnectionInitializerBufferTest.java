package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.ConnectionInitializationException;
import io.github.wspool.ConnectionState;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.core.spi.InMemoryTransport;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What happens to inbound messages while a connection initializer runs, driven exactly on the in-memory transport
 * (the "server" pushes messages while the initializer is held): text is buffered for {@code receive} in order,
 * binary is skipped, messages the initializer did not receive are dropped (never delivered to handlers), and a
 * server that floods the bounded buffer fails the connect.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectionInitializerBufferTest {

    private final InMemoryTransport transport = new InMemoryTransport();
    private WebSocketPool pool;

    @AfterEach
    void close() {
        if (pool != null) {
            pool.close();
        }
    }

    private InMemoryTransport.Connection connection() {
        await().atMost(Duration.ofSeconds(5)).until(() -> !transport.openConnections().isEmpty());
        return transport.openConnections().get(0);
    }

    @Test
    void unreadMessagesAreDroppedAndOnlyMessagesAfterReadyReachHandlers() throws Exception {
        CountDownLatch pushed = new CountDownLatch(1);
        List<String> received = new CopyOnWriteArrayList<>();
        List<String> handled = new CopyOnWriteArrayList<>();
        pool = WebSocketPools.builder().name("init-unread").endpoint("ws://in-memory.test/feed").transport(transport)
                .pooling(true).minConnections(1).onMessage(m -> handled.add(m.isText() ? m.text() : "binary"))
                .connectionInitializer(c -> {
                    assertTrue(pushed.await(5, TimeUnit.SECONDS));
                    received.add(c.receive(Duration.ZERO)); // buffered before the call
                    received.add(c.receive(Duration.ZERO));
                }).build();
        InMemoryTransport.Connection server = connection();
        server.receive("one");
        server.receive(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        server.receive("two");
        server.receive("unread");
        pushed.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().count(ConnectionState.READY) == 1);
        assertEquals(List.of("one", "two"), received);
        server.receive("after");
        await().atMost(Duration.ofSeconds(5)).until(() -> !handled.isEmpty());
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(1))) {
            c.send("x"); // handlers run in order per connection: "after" is the first and only one
        }
        assertEquals(List.of("after"), handled);
    }

    @Test
    void aServerFloodingTheBufferFailsTheConnect() throws Exception {
        CountDownLatch pushed = new CountDownLatch(1);
        List<ConnectEvent> connects = new CopyOnWriteArrayList<>();
        pool = WebSocketPools.builder().name("init-flood").endpoint("ws://in-memory.test/feed").transport(transport)
                .pooling(true).minConnections(1).reconnectBackoff(Duration.ofSeconds(30), Duration.ofSeconds(30))
                .listener(new PoolListener() {
                    @Override
                    public void onConnect(ConnectEvent event) {
                        connects.add(event);
                    }
                })
                .connectionInitializer(c -> {
                    pushed.await(5, TimeUnit.SECONDS);
                    c.receive(Duration.ofSeconds(5));
                }).build();
        InMemoryTransport.Connection server = connection();
        for (int i = 0; i <= 64; i++) {
            server.receive("m" + i);
        }
        pushed.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> !connects.isEmpty());
        ConnectionInitializationException f = assertInstanceOf(ConnectionInitializationException.class,
                connects.get(0).failure());
        assertTrue(f.getMessage().contains("more than 64 messages"), f.getMessage());
        await().atMost(Duration.ofSeconds(5)).until(() -> server.isFinished());
        assertEquals(1000, server.closeCode(), "closed with a close frame");
    }
}

package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.wspool.PoolException;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.ConnectFailureCause;
import io.github.wspool.testkit.RefusingPort;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each failed connect's event names its cause (the tag of {@code wspool.connect.failures}). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectFailureCauseTest {

    private final List<ConnectEvent> connects = new CopyOnWriteArrayList<>();
    private final PoolListener recorder = new PoolListener() {
        @Override
        public void onConnect(ConnectEvent event) {
            connects.add(event);
        }
    };
    private WebSocketPool pool;

    @AfterEach
    void close() {
        if (pool != null) {
            pool.close();
        }
    }

    /** Builds a pool on {@code uri}, asks for a connection that cannot open, and returns the failed connects' causes. */
    private List<ConnectFailureCause> causes(URI uri, UnaryOperator<WebSocketPoolBuilder> options) {
        pool = options.apply(WebSocketPools.builder().name("causes").endpoint(uri).pooling(true).listener(recorder)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(100))).build();
        assertThrows(PoolException.class, () -> {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(2))) {
                c.send("never");
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> connects.stream().anyMatch(e -> !e.succeeded()));
        return connects.stream().filter(e -> !e.succeeded()).map(ConnectEvent::failureCause).distinct()
                .collect(Collectors.toList());
    }

    @Test
    void nothingListeningIsRefused() {
        try (RefusingPort refusing = RefusingPort.open()) {
            assertEquals(List.of(ConnectFailureCause.REFUSED), causes(refusing.uri("/x"), b -> b));
            pool.close();
        }
    }

    @Test
    void anUpgradeAnsweredWithAnHttpStatusIsARejectedHandshake() {
        try (TestWebSocketServer server = TestWebSocketServer.start(TestWebSocketServer.Behavior.REJECT_503)) {
            assertEquals(List.of(ConnectFailureCause.HANDSHAKE_REJECTED), causes(server.uri(), b -> b));
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOut() {
        try (TestWebSocketServer server = TestWebSocketServer.start(TestWebSocketServer.Behavior.SILENT)) {
            assertEquals(List.of(ConnectFailureCause.TIMEOUT),
                    causes(server.uri(), b -> b.connectTimeout(Duration.ofMillis(200))));
        }
    }

    @Test
    void aFailingHeaderSupplierIsLocal() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            assertEquals(List.of(ConnectFailureCause.LOCAL), causes(server.uri(), b -> b.headers((u, r) -> {
                throw new IllegalStateException("vault unreachable");
            })));
        }
    }

    @Test
    void aFailingInitializerIsTheInitializers() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            assertEquals(List.of(ConnectFailureCause.INITIALIZER), causes(server.uri(), b -> b.connectionInitializer(c -> {
                throw new IllegalStateException("login refused");
            })));
        }
    }

    @Test
    void aSuccessHasNoCause() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            pool = WebSocketPools.builder().name("ok").endpoint(server.uri()).pooling(true).listener(recorder).build();
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                c.send("x");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> !connects.isEmpty());
            assertNull(connects.get(0).failureCause());
        }
    }
}

package io.github.wspool.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.event.ConnectFailureCause;
import io.github.wspool.testkit.RefusingPort;
import io.github.wspool.testkit.TestWebSocketServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-endpoint message and byte counters, the send timer and the connect failures by cause, by exact amounts. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TrafficMetersTest {

    private TestWebSocketServer server;
    private WebSocketPool pool;
    private RefusingPort refusing;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() {
        server = TestWebSocketServer.start();
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
        if (refusing != null) {
            refusing.close();
        }
        server.stop();
    }

    private double counter(String name, URI endpoint) {
        return registry.get(name).tags("endpoint", endpoint.toString()).functionCounter().count();
    }

    @Test
    void sendsAndEchoesMoveTheirEndpointsCountersByExactAmounts() throws Exception {
        TestWebSocketServer quiet = TestWebSocketServer.start(); // a second endpoint: its counters stay at zero
        quiet.responder((peer, text) -> { });
        try {
            URI echo = server.uri("/echo");
            pool = WebSocketPools.builder().name("traffic").endpoint(echo).pooling(true).build();
            new WebSocketPoolMetrics(pool).bindTo(registry);
            String ascii = "x".repeat(100);          // 100 bytes
            String accented = "\u00e9".repeat(10);  // 10 chars, 20 bytes of UTF-8
            String emoji = "\uD83D\uDE00";          // 1 code point, 4 bytes
            ByteBuffer binary = ByteBuffer.wrap(new byte[33]);
            int n = 7;
            try (PooledConnection c = pool.acquire()) {
                pool.control().addEndpoint(quiet.uri(), 1); // after the lease: that stays on the echoing endpoint
                assertEquals(0.0, counter("wspool.messages.out", echo));
                assertEquals(0.0, counter("wspool.messages.in", quiet.uri()));
                for (int i = 0; i < n; i++) {
                    c.send(ascii);
                }
                c.send(accented);
                c.send(emoji);
                c.send(binary);
                c.sendAsync(ascii).get(5, TimeUnit.SECONDS);
                c.sendAsync(binary.duplicate()).get(5, TimeUnit.SECONDS);
            }
            long messages = n + 3 + 2;
            long bytes = n * 100L + 20 + 4 + 33 + 100 + 33;
            assertEquals(messages, counter("wspool.messages.out", echo));
            assertEquals(bytes, counter("wspool.bytes.out", echo));
            // every message comes back: the same counts in
            await().atMost(Duration.ofSeconds(5)).until(() -> counter("wspool.messages.in", echo) == messages);
            assertEquals(bytes, counter("wspool.bytes.in", echo));
            // the snapshot the meters read says the same
            EndpointSnapshot snapshot = pool.control().endpoints().stream().filter(e -> e.uri().equals(echo))
                    .findFirst().orElseThrow();
            assertEquals(messages, snapshot.messagesOut());
            assertEquals(bytes, snapshot.bytesIn());
            // the other endpoint saw nothing
            assertEquals(0.0, counter("wspool.messages.out", quiet.uri()));
            assertEquals(0.0, counter("wspool.bytes.in", quiet.uri()));
            // two tracked sends, two timings; plain sends are not timed
            assertEquals(2, registry.get("wspool.send").timer().count());
            assertEquals(20, accented.getBytes(StandardCharsets.UTF_8).length);
            assertEquals(4, emoji.getBytes(StandardCharsets.UTF_8).length);
        } finally {
            quiet.stop();
        }
    }

    @Test
    void inboundPushesAndRequestsCount() throws Exception {
        server.responder((peer, text) -> peer.send(text)); // an echo, for the request
        pool = WebSocketPools.builder().name("push").endpoint(server.uri()).pooling(true).build();
        new WebSocketPoolMetrics(pool).bindTo(registry);
        try (PooledConnection c = pool.acquire()) {
            c.onMessage(m -> { });
            assertEquals("{\"messageId\":\"1\"}", c.request("{\"messageId\":\"1\"}", Duration.ofSeconds(5))
                    .get(5, TimeUnit.SECONDS));
            server.pushToAll("pushed!");
            await().atMost(Duration.ofSeconds(5)).until(() -> counter("wspool.messages.in", server.uri()) == 2.0);
        }
        assertEquals(1.0, counter("wspool.messages.out", server.uri()), "the request");
        assertEquals(17.0 + 7.0, counter("wspool.bytes.in", server.uri()), "its reply and the push");
    }

    @Test
    void connectFailuresAreCountedByCause() {
        refusing = RefusingPort.open();
        TestWebSocketServer rejecting = TestWebSocketServer.start(TestWebSocketServer.Behavior.REJECT_503);
        try {
            pool = WebSocketPools.builder().name("causes").endpoint(server.uri()).pooling(true).build();
            new WebSocketPoolMetrics(pool).bindTo(registry);
            URI refused = refusing.uri("/x");
            pool.control().addEndpoint(refused, 1);
            pool.control().addEndpoint(rejecting.uri(), 1);
            for (ConnectFailureCause cause : ConnectFailureCause.values()) { // all there, at 0, from the start
                assertNotNull(registry.find("wspool.connect.failures")
                        .tags("endpoint", refused.toString(), "cause", cause.tagValue()).counter());
            }
            // demand for connections: the pool tries every endpoint in turn
            for (int i = 0; i < 6; i++) {
                try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                    c.send("x");
                } catch (RuntimeException e) {
                    // a failed connect may fail an acquire: counted all the same
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> failures(refused, "refused") >= 1
                    && failures(rejecting.uri(), "handshake-rejected") >= 1);
            assertEquals(0.0, failures(refused, "handshake-rejected") + failures(refused, "other")
                    + failures(refused, "timeout"));
            assertEquals(0.0, failures(rejecting.uri(), "refused") + failures(rejecting.uri(), "other"));
            assertEquals(0.0, failures(server.uri(), "refused") + failures(server.uri(), "handshake-rejected"));
            assertTrue(registry.get("wspool.connect").tags("endpoint", refused.toString(), "outcome", "failure")
                    .timer().count() == failures(refused, "refused"), "every failed connect has one cause");
        } finally {
            rejecting.stop();
        }
    }

    private double failures(URI endpoint, String cause) {
        return registry.get("wspool.connect.failures").tags("endpoint", endpoint.toString(), "cause", cause)
                .counter().count();
    }
}

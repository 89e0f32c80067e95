package io.github.wspool.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.ConnectionState;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.SendBufferFullException;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.event.AcquireEvent;
import io.github.wspool.Subscription;
import io.github.wspool.SubscriptionOptions;
import io.github.wspool.testkit.ChannelServer;
import io.github.wspool.testkit.RefusingPort;
import io.github.wspool.testkit.TestWebSocketServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every meter against a real registry and a real pool on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketPoolMetricsTest {

    private TestWebSocketServer server;
    private WebSocketPool pool;
    /** Held refusing until the pool is closed: see {@link RefusingPort}. */
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

    private double gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    private List<String> wspoolMeters() {
        return registry.getMeters().stream().map(m -> m.getId().getName()).filter(n -> n.startsWith("wspool"))
                .distinct().sorted().collect(Collectors.toList());
    }

    @Test
    void everyMeterExistsAndMovesWithThePool() throws Exception {
        refusing = RefusingPort.open();
        URI down = refusing.uri("/feed?token=s3cr3t");
        // the down endpoint is added after binding, so that every connect to it is seen by the meters
        pool = WebSocketPools.builder().name("m").endpoint(server.uri("/feed"))
                .pooling(true).minConnections(1).maxConnections(2).ejectAfterConnectFailures(1)
                .healthCheckInterval(Duration.ofMillis(100)).build();
        new WebSocketPoolMetrics(pool, Tags.of("service", "test")).bindTo(registry);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 1);
        pool.control().addEndpoint(down, 1);

        // five acquire/release cycles
        for (int i = 0; i < 5; i++) {
            try (PooledConnection c = pool.acquire()) {
                c.send("x");
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("wspool.lease").timer().count() == 5);
        assertEquals(5, registry.get("wspool.acquire").tags("pool", "m", "service", "test").timer().count());

        // one timeout: both slots leased (the down endpoint is unhealthy, so both open on the healthy one)
        PooledConnection a = pool.acquire();
        PooledConnection b = pool.acquire();
        assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofMillis(100)));
        assertEquals(1.0, registry.get("wspool.acquire.timeouts").counter().count());
        // the connection gauges against what this test knows it holds (not against the pool's own count, which is
        // what they read): both connections leased, none available
        assertEquals(2.0, gauge("wspool.connections", "state", "active"));
        assertEquals(0.0, gauge("wspool.connections", "state", "ready") + gauge("wspool.connections", "state", "idle"));
        assertEquals(2.0, gauge("wspool.connections.max"));
        assertEquals(1.0, gauge("wspool.connections.min"));
        assertEquals(0.0, gauge("wspool.connections.pending"));
        b.invalidate();
        a.close();
        assertEquals(1.0, gauge("wspool.connections", "state", "active"), "one lease given back: the gauge is live");
        assertEquals(1.0, gauge("wspool.connections", "state", "ready"), "and its connection is ready again");
        b.close();
        assertEquals(0.0, gauge("wspool.connections", "state", "active"));
        assertEquals(1.0, registry.get("wspool.recycled").tags("reason", "invalidated").counter().count());

        // gauges agree with stats() (once the invalidated connection has finished closing: both read live state)
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (ConnectionState s : ConnectionState.values()) {
                assertEquals(pool.stats().count(s),
                        gauge("wspool.connections", "state", s.name().toLowerCase(Locale.ROOT)), 0.0, s.name());
            }
        });

        // connects: successes on the healthy endpoint (the pre-warm one may have opened before binding), failures on
        // the down one (round-robin sent one of the two acquires above there)
        assertTrue(registry.get("wspool.connect").tags("endpoint", server.uri("/feed").toString(), "outcome", "success")
                .timer().count() >= 1);
        String downTag = "ws://127.0.0.1:" + down.getPort() + "/feed";
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.find("wspool.connect")
                .tags("endpoint", downTag, "outcome", "failure").timer() != null
                && registry.get("wspool.connect").tags("endpoint", downTag, "outcome", "failure").timer().count() >= 1);
        assertEquals(1.0, gauge("wspool.endpoint.healthy", "endpoint", server.uri("/feed").toString()));
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("wspool.endpoint.healthy", "endpoint", downTag) == 0.0);
        assertEquals(1.0, gauge("wspool.endpoint.breaker.state", "endpoint", server.uri("/feed").toString(),
                "state", "closed"));
        assertEquals(0.0, gauge("wspool.endpoint.breaker.state", "endpoint", downTag, "state", "closed"));
        assertTrue(gauge("wspool.endpoint.breaker.state", "endpoint", downTag, "state", "open")
                + gauge("wspool.endpoint.breaker.state", "endpoint", downTag, "state", "half_open") == 1.0,
                "the down endpoint's breaker is open (or letting a probe through)");

        // keepalive round trips
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.find("wspool.ping.rtt").timer() != null
                && registry.find("wspool.ping.rtt").timer().count() > 0);

        // no token anywhere in the registry
        for (Meter m : registry.getMeters()) {
            assertFalse(m.getId().toString().contains("s3cr3t"), m.getId().toString());
        }

        pool.close();
        assertEquals(List.of(), wspoolMeters(), "meters removed when the pool closes");
    }

    @Test
    void requestsDroppedMessagesAndRejectedSendsAreCounted() throws Exception {
        server.responder((peer, text) -> {
            if (text.contains("\"answer\"")) {
                peer.send(text);
            }
        });
        pool = WebSocketPools.builder().name("msg").endpoint(server.uri()).pooling(true).maxConnections(1)
                .maxBufferedBytes(100).build();
        new WebSocketPoolMetrics(pool).bindTo(registry);
        try (PooledConnection c = pool.acquire()) {
            assertEquals("{\"messageId\":\"1\",\"answer\":1}",
                    c.request("{\"messageId\":\"1\",\"answer\":1}", Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS));
            CompletableFuture<String> unanswered = c.request("{\"messageId\":\"2\"}", Duration.ofMillis(50));
            assertThrows(ExecutionException.class, () -> unanswered.get(5, TimeUnit.SECONDS));
            assertThrows(SendBufferFullException.class, () -> c.send("x".repeat(200)));
            CompletableFuture<Void> tooBig = c.sendAsync("x".repeat(200)); // fails through its future, counted
            assertThrows(ExecutionException.class, () -> tooBig.get(5, TimeUnit.SECONDS));
            c.sendAsync("fits").get(5, TimeUnit.SECONDS); // written: not counted
        }
        assertEquals(1.0, registry.get("wspool.messages.undelivered").tags("reason", "buffer-full").counter().count());
        assertEquals(0.0, registry.get("wspool.messages.undelivered").tags("reason", "close-timeout").counter()
                .count());
        server.pushToAll("nobody handles this");
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("wspool.messages.dropped")
                .tags("reason", "unhandled").counter().count() == 1.0);
        assertEquals(1, registry.get("wspool.requests").tags("outcome", "replied").timer().count());
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("wspool.requests")
                .tags("outcome", "timed-out").timer().count() == 1);
        assertEquals(2.0, registry.get("wspool.sends.rejected").counter().count()); // send and sendAsync
        assertEquals(0.0, registry.get("wspool.messages.dropped").tags("reason", "late-reply").counter().count());
    }

    @Test
    void subscriptionMetersCountStatesRecoveriesAndHoles() {
        ChannelServer.Farm farm = new ChannelServer.Farm(5);
        try (ChannelServer channels = ChannelServer.start(farm)) {
            for (int i = 0; i < 15; i++) {
                farm.publish("s"); // the history keeps 11..15
            }
            pool = WebSocketPools.builder().name("subs").endpoint(channels.uri()).pooling(true).build();
            new WebSocketPoolMetrics(pool).bindTo(registry);
            Subscription sub = pool.subscribe("s", SubscriptionOptions.defaults().since(0), m -> { });
            await().atMost(Duration.ofSeconds(10)).until(() -> sub.position() == 15);
            assertEquals(1.0, gauge("wspool.subscriptions", "pool", "subs", "state", "active"));
            assertEquals(0.0, gauge("wspool.subscriptions", "pool", "subs", "state", "recovering"));
            assertEquals(1.0, registry.get("wspool.subscriptions.gaps").counter().count(), "positions 1..10 lost");
            assertEquals(10.0, registry.get("wspool.subscriptions.missed").counter().count());

            channels.closeAll(1011); // the carrying connection ends: re-subscribed from 15, which the server has
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.get("wspool.subscriptions.recoveries")
                    .tags("recovered", "true").counter().count() == 1.0);
            assertEquals(0.0, registry.get("wspool.subscriptions.recoveries").tags("recovered", "false").counter()
                    .count());
            sub.close();
            assertEquals(0.0, gauge("wspool.subscriptions", "pool", "subs", "state", "active"));
            pool.close();
        }
    }

    @Test
    void endpointMetersFollowTheEndpoint() throws Exception {
        TestWebSocketServer second = TestWebSocketServer.start();
        try {
            pool = WebSocketPools.builder().name("ep").endpoint(server.uri()).pooling(true).build();
            new WebSocketPoolMetrics(pool).bindTo(registry);
            pool.control().addEndpoint(second.uri(), 2);
            assertEquals(1.0, gauge("wspool.endpoint.healthy", "endpoint", second.uri().toString()));
            pool.control().removeEndpoint(second.uri(), Duration.ZERO).get(5, TimeUnit.SECONDS);
            assertEquals(null, registry.find("wspool.endpoint.healthy").tags("endpoint", second.uri().toString()).gauge());
            assertNotNull(registry.find("wspool.endpoint.healthy").tags("endpoint", server.uri().toString()).gauge());
        } finally {
            second.stop();
        }
    }

    @Test
    void aPoolWithoutMetricsIsUnaffectedAndBindingTwiceIsRefused() {
        pool = WebSocketPools.builder().name("twice").endpoint(server.uri()).build();
        WebSocketPoolMetrics metrics = new WebSocketPoolMetrics(pool);
        metrics.bindTo(registry);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> metrics.bindTo(new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains("already bound"), e.getMessage());
        metrics.close();
        assertEquals(List.of(), wspoolMeters(), "close() unbinds");
        try (PooledConnection c = pool.acquire()) {
            c.send("still fine");
        }
    }

    @Test
    void aFailingListenerDoesNotBreakAcquiresOrMetrics() {
        pool = WebSocketPools.builder().name("fail").endpoint(server.uri()).pooling(true)
                .listener(new PoolListener() {
                    @Override
                    public void onAcquire(AcquireEvent event) {
                        throw new IllegalStateException("broken listener");
                    }
                }).build();
        new WebSocketPoolMetrics(pool).bindTo(registry);
        for (int i = 0; i < 3; i++) {
            try (PooledConnection c = pool.acquire()) {
                c.send("x");
            }
        }
        // the first acquire waited for a connect: its event comes from the I/O thread that handed the connection over
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("wspool.acquire").timer().count() == 3);
    }

    @Test
    void headerValuesAndUriSecretsNeverBecomeMeterNamesOrTags() throws Exception {
        server.handshakeGate(h -> "Bearer fresh-SECRET".equals(h.get("authorization")));
        URI uri = URI.create(server.uri("/feed") + "?token=query-SECRET");
        pool = WebSocketPools.builder().name("metrics-secrets").pooling(true)
                .endpoint(uri, 1, java.util.Map.of("X-Api-Key", "key-SECRET"))
                .header("X-Tenant", "tenant-SECRET")
                .headers((u, refresh) -> java.util.Map.of("Authorization", refresh ? "Bearer fresh-SECRET"
                        : "Bearer stale-SECRET"))
                .build();
        new WebSocketPoolMetrics(pool).bindTo(registry);
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            c.send("hello");
        }
        assertEquals(1, server.gateRejections(), "a rejected handshake went through the meters too");
        assertFalse(wspoolMeters().isEmpty());
        for (Meter m : registry.getMeters()) {
            String id = m.getId().toString();
            assertFalse(id.contains("SECRET") || id.contains("token="), "a secret in meter " + id);
        }
    }
}

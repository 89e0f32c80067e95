package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.PoolHealth;
import io.github.wspool.PooledConnection;
import io.github.wspool.Subscription;
import io.github.wspool.SubscriptionOptions;
import io.github.wspool.SubscriptionState;
import io.github.wspool.WebSocketPool;
import io.github.wspool.testkit.ChannelServer;
import io.github.wspool.testkit.FaultProxy;
import io.github.wspool.testkit.RefusingPort;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code pool.control().health()}: UP, DEGRADED and DOWN, each with the reasons an operator needs. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolHealthTest {

    private final ChannelServer.Farm farm = new ChannelServer.Farm(1_000);
    private final ChannelServer server = ChannelServer.start(farm);
    private RefusingPort refusing;
    private FaultProxy proxy;
    private WebSocketPool pool;

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (refusing != null) {
            refusing.close();
        }
        server.close();
    }

    private PoolHealth health() {
        return pool.control().health();
    }

    private static boolean mentions(PoolHealth h, String text) {
        return h.reasons().stream().anyMatch(r -> r.contains(text));
    }

    @Test
    void upWhenEverythingIsAsConfiguredAndDownOnceClosed() {
        pool = WebSocketPools.builder().name("h-up").endpoint(server.uri()).pooling(true).minConnections(2).build();
        await().atMost(Duration.ofSeconds(10)).until(() -> health().status() == PoolHealth.Status.UP);
        assertEquals(List.of(), health().reasons());
        assertEquals(2, pool.control().connections().size(), "the operator sees both connections");
        assertTrue(pool.control().connections().stream().allMatch(c -> c.endpoint().equals(server.uri())
                && c.state().isAvailable() && c.leases() == 0), pool.control().connections().toString());
        pool.close();
        PoolHealth closed = health();
        assertEquals(PoolHealth.Status.DOWN, closed.status());
        assertFalse(closed.isServing());
        assertTrue(mentions(closed, "pool 'h-up' is closed"), closed.reasons().toString());
    }

    @Test
    void degradedWhileAnEndpointIsOutOfRotationAndDownWithNoHealthyOne() {
        refusing = RefusingPort.open();
        pool = WebSocketPools.builder().name("h-ejected").endpoint(server.uri()).endpoint(refusing.uri("/x"))
                .pooling(true).minConnections(2).ejectAfterConnectFailures(1).maxEjectionPercent(100)
                .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        await().atMost(Duration.ofSeconds(10)).until(() -> health().status() == PoolHealth.Status.DEGRADED
                && mentions(health(), "endpoint " + refusing.uri("/x") + " is out of rotation"));
        assertTrue(health().isServing());

        pool.close();
        pool = WebSocketPools.builder().name("h-down").endpoint(refusing.uri("/x")).pooling(true).minConnections(1)
                .ejectAfterConnectFailures(1).maxEjectionPercent(100).build();
        await().atMost(Duration.ofSeconds(10)).until(() -> health().status() == PoolHealth.Status.DOWN);
        assertTrue(mentions(health(), "no healthy endpoint (1 configured)"), health().reasons().toString());
    }

    @Test
    void degradedAfterAnAcquireTimedOut() {
        pool = WebSocketPools.builder().name("h-timeout").endpoint(server.uri()).pooling(true).maxConnections(1)
                .build();
        try (PooledConnection held = pool.acquire()) {
            assertTrue(held.isOpen());
            assertEquals(PoolHealth.Status.UP, health().status());
            assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofMillis(50)));
            assertEquals(PoolHealth.Status.DEGRADED, health().status());
            assertTrue(mentions(health(), "an acquire timed out in the last minute"), health().reasons().toString());
        }
    }

    @Test
    void degradedWhileASubscriptionRecovers() {
        proxy = FaultProxy.to(server.port());
        pool = WebSocketPools.builder().name("h-subs").endpoint(proxy.uri("/channels")).pooling(true)
                .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(100)).build();
        Subscription sub = pool.subscribe("c", SubscriptionOptions.defaults().since(0), m -> { });
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.ACTIVE);
        assertEquals(PoolHealth.Status.UP, health().status());

        proxy.mode(FaultProxy.Mode.REFUSE);
        proxy.closeAll();
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.RECOVERING);
        PoolHealth recovering = health();
        assertTrue(mentions(recovering, "1 subscription(s) recovering"), recovering.reasons().toString());
        // DEGRADED, or DOWN once the refused connects have taken the only endpoint out of rotation
        assertNotEquals(PoolHealth.Status.UP, recovering.status());

        proxy.mode(FaultProxy.Mode.FORWARD);
        await().atMost(Duration.ofSeconds(20)).until(() -> sub.state() == SubscriptionState.ACTIVE);
        await().atMost(Duration.ofSeconds(20)).until(() -> !mentions(health(), "recovering"));
    }
}

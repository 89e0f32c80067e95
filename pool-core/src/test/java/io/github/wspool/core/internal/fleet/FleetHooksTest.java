package io.github.wspool.core.internal.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import io.github.wspool.PoolHealth;
import io.github.wspool.PoolReconfiguration;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.BuilderAccess;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.strategy.Strategies;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine's fleet hooks through a real pool on two loopback servers: background placement by the strategy's
 * {@code place}, the per-server quota without and with a fleet, suspicion passed over, {@code fleetLeastConnections}
 * with others' counts, the degraded reason in {@code health()}. The fleet is a test {@link FleetBackend} that hands the
 * test the pool's {@link FleetLink}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetHooksTest {

    private final List<TestWebSocketServer> servers = new ArrayList<>();
    private WebSocketPool pool;
    private final AtomicReference<FleetLink> link = new AtomicReference<>();
    private final FleetBackend backend = l -> {
        link.set(l);
        return () -> link.set(null);
    };

    @BeforeEach
    void start() {
        servers.add(TestWebSocketServer.start());
        servers.add(TestWebSocketServer.start());
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestWebSocketServer::stop);
    }

    private URI uri(int i) {
        return servers.get(i).uri("/fleet");
    }

    private WebSocketPoolBuilder both(String name) {
        return WebSocketPools.builder().name(name).endpoint(uri(0)).endpoint(uri(1)).pooling(true)
                .maxConnections(10);
    }

    /** Always the endpoint of {@code target} (for leases and, by default, placement). */
    private static LoadBalancingStrategy always(URI target) {
        return new LoadBalancingStrategy() {
            @Override
            public EndpointView select(List<? extends EndpointView> candidates) {
                for (EndpointView e : candidates) {
                    if (e.uri().equals(target)) {
                        return e;
                    }
                }
                return candidates.get(0);
            }
        };
    }

    private Set<URI> leaseEndpoints(int n) {
        List<PooledConnection> held = new ArrayList<>();
        Set<URI> seen = new HashSet<>();
        try {
            for (int i = 0; i < n; i++) {
                PooledConnection c = pool.acquire(Duration.ofSeconds(5));
                held.add(c);
                seen.add(c.endpoint().uri());
            }
        } finally {
            held.forEach(PooledConnection::close);
        }
        return seen;
    }

    @Test
    void backgroundPlacementFollowsTheStrategysPlace() {
        pool = both("place").minConnections(4).strategy(always(uri(1))).build();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().idle() == 4);
        assertEquals(0, servers.get(0).acceptedConnections());
        assertEquals(4, servers.get(1).acceptedConnections());
    }

    @Test
    void maxFleetConnectionsPerServerCapsThePoolsOwnConnectionsWithoutAFleet() {
        pool = WebSocketPools.builder().name("quota-alone").endpoint(uri(0)).pooling(true).maxConnections(5)
                .maxFleetConnectionsPerServer(2).build();
        PooledConnection a = pool.acquire(Duration.ofSeconds(5));
        PooledConnection b = pool.acquire(Duration.ofSeconds(5));
        assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofMillis(300)));
        assertEquals(2, servers.get(0).acceptedConnections());
        a.close();
        b.close();
    }

    @Test
    void theFleetWideQuotaCountsOtherInstancesConnections() {
        pool = BuilderAccess.fleetBackend(WebSocketPools.builder().name("quota-fleet").endpoint(uri(0))
                .pooling(true).maxConnections(5).maxFleetConnectionsPerServer(3), backend).build();
        link.get().othersConnections(Map.of(uri(0), 2));
        PooledConnection a = pool.acquire(Duration.ofSeconds(5));
        assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofMillis(300)));
        assertEquals(1, servers.get(0).acceptedConnections());
        link.get().othersConnections(Map.of());
        try (PooledConnection b = pool.acquire(Duration.ofSeconds(5))) {
            assertEquals(uri(0), b.endpoint().uri());
        }
        a.close();
    }

    @Test
    void aSuspectedEndpointIsPassedOverWhileAnotherIsHealthy() {
        pool = BuilderAccess.fleetBackend(both("suspect").strategy(Strategies.roundRobin()), backend).build();
        link.get().suspects(Set.of(uri(0)));
        assertEquals(Set.of(uri(1)), leaseEndpoints(6));
        link.get().suspects(Set.of(uri(0), uri(1))); // every endpoint suspected: both serve rather than none
        assertEquals(Set.of(uri(0), uri(1)), leaseEndpoints(6));
        link.get().suspects(Set.of());
        assertEquals(Set.of(uri(0), uri(1)), leaseEndpoints(6));
    }

    @Test
    void fleetLeastConnectionsPlacesWhereTheFleetHasFewest() {
        pool = BuilderAccess.fleetBackend(both("fleet-least").strategy(Strategies.fleetLeastConnections()), backend)
                .build();
        link.get().othersConnections(Map.of(uri(0), 5));
        pool.control().reconfigure(PoolReconfiguration.builder().minConnections(4).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().idle() == 4);
        assertEquals(0, servers.get(0).acceptedConnections(), "the fleet has 5 there");
        assertEquals(4, servers.get(1).acceptedConnections());
        assertEquals(Set.of(uri(1)), leaseEndpoints(4));
        pool.control().endpoints().forEach(e -> assertTrue(e.uri().equals(uri(0)) || e.uri().equals(uri(1))));
    }

    @Test
    void fleetDegradedModeIsAReasonInHealth() {
        pool = BuilderAccess.fleetBackend(both("degraded").minConnections(1), backend).build();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.control().health().status() == PoolHealth.Status.UP);
        link.get().degraded("store unreachable: connection refused");
        PoolHealth health = pool.control().health();
        assertEquals(PoolHealth.Status.DEGRADED, health.status());
        assertTrue(health.reasons().stream().anyMatch(r -> r.contains("fleet mode degraded")
                && r.contains("store unreachable")), health.reasons().toString());
        link.get().degraded(null);
        assertEquals(PoolHealth.Status.UP, pool.control().health().status());
    }

    @Test
    void aFleetThatCannotBeJoinedLeavesThePoolRunningDegraded() {
        FleetBackend failing = l -> {
            throw new IllegalStateException("no route to the store");
        };
        pool = BuilderAccess.fleetBackend(both("join-fails").minConnections(1), failing).build();
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            assertTrue(c.isOpen());
        }
        PoolHealth health = pool.control().health();
        assertEquals(PoolHealth.Status.DEGRADED, health.status());
        assertTrue(health.reasons().stream().anyMatch(r -> r.contains("no route to the store")),
                health.reasons().toString());
    }
}

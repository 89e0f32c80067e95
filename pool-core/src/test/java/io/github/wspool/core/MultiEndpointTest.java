package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.strategy.Strategies;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Strategies through a real pool against three real loopback servers, seen at the servers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MultiEndpointTest {

    /** A builder on the transport under test: the default here, the thread-per-connection one in a subclass. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    private final List<TestWebSocketServer> servers = new ArrayList<>();
    private WebSocketPool pool;

    @BeforeEach
    void startServers() {
        for (int i = 0; i < 3; i++) {
            servers.add(TestWebSocketServer.start());
        }
    }

    @AfterEach
    void stopAll() {
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestWebSocketServer::stop);
    }

    private URI uri(int i) {
        return servers.get(i).uri("/feed");
    }

    private WebSocketPoolBuilder builder(String name) {
        WebSocketPoolBuilder b = pools().name(name);
        for (int i = 0; i < servers.size(); i++) {
            b.endpoint(uri(i));
        }
        return b;
    }

    private List<Integer> accepted() {
        return servers.stream().map(TestWebSocketServer::acceptedConnections).collect(Collectors.toList());
    }

    private List<Long> received() {
        return servers.stream().map(TestWebSocketServer::messagesReceived).collect(Collectors.toList());
    }

    private int serverIndex(PooledConnection c) {
        for (int i = 0; i < servers.size(); i++) {
            if (uri(i).equals(c.endpoint().uri())) {
                return i;
            }
        }
        throw new AssertionError("unknown endpoint " + c.endpoint().uri());
    }

    @Test
    void roundRobinRotatesAcquiresOverIdleConnectionsOnEveryEndpoint() {
        pool = builder("rr").pooling(true).minConnections(3).maxConnections(3).strategy(Strategies.roundRobin()).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 3);
        assertEquals(List.of(1, 1, 1), accepted(), "minConnections pre-warm is spread by the strategy");
        for (int i = 0; i < 30; i++) {
            try (PooledConnection c = pool.acquire()) {
                c.send("m");
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> received().equals(List.of(10L, 10L, 10L)));
        assertEquals(List.of(1, 1, 1), accepted(), "no connection opened beyond the pre-warm");
    }

    @Test
    void preWarmIsProportionalToWeight() {
        pool = pools().name("prewarm").endpoint(uri(0), 3).endpoint(uri(1), 2).endpoint(uri(2), 1)
                .pooling(true).minConnections(12).maxConnections(12).strategy(Strategies.weighted()).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 12);
        assertEquals(List.of(6, 4, 2), accepted());
    }

    @Test
    void leastConnectionsReusesTheIdleConnectionOfTheLeastLoadedEndpoint() {
        pool = builder("lc").pooling(true).minConnections(3).maxConnections(6).strategy(Strategies.leastConnections())
                .build();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 3);
        PooledConnection first = pool.acquire();
        PooledConnection second = pool.acquire();
        PooledConnection third = pool.acquire();
        Set<Integer> used = new HashSet<>(List.of(serverIndex(first), serverIndex(second), serverIndex(third)));
        assertEquals(Set.of(0, 1, 2), used, "one lease per endpoint: always the least loaded");
        assertEquals(List.of(1, 1, 1), accepted(), "served by the idle connections, nothing opened");
        second.close();
        try (PooledConnection again = pool.acquire()) {
            assertEquals(second.id(), again.id(), "the least-loaded endpoint's idle connection, not a new one");
        }
        assertEquals(List.of(1, 1, 1), accepted());
        first.close();
        third.close();
    }

    @Test
    void leastConnectionsOpensOnTheChosenEndpointOnlyWhenItHasNoIdleConnection() {
        pool = builder("lc-open").pooling(true).maxConnections(6).strategy(Strategies.leastConnections()).build();
        List<PooledConnection> leases = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            leases.add(pool.acquire());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> accepted().equals(List.of(2, 2, 2)));
        leases.forEach(PooledConnection::close);
    }

    @Test
    void roundRobinIsExactWhenEverySequentialAcquireOpensItsOwnConnection() {
        // Each acquire is held, so each opens a connection; housekeeping runs meanwhile (a short ping interval asks
        // for a pass after every open), and must not place a waiter's connect anywhere but on the strategy's pick.
        for (int round = 0; round < 5; round++) {
            WebSocketPool p = builder("rr-held-" + round).pooling(true).minConnections(0).maxConnections(30)
                    .healthCheckInterval(Duration.ofMillis(200)).strategy(Strategies.roundRobin()).build();
            List<PooledConnection> held = new ArrayList<>();
            try {
                int[] perEndpoint = new int[servers.size()];
                for (int i = 0; i < 30; i++) {
                    PooledConnection c = p.acquire();
                    held.add(c);
                    perEndpoint[serverIndex(c)]++;
                }
                assertEquals(List.of(10, 10, 10), java.util.Arrays.stream(perEndpoint).boxed().collect(Collectors.toList()),
                        "round " + round + ": leases per endpoint");
                assertEquals(30, p.stats().total(), "one connection per lease, none surplus");
            } finally {
                held.forEach(PooledConnection::close);
                p.close();
            }
        }
    }

    @Test
    void weightedIsSmoothWithoutPooling() {
        pool = pools().name("smooth").endpoint(uri(0), 5).endpoint(uri(1)).endpoint(uri(2))
                .strategy(Strategies.weighted()).build(); // pooling(false): every acquire is one pick
        StringBuilder sequence = new StringBuilder();
        for (int i = 0; i < 14; i++) {
            try (PooledConnection c = pool.acquire()) {
                sequence.append((char) ('a' + serverIndex(c)));
                c.send("x");
            }
        }
        assertEquals("aabacaaaabacaa", sequence.toString());
        await().atMost(Duration.ofSeconds(5)).until(() -> accepted().equals(List.of(10, 2, 2)));
    }

    @Test
    void powerOfTwoChoicesAndLatencyAwareServeThroughThePool() {
        for (var strategy : List.of(Strategies.powerOfTwoChoices(), Strategies.latencyAware())) {
            try (WebSocketPool p = builder("p2c-" + strategy).pooling(true).maxConnections(6).strategy(strategy).build()) {
                List<PooledConnection> leases = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    leases.add(p.acquire());
                }
                Map<Integer, Integer> perServer = new HashMap<>();
                leases.forEach(l -> perServer.merge(serverIndex(l), 1, Integer::sum));
                assertTrue(perServer.size() >= 2, strategy + " spread leases: " + perServer);
                leases.forEach(PooledConnection::close);
            }
        }
    }

    @Test
    void aDrainedEndpointReceivesNothingNewAndClosesWhenItsLeasesReturn() throws Exception {
        pool = builder("drain").pooling(true).minConnections(3).maxConnections(6).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 3);
        PooledConnection onB = null;
        List<PooledConnection> others = new ArrayList<>();
        while (onB == null) {
            PooledConnection c = pool.acquire();
            if (serverIndex(c) == 1) {
                onB = c;
            } else {
                others.add(c);
            }
        }
        others.forEach(PooledConnection::close);
        CompletableFuture<Void> removed = pool.control().removeEndpoint(uri(1), Duration.ofSeconds(30));
        assertEquals(List.of(uri(0), uri(1), uri(2)),
                pool.control().endpoints().stream().map(e -> e.uri()).collect(Collectors.toList()),
                "still listed while its lease is out");
        int acceptedByB = servers.get(1).acceptedConnections();
        for (int i = 0; i < 30; i++) {
            try (PooledConnection c = pool.acquire()) {
                assertNotEquals(1, serverIndex(c), "a draining endpoint gets no new lease");
            }
        }
        onB.send("finishing up"); // the existing lease keeps working
        assertTrue(!removed.isDone());
        onB.close();
        removed.get(5, TimeUnit.SECONDS);
        assertEquals(List.of(uri(0), uri(2)),
                pool.control().endpoints().stream().map(e -> e.uri()).collect(Collectors.toList()));
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(1).openConnections() == 0);
        assertEquals(acceptedByB, servers.get(1).acceptedConnections(), "no new connection to the drained endpoint");
        assertThrows(IllegalArgumentException.class, () -> pool.control().removeEndpoint(uri(1), Duration.ZERO));
    }

    @Test
    void aDrainForcesLeasedConnectionsClosedAfterItsTimeout() throws Exception {
        pool = builder("drain-force").pooling(true).build();
        PooledConnection c = pool.acquire();
        int index = serverIndex(c);
        pool.control().removeEndpoint(uri(index), Duration.ofMillis(200)).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(index).openConnections() == 0);
        c.close();
    }

    @Test
    void theLastEndpointCannotBeRemoved() {
        pool = pools().name("last").endpoint(uri(0)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pool.control().removeEndpoint(uri(0), Duration.ZERO));
        assertTrue(e.getMessage().contains("last endpoint"), e.getMessage());
    }

    @Test
    void anAddedEndpointGetsItsShareAtOnce() {
        pool = pools().name("add").endpoint(uri(0)).endpoint(uri(1)).pooling(true)
                .minConnections(2).maxConnections(6).strategy(Strategies.roundRobin()).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 2);
        pool.control().addEndpoint(uri(2), 1);
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            try (PooledConnection c = pool.acquire()) {
                used.add(serverIndex(c));
            }
        }
        assertEquals(Set.of(0, 1, 2), used, "round-robin reached the new endpoint without waiting for expiries");
        assertTrue(servers.get(2).acceptedConnections() >= 1);
        assertThrows(IllegalArgumentException.class, () -> pool.control().addEndpoint(uri(2), 1), "duplicate");
        assertThrows(IllegalArgumentException.class,
                () -> pool.control().addEndpoint(URI.create("http://127.0.0.1:1/"), 1));
    }

    @Test
    void weightChangesApplyToTheNextPicks() {
        pool = pools().name("reweight").endpoint(uri(0)).endpoint(uri(1))
                .strategy(Strategies.weighted()).build();
        pool.control().updateWeight(uri(1), 3);
        int[] counts = new int[3];
        for (int i = 0; i < 8; i++) {
            try (PooledConnection c = pool.acquire()) {
                counts[serverIndex(c)]++;
            }
        }
        assertEquals(2, counts[0]);
        assertEquals(6, counts[1]);
        assertEquals(3, pool.control().endpoints().get(1).weight());
        assertThrows(IllegalArgumentException.class, () -> pool.control().updateWeight(uri(1), 0));
        assertThrows(IllegalArgumentException.class, () -> pool.control().updateWeight(uri(2), 1),
                "not an endpoint of the pool");
    }

    @Test
    void maxConnectionsPerEndpointCapsEachEndpoint() {
        pool = pools().name("cap").endpoint(uri(0)).endpoint(uri(1)).pooling(true)
                .maxConnections(10).maxConnectionsPerEndpoint(2).build();
        List<PooledConnection> leases = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            leases.add(pool.acquire());
        }
        assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofMillis(200)),
                "both endpoints at their cap of 2, though the pool allows 10");
        assertEquals(List.of(2, 2, 0), accepted());
        leases.forEach(PooledConnection::close);
    }

    @Test
    void affinityKeysStickToTheirEndpointAndReHomeWhenItLeaves() throws Exception {
        pool = builder("sticky").pooling(true).maxConnections(6).build();
        Map<String, Integer> home = new HashMap<>();
        for (String key : List.of("alice", "bob", "carol", "dave", "erin", "frank")) {
            try (PooledConnection c = pool.acquire(key)) {
                home.put(key, serverIndex(c));
            }
        }
        assertTrue(new HashSet<>(home.values()).size() >= 2, "keys spread over endpoints: " + home);
        for (int round = 0; round < 5; round++) {
            for (Map.Entry<String, Integer> e : home.entrySet()) {
                try (PooledConnection c = pool.acquire(e.getKey(), Duration.ofSeconds(5))) {
                    assertEquals(e.getValue(), serverIndex(c), "key " + e.getKey() + " stays on its endpoint");
                }
            }
        }
        String moved = home.keySet().iterator().next();
        int oldHome = home.get(moved);
        pool.control().removeEndpoint(uri(oldHome), Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
        try (PooledConnection c = pool.acquire(moved)) {
            int newHome = serverIndex(c);
            assertNotEquals(oldHome, newHome, "re-homed once its endpoint left");
            for (int i = 0; i < 3; i++) {
                try (PooledConnection again = pool.acquire(moved + "-other")) {
                    assertNotEquals(oldHome, serverIndex(again));
                }
            }
        }
    }

    @Test
    void aStickyCallerWaitsForAConnectionOfItsOwnEndpoint() throws Exception {
        pool = builder("sticky-wait").pooling(true).maxConnections(3).maxConnectionsPerEndpoint(1).build();
        PooledConnection held = pool.acquire("k");
        int home = serverIndex(held);
        List<PooledConnection> fill = new ArrayList<>();
        fill.add(pool.acquire());
        fill.add(pool.acquire());
        fill.forEach(PooledConnection::close); // two other endpoints now have idle connections
        CompletableFuture<Integer> sticky = CompletableFuture.supplyAsync(() -> {
            try (PooledConnection c = pool.acquire("k", Duration.ofSeconds(10))) {
                return serverIndex(c);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().pending() == 1);
        assertTrue(!sticky.isDone(), "idle connections of other endpoints do not serve the key");
        held.close();
        assertEquals(home, sticky.get(5, TimeUnit.SECONDS));
    }
}

package io.github.wspool.core.internal;

import static io.github.wspool.ConnectionState.ACTIVE;
import static io.github.wspool.ConnectionState.IDLE;
import static io.github.wspool.ConnectionState.READY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.PoolReconfiguration;
import io.github.wspool.PooledConnection;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.event.RecycleReason;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every expiry rule, driven by a fake ticker: no sleeping. */
class HousekeepingTest {

    private static EngineHarness pooled(int min, int max) {
        return new EngineHarness(b -> b.pooling(true).minConnections(min).maxConnections(max)
                .idleAfter(Duration.ofSeconds(10)).idleTimeout(Duration.ofSeconds(60))
                .maxLifetime(Duration.ofMinutes(30)).healthCheckInterval(Duration.ofSeconds(30)));
    }

    /**
     * A pass looks at every connection, and work asks for one often (each opening connection, each keepalive due): in a
     * pool of 1,500 a requested pass waits 2 µs per connection (3 ms) after the last one instead of running at once;
     * below 1,000 connections it runs at once, as before.
     */
    @Test
    void aLargePoolKeepsRequestedPassesApartByItsSize() {
        assertEquals(0, requestedPassWaits(999));
        assertEquals(Duration.ofMillis(3).toNanos(), requestedPassWaits(1_500));
    }

    private static long requestedPassWaits(int connections) {
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(connections)
                .maxConnections(connections).idleAfter(Duration.ofSeconds(10)).healthCheckInterval(Duration.ZERO))) {
            assertEquals(connections, h.pool.stats().total());
            h.maintain(); // a pass now, over all of them; the next periodic one is due when they turn idle (10 s)
            assertTrue(h.scheduler.nextDueIn() >= Duration.ofMillis(3).toNanos(), "nothing due before the request");
            h.pool.control().reconfigure(PoolReconfiguration.builder().idleTimeout(Duration.ofMinutes(2)).build());
            long wait = h.scheduler.nextDueIn(); // the pass the reconfiguration asked for
            h.ticker.advance(Duration.ofNanos(wait));
            assertTrue(h.scheduler.runDue() > 0, "the requested pass runs once its wait is over");
            return wait;
        }
    }

    @Test
    void buildOpensMinConnectionsInTheBackground() {
        try (EngineHarness h = pooled(2, 4)) {
            assertEquals(2, h.pool.stats().count(READY));
            assertEquals(2, h.transport.connectAttempts());
        }
    }

    @Test
    void readyBecomesIdleAfterIdleAfter() {
        try (EngineHarness h = pooled(2, 4)) {
            h.ticker.advance(Duration.ofSeconds(9));
            h.maintain();
            assertEquals(2, h.pool.stats().count(READY));
            h.ticker.advance(Duration.ofSeconds(1));
            h.maintain();
            assertEquals(2, h.pool.stats().count(IDLE));
            assertEquals(0, h.pool.stats().count(READY));
        }
    }

    @Test
    void acquiringAnIdleConnectionIsActivity() {
        try (EngineHarness h = pooled(1, 1)) {
            h.ticker.advance(Duration.ofSeconds(10));
            h.maintain();
            assertEquals(1, h.pool.stats().count(IDLE));
            try (PooledConnection c = h.pool.acquire()) {
                assertEquals(ACTIVE, c.state());
            }
            assertEquals(1, h.pool.stats().count(READY), "released after use: READY again, not IDLE");
        }
    }

    @Test
    void idleConnectionsAboveMinAreRecycledAfterIdleTimeoutButNeverBelowMin() {
        try (EngineHarness h = pooled(2, 4)) {
            List<PooledConnection> leases = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                leases.add(h.pool.acquire());
            }
            assertEquals(4, h.pool.stats().total());
            leases.forEach(PooledConnection::close);
            h.maintain(); // the sweep that sees the releases: idle time counts from here
            h.ticker.advance(Duration.ofSeconds(59));
            h.maintain();
            assertEquals(4, h.pool.stats().total(), "not yet idle for idleTimeout");
            h.ticker.advance(Duration.ofSeconds(1));
            h.maintain();
            assertEquals(2, h.pool.stats().total(), "evicted down to minConnections");
            assertEquals(2, h.recycledFor(RecycleReason.IDLE));
            h.ticker.advance(Duration.ofMinutes(5));
            h.maintain();
            assertEquals(2, h.pool.stats().total(), "never below minConnections");
            assertEquals(2, h.recycledFor(RecycleReason.IDLE));
        }
    }

    @Test
    void idleTimeCountsFromTheFirstSweepAfterTheLastUseNeverFromBefore() {
        try (EngineHarness h = pooled(1, 1)) {
            h.pool.acquire().close(); // released without a clock read: only the used flag goes up
            h.ticker.advance(Duration.ofSeconds(9));
            h.maintain(); // sees the flag: last use = now
            h.ticker.advance(Duration.ofSeconds(9));
            h.maintain();
            assertEquals(1, h.pool.stats().count(READY), "9 s since the sweep that saw the use: not idle yet");
            h.ticker.advance(Duration.ofSeconds(1));
            h.maintain();
            assertEquals(1, h.pool.stats().count(IDLE), "idleAfter (10 s) since the sweep that saw the use");
        }
    }

    @Test
    void aConnectionInUseAtEverySweepNeverBecomesIdle() {
        try (EngineHarness h = pooled(1, 1)) {
            for (int i = 0; i < 12; i++) {
                h.pool.acquire().close();
                h.ticker.advance(Duration.ofSeconds(5));
                h.maintain();
                assertEquals(1, h.pool.stats().count(READY), "used before every sweep, at " + (5 * i + 5) + " s");
            }
        }
    }

    @Test
    void connectionsPastMaxLifetimeAreReplacedWithJitterBoundedAt2point5Percent() {
        try (EngineHarness h = pooled(2, 4)) {
            Set<String> before = connectionIds(h);
            // earliest possible expiry: 30 min minus 2.5% = 29 min 15 s
            h.ticker.advance(Duration.ofMinutes(29).plusSeconds(14));
            h.maintain();
            assertEquals(0, h.recycledFor(RecycleReason.LIFETIME));
            // keep them from being evicted as idle first: idleTimeout is far below; min = 2 protects them
            h.ticker.advance(Duration.ofSeconds(46)); // now 30 min
            h.maintain();
            assertEquals(2, h.recycledFor(RecycleReason.LIFETIME));
            assertEquals(2, h.pool.stats().total(), "replenished to minConnections");
            Set<String> after = connectionIds(h);
            assertTrue(after.stream().noneMatch(before::contains), "new connections replaced the old: " + after);
        }
    }

    @Test
    void aLeasedConnectionPastMaxLifetimeIsRecycledOnRelease() {
        try (EngineHarness h = pooled(1, 1)) {
            PooledConnection lease = h.pool.acquire();
            h.ticker.advance(Duration.ofMinutes(31));
            h.maintain();
            assertEquals(ACTIVE, lease.state(), "a leased connection is never taken from its holder");
            assertEquals(0, h.recycledFor(RecycleReason.LIFETIME));
            lease.close();
            assertEquals(1, h.recycledFor(RecycleReason.LIFETIME));
            h.maintain();
            assertEquals(1, h.pool.stats().count(READY), "replaced to keep minConnections");
        }
    }

    @Test
    void housekeepingWakesWhenALeasedConnectionsLifetimeEndsSoItsReleaseRecyclesIt() {
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(1).maxConnections(1)
                .maxLifetime(Duration.ofSeconds(2)).healthCheckInterval(Duration.ZERO))) {
            PooledConnection lease = h.pool.acquire();
            long delay = h.maintain();
            assertTrue(delay <= Duration.ofSeconds(2).toNanos(), "next pass at the leased connection's lifetime end,"
                    + " not later: " + delay);
            assertTrue(delay >= Duration.ofMillis(1950).toNanos(), "not before it (2.5% jitter at most): " + delay);
            h.ticker.advance(Duration.ofNanos(delay));
            h.maintain();
            assertEquals(ACTIVE, lease.state(), "a leased connection is never taken from its holder");
            lease.close();
            assertEquals(1, h.recycledFor(RecycleReason.LIFETIME), "recycled on release, no clock read needed");
        }
    }

    @Test
    void keepalivePingsEveryOpenConnectionOnceDue() {
        try (EngineHarness h = pooled(2, 2)) {
            h.ticker.advance(Duration.ofSeconds(26)); // first ping is due between 27 s and 30 s (10% jitter)
            h.maintain();
            assertEquals(0, totalPings(h));
            h.ticker.advance(Duration.ofSeconds(4));
            h.maintain();
            assertEquals(2, totalPings(h));
            h.maintain();
            assertEquals(2, totalPings(h), "not again until the next interval");
            h.ticker.advance(Duration.ofSeconds(30));
            h.maintain();
            assertEquals(4, totalPings(h));
        }
    }

    @Test
    void failedConnectsBackOffExponentiallyThenRecover() {
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(1).maxConnections(2)
                .ejectAfterConnectFailures(100) // this test is about the backoff before any ejection
                .reconnectBackoff(Duration.ofMillis(250), Duration.ofSeconds(1)))) {
            // harness opened the first connection already; once established, drop it and make the server unreachable
            h.provedThemselves();
            h.transport.failConnects(new ConnectException("Connection refused"));
            h.transport.openConnections().get(0).peerClose(1011, "restart");
            int attempts = h.transport.connectAttempts();
            h.maintain();
            assertEquals(attempts + 1, h.transport.connectAttempts(), "first reconnect at once");
            // jitter is the bound itself in this harness: 250 ms, 500 ms, 1 s, 1 s (cap)
            long[] waits = {250, 500, 1000, 1000};
            for (long wait : waits) {
                int n = h.transport.connectAttempts();
                h.ticker.advance(Duration.ofMillis(wait - 1));
                h.maintain();
                assertEquals(n, h.transport.connectAttempts(), "no attempt before the " + wait + " ms backoff");
                h.ticker.advance(Duration.ofMillis(1));
                h.maintain();
                assertEquals(n + 1, h.transport.connectAttempts(), "attempt once the " + wait + " ms backoff passed");
            }
            h.transport.failConnects(null);
            h.ticker.advance(Duration.ofSeconds(1));
            h.maintain();
            assertEquals(1, h.pool.stats().count(READY), "minConnections restored once the server is back");
        }
    }

    @Test
    void concurrentConnectsAreCappedPerEndpointAndPerPool() {
        InMemoryTransport manual = new InMemoryTransport().manualOpen(true);
        FakeTicker ticker = new FakeTicker();
        ManualScheduler scheduler = new ManualScheduler(ticker);
        DefaultWebSocketPool pool = DefaultWebSocketPool.start(io.github.wspool.core.BuilderAccess.config(
                io.github.wspool.core.WebSocketPools.builder().name("caps").endpoint("ws://127.0.0.1:1/")
                        .endpoint("ws://127.0.0.1:2/").pooling(true).minConnections(20).maxConnections(20)
                        .maxConcurrentConnects(3, 5).ticker(ticker).transport(manual)), scheduler, b -> b);
        try {
            scheduler.runDue();
            int rounds = 0;
            while (pool.stats().idle() < 20 && rounds++ < 20) {
                long inFlight = manual.connections().stream().filter(c -> !c.isOpen() && !c.isFinished()).count();
                assertTrue(inFlight <= 5, "at most 5 connects in flight, was " + inFlight);
                java.util.Map<String, Long> perEndpoint = manual.connections().stream()
                        .filter(c -> !c.isOpen() && !c.isFinished())
                        .collect(java.util.stream.Collectors.groupingBy(c -> c.uri().toString(),
                                java.util.stream.Collectors.counting()));
                perEndpoint.values().forEach(n -> assertTrue(n <= 3, "at most 3 per endpoint: " + perEndpoint));
                manual.openPending();
                scheduler.runDue();
                pool.maintain(ticker.read());
            }
            assertEquals(20, pool.stats().idle(), "all opened in rounds of at most 5");
            assertTrue(rounds >= 4, "20 connects at 5 at a time take at least 4 rounds, took " + rounds);
            assertEquals(java.util.List.of(10, 10), pool.stats().endpoints().stream()
                    .map(io.github.wspool.EndpointSnapshot::open).collect(java.util.stream.Collectors.toList()));
        } finally {
            pool.close();
        }
    }

    @Test
    void maintainReturnsTheDelayToItsNextDueWork() {
        try (EngineHarness h = pooled(1, 1)) {
            long delay = h.maintain();
            assertTrue(delay <= Duration.ofSeconds(10).toNanos(), "READY->IDLE due within idleAfter: " + delay);
            assertTrue(delay > 0);
        }
    }

    @Test
    void closeRecyclesEverythingWithShutdownAndClosesTheTransport() {
        EngineHarness h = pooled(3, 3);
        h.close();
        assertEquals(3, h.recycledFor(RecycleReason.SHUTDOWN));
        assertEquals(0, h.pool.stats().total());
        assertTrue(h.transport.connections().stream().allMatch(InMemoryTransport.Connection::isFinished));
        assertTrue(h.transport.connections().stream().allMatch(c -> c.closeCode() == 1001), "going away");
    }

    private static Set<String> connectionIds(EngineHarness h) {
        List<PooledConnection> leases = new ArrayList<>();
        try {
            for (int i = 0; i < h.pool.stats().idle(); i++) {
                leases.add(h.pool.acquire(Duration.ZERO));
            }
            return leases.stream().map(PooledConnection::id).collect(Collectors.toSet());
        } finally {
            leases.forEach(PooledConnection::close);
        }
    }

    private static long totalPings(EngineHarness h) {
        return h.transport.connections().stream().mapToLong(InMemoryTransport.Connection::pingCount).sum();
    }
}

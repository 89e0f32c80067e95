package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PoolException;
import io.github.wspool.PoolListener;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.EndpointHealthEvent;
import io.github.wspool.event.PongEvent;
import io.github.wspool.strategy.Strategies;
import io.github.wspool.testkit.FaultProxy;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real faults between the pool and a real server, through a TCP proxy on loopback: a blackholed route and a server
 * killed under load. Bounded in time; after each scenario nothing of the pool is left.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultInjectionTest {

    private TestWebSocketServer direct;
    private TestWebSocketServer behindProxy;
    private FaultProxy proxy;
    private WebSocketPool pool;

    /** A builder on the transport under test: the default here, the thread-per-connection one in a subclass. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    @BeforeEach
    void start() {
        direct = TestWebSocketServer.start();
        behindProxy = TestWebSocketServer.start();
        proxy = FaultProxy.to(behindProxy.port());
    }

    @AfterEach
    void stop() {
        String name = pool == null ? null : pool.name();
        if (pool != null) {
            pool.close();
            assertEquals(0, pool.stats().total(), "nothing of the pool left open");
            assertEquals(0, pool.stats().active(), "nothing leased");
            assertEquals(List.of(), PoolIntegrationTest.poolThreads(name), "no pool thread");
            await().atMost(Duration.ofSeconds(5)).until(() -> direct.openConnections() == 0
                    && behindProxy.openConnections() == 0); // no socket left open at the servers
        }
        proxy.close();
        direct.stop();
        behindProxy.stop();
    }

    private EndpointSnapshot proxied() {
        return pool.stats().endpoints().get(1);
    }

    private URI proxiedUri() {
        return proxy.uri("/feed");
    }

    @Test
    void aBlackholedEndpointLeavesRotationWithinIntervalPlusPongTimeoutAndComesBack() {
        long interval = 300;
        long pongTimeout = 300;
        // The healthy endpoint's keepalive rounds are the clock here, not the wall: the same housekeeper sends their
        // pings and judges the silent endpoint's pongs, so a busy machine slows both alike.
        Map<String, AtomicInteger> directPongs = new ConcurrentHashMap<>();
        AtomicReference<Map<String, Integer>> pongsAtEjection = new AtomicReference<>();
        AtomicReference<Throwable> ejectedFor = new AtomicReference<>();
        PoolListener rounds = new PoolListener() {
            @Override
            public void onPong(PongEvent event) {
                if (event.endpoint().uri().equals(direct.uri("/feed"))) {
                    directPongs.computeIfAbsent(event.connectionId(), id -> new AtomicInteger()).incrementAndGet();
                }
            }

            @Override
            public void onEndpointHealthChange(EndpointHealthEvent event) {
                if (!event.healthy() && event.endpoint().uri().equals(proxiedUri())
                        && ejectedFor.compareAndSet(null, event.cause())) {
                    pongsAtEjection.set(counts(directPongs));
                }
            }
        };
        pool = pools().name("blackhole").endpoint(direct.uri("/feed")).endpoint(proxiedUri())
                .pooling(true).minConnections(4).maxConnections(8).strategy(Strategies.roundRobin())
                .healthCheckInterval(Duration.ofMillis(interval)).pongTimeout(Duration.ofMillis(pongTimeout))
                .connectTimeout(Duration.ofMillis(500)).reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .listener(rounds).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 4 && proxied().open() == 2);

        Map<String, Integer> pongsBefore = counts(directPongs);
        proxy.mode(FaultProxy.Mode.BLACKHOLE);
        await().atMost(Duration.ofSeconds(30)).until(() -> !proxied().healthy() && pongsAtEjection.get() != null);
        assertTrue(String.valueOf(ejectedFor.get()).contains("stopped answering pings"),
                "ejected by the keepalive: " + ejectedFor.get());
        // Out of rotation within interval + pongTimeout: the silent endpoint's next ping at most one interval away,
        // its pong overdue one pongTimeout (= interval) later. Meanwhile each connection of the healthy endpoint
        // completes two or three round trips (pings come every 0.9 to 1 interval), four with the one in flight;
        // six allow for a pass that did both at once. A pong timeout not enforced, or an ejection left to something
        // slower (the connect breaker), takes many more.
        Map<String, Integer> pongsAtOut = pongsAtEjection.get();
        int mostRounds = pongsAtOut.entrySet().stream()
                .mapToInt(e -> e.getValue() - pongsBefore.getOrDefault(e.getKey(), 0)).max().orElse(0);
        assertTrue(mostRounds <= 6, "out of rotation within about two keepalive rounds of the other endpoint, took "
                + mostRounds + ": " + pongsBefore + " -> " + pongsAtOut);

        // the clock runs: the healthy endpoint's pongs are being counted (with no count at all, the bound above
        // would hold for nothing)
        await().atMost(Duration.ofSeconds(10)).until(() -> directPongs.values().stream().mapToInt(AtomicInteger::get)
                .max().orElse(0) > mostRounds);

        for (int i = 0; i < 20; i++) {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(10))) {
                assertEquals(direct.uri("/feed"), c.endpoint().uri(), "no lease on the silent endpoint");
            }
        }

        proxy.mode(FaultProxy.Mode.FORWARD);
        await().atMost(Duration.ofSeconds(10)).until(() -> proxied().healthy());
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(1))) {
                assertEquals(proxiedUri(), c.endpoint().uri(), "round-robin reaches it again");
            }
        });
    }

    private static Map<String, Integer> counts(Map<String, AtomicInteger> counters) {
        Map<String, Integer> copy = new HashMap<>();
        counters.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    @Test
    void anEndpointKilledUnderLoadCostsNoAcquireAndIsUsedAgainAfterItsRestart() throws Exception {
        pool = pools().name("kill").endpoint(direct.uri("/feed")).endpoint(proxiedUri())
                .pooling(true).minConnections(4).maxConnections(8).strategy(Strategies.roundRobin())
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(300))
                // while one endpoint is down the load may fill all 8 slots on the other; idle ones above the minimum
                // are closed after idleTimeout, which makes room on the restarted endpoint (no sooner: the pool does
                // not close busy-endpoint connections to rebalance)
                .idleAfter(Duration.ofMillis(200)).idleTimeout(Duration.ofMillis(300))
                // the default breaker's wait between probes grows from 1 s to 30 s with every failed probe, so how
                // soon the restart is seen would depend on how many probes the kill cost; a fixed wait does not
                .endpointBreakerConfig(CircuitBreakerConfig.custom()
                        .slidingWindow(10, 2, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .failureRateThreshold(50).permittedNumberOfCallsInHalfOpenState(1)
                        .waitDurationInOpenState(Duration.ofMillis(200)).writableStackTraceEnabled(false).build())
                .build();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 4);

        List<Throwable> failedAcquires = new CopyOnWriteArrayList<>();
        List<String> failedSends = new CopyOnWriteArrayList<>(); // "<connection id> <endpoint>"
        Map<URI, AtomicLong> served = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            workers.add(load.submit(() -> {
                while (!stop.get()) {
                    PooledConnection c;
                    try {
                        // generous: the promise is that no acquire fails, not how fast a busy machine serves it
                        c = pool.acquire(Duration.ofSeconds(10));
                    } catch (PoolException e) {
                        failedAcquires.add(e);
                        continue;
                    }
                    try (c) {
                        c.send("work");
                        served.computeIfAbsent(c.endpoint().uri(), u -> new AtomicLong()).incrementAndGet();
                    } catch (PoolException e) {
                        failedSends.add(c.id() + " " + c.endpoint().uri()); // a connection that died under its holder
                    }
                }
                return null;
            }));
        }
        try {
            // the load runs on both endpoints first
            await().atMost(Duration.ofSeconds(20)).until(() -> servedOn(served, direct.uri("/feed")) >= 100
                    && servedOn(served, proxiedUri()) >= 100);
            proxy.mode(FaultProxy.Mode.REFUSE);
            int killed = proxy.resetAll();
            long servedAtKill = servedOn(served, direct.uri("/feed")) + servedOn(served, proxiedUri());
            // The pool noticed: the killed endpoint's connections are gone and connecting to it fails. (Whether it is
            // also ejected depends on how many of its connects succeeded before: the breaker judges a failure rate
            // over its last 10 connects, and with four open on the other endpoint there may be no demand for more
            // attempts.) Meanwhile, and for a while after, the load goes on.
            await().atMost(Duration.ofSeconds(10)).alias("the killed endpoint is known to fail: " + proxied())
                    .until(() -> proxied().open() == 0 && proxied().lastFailure() != null);
            long servedAtNoticed = servedOn(served, direct.uri("/feed"));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> servedOn(served, direct.uri("/feed")) >= servedAtNoticed + 200);
            stop.set(true);
            for (Future<?> w : workers) {
                w.get(30, TimeUnit.SECONDS);
            }

            assertEquals(List.of(), failedAcquires, "no acquire failed while an endpoint was healthy (served "
                    + served + ", " + servedAtKill + " of them before the kill)");
            // Sends: only a lease taken on a killed connection before the pool saw it die can fail its send (which
            // marks the connection broken: it is not leased again). So every failed send was on the killed endpoint,
            // each on a different connection, and no more of them than the kill reset. None is also fine: the reset
            // may have found no lease on that endpoint between its acquire and its send.
            Set<String> failedOn = new HashSet<>();
            for (String f : failedSends) {
                String[] idAndEndpoint = f.split(" ");
                assertEquals(proxiedUri().toString(), idAndEndpoint[1], "a send failed on the healthy endpoint: "
                        + failedSends);
                assertTrue(failedOn.add(idAndEndpoint[0]), "two sends failed on one connection: " + failedSends);
            }
            assertTrue(failedSends.size() <= killed, failedSends.size() + " sends failed, more than the " + killed
                    + " connections the kill reset: " + failedSends);
        } finally {
            stop.set(true);
            load.shutdown();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().endpoints().get(0).open() >= 4);

        proxy.mode(FaultProxy.Mode.FORWARD); // the server is back on the same port
        await().atMost(Duration.ofSeconds(10)).until(() -> proxied().healthy());
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(1))) {
                assertEquals(proxiedUri(), c.endpoint().uri(), () -> pool.stats().describe());
            }
        });
    }

    private static long servedOn(Map<URI, AtomicLong> served, URI endpoint) {
        AtomicLong n = served.get(endpoint);
        return n == null ? 0 : n.get();
    }
}

package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PoolException;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.strategy.Strategies;
import io.github.wspool.testkit.FaultProxy;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
        pool = pools().name("blackhole").endpoint(direct.uri("/feed")).endpoint(proxiedUri())
                .pooling(true).minConnections(4).maxConnections(8).strategy(Strategies.roundRobin())
                .healthCheckInterval(Duration.ofMillis(interval)).pongTimeout(Duration.ofMillis(pongTimeout))
                .connectTimeout(Duration.ofMillis(500)).reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .build();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 4 && proxied().open() == 2);

        proxy.mode(FaultProxy.Mode.BLACKHOLE);
        long blackholedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> !proxied().healthy());
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - blackholedAt);
        assertTrue(tookMillis <= interval + pongTimeout + 1_200, "out of rotation in " + tookMillis + " ms (bound:"
                + " interval + pongTimeout + scheduling slack)");

        for (int i = 0; i < 20; i++) {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(1))) {
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

        AtomicInteger failedAcquires = new AtomicInteger();
        AtomicInteger failedSends = new AtomicInteger();
        AtomicLong served = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            workers.add(load.submit(() -> {
                while (System.nanoTime() < end) {
                    PooledConnection c;
                    try {
                        c = pool.acquire(Duration.ofSeconds(1));
                    } catch (PoolException e) {
                        failedAcquires.incrementAndGet();
                        continue;
                    }
                    try (c) {
                        c.send("work");
                        served.incrementAndGet();
                    } catch (PoolException e) {
                        failedSends.incrementAndGet(); // a connection that died under its holder
                    }
                }
                return null;
            }));
        }
        TimeUnit.MILLISECONDS.sleep(1_000); // let load run on both endpoints first (not an assertion's wait)
        proxy.mode(FaultProxy.Mode.REFUSE);
        proxy.resetAll();
        for (Future<?> w : workers) {
            w.get(20, TimeUnit.SECONDS);
        }
        load.shutdown();

        assertEquals(0, failedAcquires.get(), "callers with a 1 s timeout never failed while an endpoint was healthy"
                + " (served " + served.get() + ", sends that hit a dying connection " + failedSends.get() + ")");
        assertTrue(served.get() > 100, "the load ran: " + served.get());
        // The pool noticed: the killed endpoint's connections are gone and connecting to it fails. (Whether it is
        // also ejected depends on how many of its connects succeeded before: the breaker judges a failure rate over
        // its last 10 connects, and with four open on the other endpoint there may be no demand for more attempts.)
        await().atMost(Duration.ofSeconds(5)).alias("the killed endpoint is known to fail: " + proxied())
                .until(() -> proxied().open() == 0 && proxied().lastFailure() != null);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().endpoints().get(0).open() >= 4);

        proxy.mode(FaultProxy.Mode.FORWARD); // the server is back on the same port
        await().atMost(Duration.ofSeconds(10)).until(() -> proxied().healthy());
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(1))) {
                assertEquals(proxiedUri(), c.endpoint().uri(), () -> pool.stats().describe());
            }
        });
    }
}

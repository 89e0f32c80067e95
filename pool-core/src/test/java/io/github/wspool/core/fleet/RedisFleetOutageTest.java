package io.github.wspool.core.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.strategy.Strategies;
import io.github.wspool.testkit.TestWebSocketServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis killed under load: no acquire fails, both pools say they are degraded in {@code health()}, and once
 * {@code redis-server} is back on the same port (empty) everything is published again and the fleet's counts are right
 * within a few seconds.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisFleetOutageTest extends ClosingTest {

    private static boolean saysDegraded(WebSocketPool pool) {
        return pool.control().health().reasons().stream().anyMatch(r -> r.contains("fleet mode degraded"));
    }

    @Test
    void redisDiesUnderLoadAndComesBack() throws Exception {
        TestRedis redis = closing(TestRedis.start());
        List<TestWebSocketServer> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            servers.add(closing(TestWebSocketServer.start()));
        }
        RedisFleetOptions options = RedisFleetRegistryTest.fast().commandTimeout(Duration.ofMillis(300));
        List<RedisFleet> fleets = new ArrayList<>();
        List<WebSocketPool> pools = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            RedisFleet fleet = closing(RedisFleet.connect(redis.uri(), options));
            var b = WebSocketPools.builder().name("outage-" + i).fleet(fleet)
                    .strategy(Strategies.fleetLeastConnections()).pooling(true).minConnections(3).maxConnections(6);
            servers.forEach(s -> b.endpoint(s.uri()));
            fleets.add(fleet);
            pools.add(closing(b.build()));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> countsRight(fleets.get(0), pools, servers));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            WebSocketPool pool = pools.get(t % 2);
            workers.add(load.submit(() -> {
                for (int n = 0; n < 200_000 && !stop.get(); n++) { // bounded; stopped by the test long before
                    try (PooledConnection c = pool.acquire()) {
                        c.send("ping " + n);
                        ok.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
            }));
        }
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> ok.get() > 1_000);
            redis.stopServer();
            await().atMost(Duration.ofSeconds(5)).until(() -> fleets.stream().allMatch(RedisFleet::degraded));
            await().atMost(Duration.ofSeconds(3)).until(() -> pools.stream().allMatch(RedisFleetOutageTest::saysDegraded));
            int during = ok.get();
            await().atMost(Duration.ofSeconds(5)).until(() -> ok.get() > during + 1_000); // serving on local state

            redis.startServer(); // same port, empty
            await().atMost(Duration.ofSeconds(10)).until(() -> fleets.stream().noneMatch(RedisFleet::degraded));
            await().atMost(Duration.ofSeconds(3)).until(() -> pools.stream().noneMatch(RedisFleetOutageTest::saysDegraded));
            await().atMost(Duration.ofSeconds(5)).until(() -> countsRight(fleets.get(1), pools, servers));
            Member m = fleets.get(0).member("outage-0");
            await().atMost(Duration.ofSeconds(3)).until(() -> m.lastOthers().values().stream()
                    .mapToInt(Integer::intValue).sum() == pools.get(1).stats().total()); // the other's, counted again
        } finally {
            stop.set(true);
            for (Future<?> w : workers) {
                w.get(10, TimeUnit.SECONDS);
            }
            load.shutdown();
        }
        assertEquals(List.of(), failures, "no acquire failed while Redis was down");
        assertTrue(ok.get() > 2_000, "load ran: " + ok.get());
        await().atMost(Duration.ofSeconds(3)).until(() -> countsRight(fleets.get(0), pools, servers));
    }

    /** The fleet's counts are what the pools and the servers hold (connections are stable once the load stopped). */
    private static boolean countsRight(RedisFleet fleet, List<WebSocketPool> pools, List<TestWebSocketServer> servers) {
        FleetStats s = fleet.stats();
        int total = pools.stream().mapToInt(p -> p.stats().total()).sum();
        if (s.liveInstances() != pools.size() || s.totalConnections() != total) {
            return false;
        }
        for (TestWebSocketServer server : servers) {
            Integer n = s.connectionsPerServer().get(server.uri().toString());
            if (n == null || n != server.openConnections()) {
                return false;
            }
        }
        return true;
    }
}

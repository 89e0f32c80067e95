package io.github.wspool.core.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server registry against a real redis-server: registration reaches a following pool within one reconcile, a
 * registration that stops heart-beating is drained, an explicit unregister drains at once; and the keys the fleet
 * leaves behind after a clean close all have a TTL.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisFleetRegistryTest extends ClosingTest {

    static RedisFleetOptions fast() {
        return RedisFleetOptions.defaults().heartbeatTtl(Duration.ofMillis(1500))
                .exchangePeriod(Duration.ofMillis(250));
    }

    private static Set<URI> endpoints(WebSocketPool pool) {
        return pool.control().endpoints().stream().map(EndpointSnapshot::uri).collect(Collectors.toSet());
    }

    @Test
    void aRegisteredServerIsFollowedAndDrainedWhenItStopsHeartBeating() throws Exception {
        TestRedis redis = closing(TestRedis.start());
        TestWebSocketServer a = closing(TestWebSocketServer.start());
        TestWebSocketServer b = closing(TestWebSocketServer.start());
        RedisFleet serverSide = RedisFleet.connect(redis.uri(), fast());
        RedisFleet clientSide = closing(RedisFleet.connect(redis.uri(), fast()));
        serverSide.registerServer("a", a.uri(), 1);
        WebSocketPool pool = closing(WebSocketPools.builder().name("follower")
                .endpoint(b.uri()) // the builder's own endpoint, never touched by the resolver
                .endpointResolver(clientSide.servers())
                .pooling(true).minConnections(2)
                .build());
        await().atMost(Duration.ofMillis(1500)).until(() -> endpoints(pool).contains(a.uri()));
        List<PooledConnection> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(pool.acquire()); // round-robin over both: some of them on the discovered server
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> a.openConnections() > 0);
        held.forEach(PooledConnection::close);

        long crashedAt = System.nanoTime();
        serverSide.crash(); // no unregister: the record just stops being renewed
        await().atMost(Duration.ofSeconds(8)).until(() -> !endpoints(pool).contains(a.uri()));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAt);
        assertTrue(tookMs >= 1_400, "not before its record expired: " + tookMs + " ms");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.openConnections() == 0);
        assertTrue(endpoints(pool).contains(b.uri()), "the builder's endpoint stays");
    }

    /**
     * Redis restarts empty (no persistence): every registration is gone at once. A server whose registration heartbeats
     * back within its TTL is never drained; one whose process died meanwhile is drained, but only a whole TTL after
     * Redis was back (its registration had its chance to come back).
     */
    @Test
    void aRedisThatComesBackEmptyDrainsNobodyWhoseRegistrationComesBack() throws Exception {
        TestRedis redis = closing(TestRedis.start());
        TestWebSocketServer alive = closing(TestWebSocketServer.start());
        TestWebSocketServer dead = closing(TestWebSocketServer.start());
        RedisFleet aliveSide = closing(RedisFleet.connect(redis.uri(), fast()));
        RedisFleet deadSide = RedisFleet.connect(redis.uri(), fast());
        RedisFleet clientSide = closing(RedisFleet.connect(redis.uri(), fast()));
        aliveSide.registerServer("alive", alive.uri(), 1);
        deadSide.registerServer("dead", dead.uri(), 1);
        WebSocketPool pool = closing(WebSocketPools.builder().name("empty-redis")
                .endpointResolver(clientSide.servers()).pooling(true).minConnections(2).build());
        await().atMost(Duration.ofSeconds(3)).until(() -> endpoints(pool).equals(Set.of(alive.uri(), dead.uri())));

        redis.stopServer();
        deadSide.crash(); // its server's process is gone while Redis is down: no heartbeat will come back
        await().atMost(Duration.ofSeconds(5)).until(clientSide::degraded);
        redis.startServer(); // same port, empty: no registration survived
        await().atMost(Duration.ofSeconds(10)).until(() -> !clientSide.degraded());
        long backAt = System.nanoTime();
        // within the TTL: nobody drained, and the living server's registration heart-beats back
        await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3))
                .until(() -> endpoints(pool).contains(alive.uri()) && endpoints(pool).contains(dead.uri()));
        assertEquals(1, redis.commands().exists("wspool:server:alive"), "the living server registered again");
        await().atMost(Duration.ofSeconds(6)).until(() -> !endpoints(pool).contains(dead.uri()));
        long drainedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - backAt);
        assertTrue(drainedAfterMs >= 1_400, "the dead one only after a whole TTL (1.5 s) from Redis's return: "
                + drainedAfterMs + " ms");
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> endpoints(pool).contains(alive.uri()));
    }

    @Test
    void anUnregisteredServerIsDrainedAtOnce() throws Exception {
        TestRedis redis = closing(TestRedis.start());
        TestWebSocketServer a = closing(TestWebSocketServer.start());
        TestWebSocketServer b = closing(TestWebSocketServer.start());
        RedisFleet fleet = closing(RedisFleet.connect(redis.uri(),
                fast().heartbeatTtl(Duration.ofSeconds(30)))); // the reconcile would take 30 s: pub/sub it is
        AutoCloseable ra = fleet.registerServer("a", a.uri(), 1);
        fleet.registerServer("b", b.uri(), 2);
        WebSocketPool pool = closing(WebSocketPools.builder().name("follower2").endpoint(b.uri())
                .endpointResolver(fleet.servers()).build());
        await().atMost(Duration.ofSeconds(3)).until(() -> endpoints(pool).equals(Set.of(a.uri(), b.uri())));
        ra.close();
        await().atMost(Duration.ofSeconds(3)).until(() -> endpoints(pool).equals(Set.of(b.uri())));
        ra.close(); // twice: harmless
    }

    /**
     * {@code registerServer} returns once the record is in Redis, and closing the registration once it is gone: a read
     * right after each finds it so, even though the fleet's thread was busy at the call (the write waits its turn,
     * and the caller waits for the write). A fleet connected right after starts with the server.
     */
    @Test
    void aRegistrationIsInRedisWhenRegisterServerReturnsAndGoneWhenItsCloseReturns() throws Exception {
        TestRedis redis = closing(TestRedis.start());
        TestWebSocketServer a = closing(TestWebSocketServer.start());
        RedisFleet fleet = closing(RedisFleet.connect(redis.uri(), fast()));
        String key = new Keys(fast().keyPrefix()).server("a");
        CountDownLatch never = new CountDownLatch(1);
        fleet.onFleetThread(() -> awaitQuietly(never, 300)); // the fleet's thread busy for 300 ms

        AutoCloseable registration = fleet.registerServer("a", a.uri(), 1);
        assertEquals(a.uri().toString(), fleet.direct().hget(key, "url").get(1, TimeUnit.SECONDS),
                "the record is in Redis when registerServer returns");
        RedisFleet next = closing(RedisFleet.connect(redis.uri(), fast()));
        List<Set<URI>> firstSets = new java.util.concurrent.CopyOnWriteArrayList<>();
        closing(next.servers().subscribe(targets -> firstSets.add(targets.stream()
                .map(io.github.wspool.EndpointResolver.Target::uri).collect(Collectors.toSet()))));
        assertEquals(Set.of(a.uri()), firstSets.get(0), "a fleet connected next starts with the server");

        fleet.onFleetThread(() -> awaitQuietly(never, 300));
        registration.close();
        assertEquals(0L, fleet.direct().exists(key).get(1, TimeUnit.SECONDS),
                "the record is gone when the registration's close returns");
    }

    private static void awaitQuietly(CountDownLatch latch, long millis) {
        try {
            latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void everyKeyHasATtlOrIsGoneAfterACleanClose() throws Exception {
        TestRedis redis = closing(TestRedis.start());
        TestWebSocketServer a = closing(TestWebSocketServer.start());
        RedisFleet fleet = closing(RedisFleet.connect(redis.uri(), fast()));
        fleet.registerServer("a", a.uri(), 1);
        WebSocketPool pool = closing(WebSocketPools.builder().name("ttl").endpointResolver(fleet.servers())
                .endpoint(a.uri("/other")).fleet(fleet).pooling(true).minConnections(2)
                .sessionStore(fleet.sessionStore("client-1")).build());
        fleet.sessionStore("client-1").save("ttl", "ch", 5);
        await().atMost(Duration.ofSeconds(5)).until(() -> fleet.stats().totalConnections() >= 2
                && redis.commands().exists("wspool:client:client-1:sessions") == 1); // positions are written behind
        List<String> keys = redis.commands().keys("*");
        assertTrue(keys.contains("wspool:servers"), "written: " + keys);
        assertTrue(keys.stream().anyMatch(k -> k.startsWith("wspool:conn:")), "written: " + keys);
        assertTrue(keys.contains("wspool:client:client-1:sessions"), "written: " + keys);
        for (String k : keys) {
            assertTrue(redis.commands().pttl(k) > 0, k + " has a TTL while running");
        }
        pool.close();
        fleet.close();
        List<String> left = redis.commands().keys("*");
        assertEquals(List.of("wspool:client:client-1:sessions"), left, "only the client's positions outlive it");
        assertTrue(redis.commands().pttl(left.get(0)) > 0, "with a TTL");
        assertEquals("5", redis.commands().hget(left.get(0), "ttl/ch"));
    }

    /** Threads of Lettuce (its event loops, timer) and of the fleet, by name. */
    private static Set<Thread> fleetThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("wspool-fleet") || t.getName().startsWith("lettuce"))
                .collect(Collectors.toSet());
    }

    @Test
    void closingTheFleetEndsEveryThreadItStarted() throws Exception {
        TestRedis redis = closing(TestRedis.start());
        TestWebSocketServer a = closing(TestWebSocketServer.start());
        Set<Thread> before = fleetThreads();
        RedisFleet fleet = RedisFleet.connect(redis.uri(), fast());
        fleet.registerServer("a", a.uri(), 1);
        WebSocketPool pool = WebSocketPools.builder().name("threads").endpointResolver(fleet.servers()).fleet(fleet)
                .pooling(true).minConnections(1).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> fleet.stats().totalConnections() == 1);
        Set<Thread> started = fleetThreads();
        started.removeAll(before);
        assertFalse(started.isEmpty(), "the fleet runs threads of its own while open");
        pool.close();
        fleet.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> started.stream().noneMatch(Thread::isAlive));
    }

    @Test
    void aMalformedUriIsRejectedWithItsPasswordMasked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RedisFleet.connect("nosuch://user:s3cret@host:6379/0"));
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertTrue(e.getMessage().contains("nosuch://***@host"), e.getMessage());
    }

    @Test
    void aFleetConnectedWhileRedisIsDownIsDegradedThenConnects() throws Exception {
        int port = TestRedis.freePort();
        RedisFleet fleet = closing(RedisFleet.connect("redis://:pw0rd@127.0.0.1:" + port,
                fast().commandTimeout(Duration.ofMillis(300))));
        assertTrue(fleet.degraded());
        assertFalse(fleet.degradedReason().contains("pw0rd"), fleet.degradedReason());
        assertTrue(fleet.stats().degraded());
        long failedBefore = fleet.failedExchanges();
        TestRedis redis = closing(TestRedis.startWithPassword(port, "pw0rd"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !fleet.degraded());
        TestWebSocketServer a = closing(TestWebSocketServer.start());
        fleet.registerServer("late", a.uri(), 1);
        await().atMost(Duration.ofSeconds(3)).until(() -> redis.commands().exists("wspool:server:late") == 1);
        assertEquals(failedBefore, 0, "no pool joined, so no exchange failed");
    }
}

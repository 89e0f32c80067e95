package io.github.wspool.core.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Shared health: one instance sees a server fail; another instance, which has no connection there and whose own
 * breaker never opened, stops choosing it within about one exchange (well under a probe interval), and goes back to it
 * once the first instance sees it recover.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisFleetHealthTest extends ClosingTest {

    private static EndpointSnapshot endpoint(WebSocketPool pool, URI uri) {
        return pool.control().endpoints().stream().filter(e -> e.uri().equals(uri)).findFirst().orElseThrow();
    }

    @Test
    void anotherInstanceStopsChoosingAServerOneInstanceSawFail() throws Exception {
        TestRedis redis = closing(TestRedis.start());
        TestWebSocketServer failing = closing(TestWebSocketServer.start());
        TestWebSocketServer fine = closing(TestWebSocketServer.start());
        RedisFleet fleetA = closing(RedisFleet.connect(redis.uri(), RedisFleetRegistryTest.fast()));
        RedisFleet fleetB = closing(RedisFleet.connect(redis.uri(), RedisFleetRegistryTest.fast()));
        WebSocketPool observer = closing(WebSocketPools.builder().name("observer").fleet(fleetA)
                .endpoint(failing.uri()).endpoint(fine.uri())
                .pooling(true).minConnections(4).healthCheckInterval(Duration.ofMillis(200)).maxEjectionPercent(100)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .build());
        AtomicInteger connectsToFailing = new AtomicInteger();
        WebSocketPool other = closing(WebSocketPools.builder().name("other").fleet(fleetB)
                .endpoint(failing.uri()).endpoint(fine.uri())
                .pooling(true).healthCheckInterval(Duration.ofSeconds(30))
                .listener(new PoolListener() {
                    @Override
                    public void onConnect(ConnectEvent event) {
                        if (event.endpoint().uri().equals(failing.uri())) {
                            connectsToFailing.incrementAndGet();
                        }
                    }
                })
                .build());
        // (connections older than 2 s: their loss counts against the server, not as failed connects)
        await().pollDelay(Duration.ofMillis(2_200)).atMost(Duration.ofSeconds(8))
                .until(() -> failing.openConnections() == 2 && fleetB.exchanges() >= 2);
        assertEquals(0, other.stats().total(), "the other instance has no connection yet");

        failing.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> !endpoint(observer, failing.uri()).healthy());
        long seenAt = System.nanoTime();
        Member b = fleetB.member("other");
        await().atMost(Duration.ofSeconds(3)).until(() -> b.lastSuspects().contains(failing.uri()));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - seenAt);
        assertTrue(tookMs < 1_500, "suspected within a couple of exchanges (250 ms each): " + tookMs + " ms");

        for (int i = 0; i < 10; i++) {
            try (PooledConnection c = other.acquire()) {
                assertEquals(fine.uri(), c.endpoint().uri(), "the suspected server is passed over");
            }
        }
        assertEquals(0, connectsToFailing.get(), "not even tried");
        assertTrue(endpoint(other, failing.uri()).healthy(), "its own breaker never opened");
        assertEquals("closed", endpoint(other, failing.uri()).breakerState());
    }
}

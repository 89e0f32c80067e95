package io.github.wspool.core.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.LoadBalancingStrategy;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.strategy.Strategies;
import io.github.wspool.testkit.TestWebSocketServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three instances (three pools, each with its own fleet as separate processes would have) started a second apart over
 * three servers: with {@code fleetLeastConnections()} the servers end within one connection of each other; with the
 * local {@code leastConnections()} each pool's extra connection lands where its own spread puts it, and the fleet sees
 * the skew.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisFleetBalanceTest extends ClosingTest {

    private TestRedis redis;
    private final List<TestWebSocketServer> servers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        redis = closing(TestRedis.start());
        for (int i = 0; i < 3; i++) {
            servers.add(closing(TestWebSocketServer.start()));
        }
    }

    private Map<String, Integer> startThreeInstances(Supplier<LoadBalancingStrategy> strategy) throws Exception {
        List<RedisFleet> fleets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (i > 0) {
                RedisFleet previous = fleets.get(i - 1);
                await().atMost(Duration.ofSeconds(5)).until(() -> previous.exchanges() >= 2); // it has published
                long published = previous.exchanges();
                // then ~1 s apart, as instances of a rolling start would be: four more of its 250 ms exchanges
                await().atMost(Duration.ofSeconds(10)).until(() -> previous.exchanges() >= published + 4);
            }
            RedisFleet fleet = closing(RedisFleet.connect(redis.uri(), RedisFleetRegistryTest.fast()));
            fleets.add(fleet);
            var b = WebSocketPools.builder().name("balance-" + i).fleet(fleet).strategy(strategy.get())
                    .pooling(true).minConnections(4).maxConnections(8);
            servers.forEach(s -> b.endpoint(s.uri()));
            WebSocketPool pool = closing(b.build());
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().total() == 4);
        }
        RedisFleet any = fleets.get(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> any.stats().totalConnections() == 12);
        assertEquals(3, any.stats().liveInstances());
        Map<String, Integer> perServer = new TreeMap<>(any.stats().connectionsPerServer());
        for (TestWebSocketServer s : servers) {
            assertEquals(s.openConnections(), perServer.get(s.uri().toString()),
                    "the fleet's count of " + s.uri() + " is what the server holds");
        }
        return perServer;
    }

    @Test
    void fleetLeastConnectionsSpreadsTheFleetEvenly() throws Exception {
        Map<String, Integer> perServer = startThreeInstances(Strategies::fleetLeastConnections);
        int max = Collections.max(perServer.values());
        int min = Collections.min(perServer.values());
        assertTrue(max - min <= 1, "within one of each other across the fleet: " + perServer);
    }

    @Test
    void localLeastConnectionsLeavesTheSkewOfEachPoolsOwnSpread() throws Exception {
        Map<String, Integer> perServer = startThreeInstances(Strategies::leastConnections);
        // each pool spreads its 4 as 2/1/1, and its first pick is the same endpoint (all equal, first wins)
        int max = Collections.max(perServer.values());
        int min = Collections.min(perServer.values());
        assertEquals(6, max, "every pool's extra connection on the same server: " + perServer);
        assertEquals(3, min, perServer.toString());
    }
}

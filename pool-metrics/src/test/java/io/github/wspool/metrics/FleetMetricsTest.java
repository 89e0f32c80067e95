package io.github.wspool.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.fleet.RedisFleet;
import io.github.wspool.core.fleet.RedisFleetOptions;
import io.github.wspool.testkit.TestWebSocketServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The fleet's meters on a fleet whose Redis is not there: degraded, failed exchanges counted. */
class FleetMetricsTest {

    @Test
    void degradedGaugeAndExchangeCounters() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // nothing listens there once closed
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TestWebSocketServer server = TestWebSocketServer.start();
             RedisFleet fleet = RedisFleet.connect("redis://127.0.0.1:" + port, RedisFleetOptions.defaults()
                     .commandTimeout(Duration.ofMillis(200)).exchangePeriod(Duration.ofMillis(100)));
             WebSocketPool pool = WebSocketPools.builder().name("metered").endpoint(server.uri()).fleet(fleet)
                     .build()) {
            FleetMetrics metrics = FleetMetrics.bind(fleet, registry);
            assertEquals(1.0, registry.get("wspool.fleet.degraded").gauge().value());
            assertEquals(true, pool.control().health().reasons().stream().anyMatch(r -> r.contains("fleet")));
            await().atMost(Duration.ofSeconds(3))
                    .until(() -> registry.get("wspool.fleet.exchanges.failed").functionCounter().count() >= 3);
            assertEquals(0.0, registry.get("wspool.fleet.exchanges").functionCounter().count());
            metrics.close();
            assertNull(registry.find("wspool.fleet.degraded").gauge());
        }
    }
}

package io.github.wspool.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.fleet.RedisFleet;
import io.github.wspool.core.fleet.RedisFleetOptions;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.embedded.RedisServer;

/** {@code GET /api/v1/fleet}: the fleet's stats from a real redis-server, and a 404 without a fleet. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolAdminFleetRouteTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(PoolAdminServer admin, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(admin.uri().resolve(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void servesTheFleetsStatsReadFromRedis() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("save \"\"").setting("appendonly no").build();
        redis.start();
        try (TestWebSocketServer server = TestWebSocketServer.start();
             RedisFleet fleet = RedisFleet.connect("redis://127.0.0.1:" + port,
                     RedisFleetOptions.defaults().exchangePeriod(Duration.ofMillis(200)));
             WebSocketPool pool = WebSocketPools.builder().name("fleet-admin").endpoint(server.uri("/f"))
                     .fleet(fleet).pooling(true).minConnections(3).build();
             PoolAdminServer admin = PoolAdminServer.builder(pool).fleet(fleet).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> fleet.stats().totalConnections() == 3);
            HttpResponse<String> r = get(admin, "/api/v1/fleet");
            assertEquals(200, r.statusCode(), r.body());
            Map<String, Object> body = JSON.std.mapFrom(r.body());
            assertEquals(false, body.get("degraded"));
            assertEquals(1, ((Number) body.get("liveInstances")).intValue());
            assertEquals(3, ((Number) body.get("totalConnections")).intValue());
            Map<String, Object> perServer = (Map<String, Object>) body.get("connectionsPerServer");
            assertEquals(List.of(server.uri("/f").toString()), List.copyOf(perServer.keySet()),
                    "an endpoint that is not registered is counted by its URI");
            List<Map<String, Object>> instances = (List<Map<String, Object>>) body.get("instances");
            assertEquals("fleet-admin", instances.get(0).get("pool"));
            assertTrue(((String) instances.get(0).get("id")).contains("fleet-admin"), instances.toString());
        } finally {
            redis.stop();
        }
    }

    @Test
    void withoutAFleetTheRouteSaysHowToAddOne() throws Exception {
        try (TestWebSocketServer server = TestWebSocketServer.start();
             WebSocketPool pool = WebSocketPools.builder().name("no-fleet").endpoint(server.uri("/f")).build();
             PoolAdminServer admin = PoolAdminServer.builder(pool).start()) {
            HttpResponse<String> r = get(admin, "/api/v1/fleet");
            assertEquals(404, r.statusCode(), r.body());
            assertTrue(r.body().contains("PoolAdminServer.builder(pool).fleet(fleet)"), r.body());
        }
    }
}

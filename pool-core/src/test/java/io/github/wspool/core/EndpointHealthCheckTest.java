package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.testkit.TestWebSocketServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP endpoint health check against a real HTTP server on loopback whose answer the test switches. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EndpointHealthCheckTest {

    /** A builder on the transport under test: the default here, the thread-per-connection one in a subclass. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    @Test
    void anEndpointFailingItsHealthCheckIsDrainedAndComesBackAfterPasses() throws IOException {
        Map<Integer, Integer> statusByWsPort = new ConcurrentHashMap<>();
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/health", exchange -> {
            int wsPort = Integer.parseInt(exchange.getRequestURI().getQuery().substring("port=".length()));
            exchange.sendResponseHeaders(statusByWsPort.getOrDefault(wsPort, 200), -1);
            exchange.close();
        });
        http.start();
        try (TestWebSocketServer a = TestWebSocketServer.start(); TestWebSocketServer b = TestWebSocketServer.start()) {
            URI healthBase = URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/health");
            WebSocketPool pool = pools().name("httpcheck").endpoint(a.uri()).endpoint(b.uri())
                    .pooling(true).minConnections(4).maxConnections(8)
                    .endpointHealthCheck(ws -> URI.create(healthBase + "?port=" + ws.getPort()),
                            Duration.ofMillis(100), Duration.ofSeconds(1), 2, 2)
                    .build();
            try {
                await().atMost(Duration.ofSeconds(5)).alias("2 connections each")
                        .until(() -> List.of(a.openConnections(), b.openConnections()), List.of(2, 2)::equals);

                statusByWsPort.put(b.port(), 503);
                await().atMost(Duration.ofSeconds(5)).until(() -> !pool.stats().endpoints().get(1).healthy());
                await().atMost(Duration.ofSeconds(5)).until(() -> b.openConnections() == 0);
                for (int i = 0; i < 10; i++) {
                    try (PooledConnection c = pool.acquire(Duration.ofSeconds(1))) {
                        assertEquals(a.uri(), c.endpoint().uri(), "no lease on the endpoint failing its check");
                    }
                }
                String lastFailure = String.valueOf(pool.stats().endpoints().get(1).lastFailure());
                org.junit.jupiter.api.Assertions.assertTrue(lastFailure.contains("503"), lastFailure);

                statusByWsPort.put(b.port(), 200);
                await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().endpoints().get(1).healthy());
                await().atMost(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() -> {
                    try (PooledConnection c = pool.acquire(Duration.ofSeconds(1))) {
                        assertEquals(b.uri(), c.endpoint().uri());
                    }
                });
            } finally {
                pool.close();
            }
            assertEquals(List.of(), PoolIntegrationTest.poolThreads("httpcheck"), "health thread joined on close");
        } finally {
            http.stop(0);
        }
    }
}

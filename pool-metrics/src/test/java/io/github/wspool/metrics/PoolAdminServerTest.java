package io.github.wspool.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import io.github.wspool.PoolReconfiguration;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.RefusingPort;
import io.github.wspool.testkit.TestWebSocketServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The admin server end to end: real HTTP against a running pool on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolAdminServerTest {

    private static final String TOKEN = "test-token-0123456789abcdef";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestWebSocketServer server;
    private WebSocketPool pool;
    private PoolAdminServer admin;
    private RefusingPort refusing;

    @BeforeEach
    void start() {
        server = TestWebSocketServer.start();
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (pool != null) {
            pool.close();
        }
        if (refusing != null) {
            refusing.close();
        }
        server.stop();
    }

    private WebSocketPool pool(String name) {
        pool = WebSocketPools.builder().name(name).endpoint(server.uri("/feed")).pooling(true).minConnections(1)
                .maxConnections(4).build();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 1);
        return pool;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(admin.uri().resolve(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(admin.uri().resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Object> json(HttpResponse<String> r) throws IOException {
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.toString());
        return JSON.std.mapFrom(r.body());
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Map<String, Object> m, String... path) {
        Object v = m;
        for (String p : path) {
            v = ((Map<String, Object>) v).get(p);
        }
        return (T) v;
    }

    private static void assertError(HttpResponse<String> r, int status, String... mentions) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        Map<String, Object> body = json(r);
        assertEquals(status, ((Number) body.get("status")).intValue());
        String message = (String) body.get("message");
        for (String m : mentions) {
            assertTrue(message.contains(m), "'" + message + "' should mention '" + m + "'");
        }
        assertFalse(r.body().contains(TOKEN), "the token is never echoed");
    }

    @Test
    void readRoutesServeThePoolAsJson() throws Exception {
        pool("adm-read");
        admin = PoolAdminServer.builder(pool).port(0).bearerToken(TOKEN).start();
        assertEquals("127.0.0.1", admin.address().getAddress().getHostAddress(), "loopback by default");
        assertTrue(admin.port() > 0);

        Map<String, Object> stats = json(get("/api/v1/pool/stats"));
        assertEquals("adm-read", stats.get("pool"));
        assertEquals(1, ((Number) at(stats, "connections", "total")).intValue());
        assertEquals(1, ((Number) at(stats, "connections", "byState", "READY")).intValue()
                + ((Number) at(stats, "connections", "byState", "IDLE")).intValue());
        assertEquals(4, ((Number) at(stats, "limits", "maxConnections")).intValue());
        assertEquals(0, ((Number) at(stats, "subscriptions", "ACTIVE")).intValue());
        List<Map<String, Object>> endpoints = at(stats, "endpoints");
        assertEquals(1, endpoints.size());
        assertEquals(server.uri("/feed").toString(), endpoints.get(0).get("uri"));
        assertEquals(Boolean.TRUE, endpoints.get(0).get("healthy"));
        assertEquals("closed", endpoints.get(0).get("breakerState"));

        HttpResponse<String> health = get("/api/v1/pool/health");
        assertEquals(200, health.statusCode());
        assertEquals("UP", json(health).get("status"));

        Map<String, Object> config = json(get("/api/v1/pool/config"));
        assertEquals(1, ((Number) config.get("minConnections")).intValue());
        assertEquals(Boolean.TRUE, config.get("reconfigurable"), "wired to pool.control()::reconfigure by default");

        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
        assertTrue(page.body().contains("assets/dashboard.js"));
        HttpResponse<String> script = get("/assets/dashboard.js");
        assertEquals(200, script.statusCode());
        assertTrue(script.body().contains("EventSource('api/v1/events')"));
        String withoutSvgNamespace = script.body().replace("'http://www.w3.org/2000/svg'", "");
        assertFalse(withoutSvgNamespace.contains("http://") || withoutSvgNamespace.contains("https://"),
                "no external asset");
        assertEquals(200, get("/assets/dashboard.css").statusCode());
    }

    @Test
    void prewarmAndConnectionLookup() throws Exception {
        pool("adm-conn");
        admin = PoolAdminServer.builder(pool).bearerToken(TOKEN).start();

        Map<String, Object> warmed = json(call("POST", "/api/v1/connections", "{\"count\": 2}", TOKEN));
        List<Map<String, Object>> list = at(warmed, "warmed");
        assertEquals(2, list.size());
        assertNotEquals(list.get(0).get("id"), list.get(1).get("id"), "two leases at once: two connections");
        assertTrue(list.stream().anyMatch(w -> Boolean.TRUE.equals(w.get("opened"))), "one had to be opened");
        assertTrue(list.stream().allMatch(w -> Boolean.TRUE.equals(w.get("kept"))), warmed.toString());
        assertEquals(2, pool.stats().idle(), "both are open and available now");

        String id = (String) list.get(0).get("id");
        Map<String, Object> one = json(get("/api/v1/connections/" + id));
        assertEquals(id, one.get("id"));
        assertEquals(server.uri("/feed").toString(), one.get("endpoint"));
        assertTrue(List.of("READY", "IDLE").contains(one.get("state")), one.toString());
        assertTrue(((Number) one.get("leases")).intValue() >= 1);

        try (PooledConnection c = pool.acquire()) {
            assertEquals("ACTIVE", json(get("/api/v1/connections/" + c.id())).get("state"));
        }
        Map<String, Object> all = json(get("/api/v1/connections"));
        assertTrue(((List<?>) all.get("connections")).size() >= 2);

        assertError(get("/api/v1/connections/no-such-id"), 404, "no-such-id", "GET /api/v1/connections");
        // recycling one: an available connection closes now (and the pool refills to its minimum)
        assertEquals(202, call("DELETE", "/api/v1/connections/" + id, null, TOKEN).statusCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> get("/api/v1/connections/" + id).statusCode() == 404
                || "CLOSED".equals(json(get("/api/v1/connections/" + id)).get("state")));
        assertError(call("DELETE", "/api/v1/connections/no-such-id", null, TOKEN), 404, "no-such-id");
        assertError(call("POST", "/api/v1/connections", "{\"count\": 5}", TOKEN), 422, "count", "5");
        assertError(call("POST", "/api/v1/connections", "{\"cont\": 1}", TOKEN), 422, "cont");
    }

    @Test
    void recyclerIsCalledWhenWired() throws Exception {
        pool("adm-recycle");
        List<String> recycled = new CopyOnWriteArrayList<>();
        admin = PoolAdminServer.builder(pool).bearerToken(TOKEN)
                .recycler(id -> id.equals("known") && recycled.add(id)).start();
        HttpResponse<String> r = call("DELETE", "/api/v1/connections/known", null, TOKEN);
        assertEquals(202, r.statusCode(), r.body());
        assertEquals(List.of("known"), recycled);
        assertError(call("DELETE", "/api/v1/connections/other", null, TOKEN), 404, "other");
    }

    @Test
    void tokenRules() throws Exception {
        pool("adm-token");
        admin = PoolAdminServer.builder(pool).bearerToken(TOKEN).start();
        String change = "{\"weights\": {\"" + server.uri("/feed") + "\": 2}}";

        HttpResponse<String> missing = call("POST", "/api/v1/pool/config", change, null);
        assertError(missing, 401, "Authorization: Bearer");
        assertEquals("Bearer realm=\"wspool-admin\"", missing.headers().firstValue("WWW-Authenticate").orElse(""));
        assertError(call("POST", "/api/v1/pool/config", change, "wrong-token-0123456789"), 403, "bearer token");
        assertError(call("POST", "/api/v1/pool/config", change, TOKEN.substring(1)), 403);
        HttpResponse<String> basic = http.send(HttpRequest.newBuilder(admin.uri().resolve("/api/v1/pool/config"))
                .header("Authorization", "Basic " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(change)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(basic, 401);
        assertError(call("DELETE", "/api/v1/connections/x", null, null), 401);
        assertError(call("POST", "/api/v1/connections", null, "nope-nope-nope-nope"), 403);
        assertEquals(1, pool.control().endpoints().get(0).weight(), "nothing changed without the token");

        HttpResponse<String> ok = call("POST", "/api/v1/pool/config", change, TOKEN);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(2, pool.control().endpoints().get(0).weight());
        assertFalse(ok.body().contains(TOKEN));
        // reads need no token
        assertEquals(200, get("/api/v1/pool/stats").statusCode());

        admin.close();
        admin = PoolAdminServer.builder(pool).start(); // no token: mutating calls are off
        for (HttpResponse<String> r : List.of(call("POST", "/api/v1/pool/config", change, TOKEN),
                call("POST", "/api/v1/connections", null, null), call("DELETE", "/api/v1/connections/x", null, null))) {
            assertError(r, 405, "bearerToken(");
        }
        assertEquals(200, get("/api/v1/pool/stats").statusCode());
        assertThrows(IllegalArgumentException.class, () -> PoolAdminServer.builder(pool).bearerToken("short"));
    }

    @Test
    void errorStatuses() throws Exception {
        pool("adm-errors");
        AtomicReference<PoolReconfiguration> applied = new AtomicReference<>();
        admin = PoolAdminServer.builder(pool).bearerToken(TOKEN).reconfigurer(r -> {
            if (r.minConnections().orElse(0) > r.maxConnections().orElse(pool.control().maxConnections())) {
                throw new IllegalArgumentException("minConnections (" + r.minConnections().getAsInt()
                        + ") must not exceed maxConnections");
            }
            applied.set(r);
        }).start();

        assertError(get("/api/v1/nothing"), 404, "/api/v1/");
        assertError(get("/api/v1/pool/stats/"), 404);
        HttpResponse<String> put = call("PUT", "/api/v1/pool/stats", "{}", TOKEN);
        assertError(put, 405);
        assertEquals("GET", put.headers().firstValue("Allow").orElse(""));
        assertError(call("DELETE", "/api/v1/pool/config", null, TOKEN), 405);

        // 413: a body over 64 KiB, whether announced or not
        String big = "{\"maxConnections\": 8, \"pad\": \"" + "x".repeat(70_000) + "\"}";
        assertError(call("POST", "/api/v1/pool/config", big, TOKEN), 413, "65536");
        // 400: malformed JSON, with its position
        assertError(call("POST", "/api/v1/pool/config", "{\n  \"maxConnections\": 8,\n  oops\n}", TOKEN), 400,
                "line 3, column 3");
        assertError(call("POST", "/api/v1/pool/config", "{\"maxConnections\": 8} trailing", TOKEN), 400, "line 1");
        assertError(call("POST", "/api/v1/pool/config", "", TOKEN), 400, "empty");
        assertError(call("POST", "/api/v1/pool/config", "{\"a\":1,\"a\":2}", TOKEN), 400, "malformed JSON");
        // 415: not JSON
        HttpResponse<String> form = http.send(HttpRequest.newBuilder(admin.uri().resolve("/api/v1/pool/config"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("maxConnections=8")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(form, 415);
        // 422: the field and the value
        assertError(call("POST", "/api/v1/pool/config", "{\"maxConnections\": 0}", TOKEN), 422, "maxConnections",
                "0", "at least 1");
        assertError(call("POST", "/api/v1/pool/config", "{\"maxConnections\": \"eight\"}", TOKEN), 422,
                "maxConnections", "\"eight\"", "whole number");
        assertError(call("POST", "/api/v1/pool/config", "{\"maxConnections\": 8.5}", TOKEN), 422, "8.5");
        assertError(call("POST", "/api/v1/pool/config", "{\"acquireTimeout\": \"soon\"}", TOKEN), 422,
                "acquireTimeout", "\"soon\"");
        assertError(call("POST", "/api/v1/pool/config", "{\"idleTimeout\": -5}", TOKEN), 422, "idleTimeout", "-5");
        assertError(call("POST", "/api/v1/pool/config", "{\"strategy\": \"random\"}", TOKEN), 422, "strategy",
                "\"random\"", "roundRobin");
        assertError(call("POST", "/api/v1/pool/config", "{\"maxConnectionz\": 8}", TOKEN), 422, "maxConnectionz");
        assertError(call("POST", "/api/v1/pool/config", "{\"weights\": {\"ws://nowhere:1/x\": 2}}", TOKEN), 422,
                "weights.ws://nowhere:1/x");
        assertError(call("POST", "/api/v1/pool/config", "[1, 2]", TOKEN), 422, "JSON object");
        assertError(call("POST", "/api/v1/pool/config", "{}", TOKEN), 422, "nothing to change");
        assertError(call("POST", "/api/v1/pool/config", "{\"minConnections\": 9}", TOKEN), 422,
                "must not exceed maxConnections");
        assertEquals(null, applied.get(), "nothing applied by a refused change");

        // a valid change reaches the reconfigurer whole
        HttpResponse<String> ok = call("POST", "/api/v1/pool/config", "{\"maxConnections\": 8, \"minConnections\": 2,"
                + " \"acquireTimeout\": \"2.5s\", \"idleTimeout\": 60000, \"maxLifetime\": \"PT30M\","
                + " \"strategy\": \"leastConnections\"}", TOKEN);
        assertEquals(200, ok.statusCode(), ok.body());
        PoolReconfiguration r = applied.get();
        assertEquals(8, r.maxConnections().getAsInt());
        assertEquals(2, r.minConnections().getAsInt());
        assertEquals(Duration.ofMillis(2500), r.acquireTimeout().orElseThrow());
        assertEquals(Duration.ofMinutes(1), r.idleTimeout().orElseThrow());
        assertEquals(Duration.ofMinutes(30), r.maxLifetime().orElseThrow());
        assertTrue(r.strategy().isPresent());
        assertEquals(8, ((Number) at(json(ok), "applied", "maxConnections")).intValue());
    }

    @Test
    void aConfigChangeReachesThePoolResizingMaxUnderBlockedAcquirersServesThemAll() throws Exception {
        pool = WebSocketPools.builder().name("adm-resize").endpoint(server.uri("/feed")).pooling(true)
                .maxConnections(4).acquireTimeout(Duration.ofSeconds(30)).build();
        admin = PoolAdminServer.builder(pool).bearerToken(TOKEN).start();
        List<PooledConnection> held = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(pool.acquire());
        }
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<PooledConnection>> blocked = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                blocked.add(callers.submit(() -> pool.acquire(Duration.ofSeconds(30))));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().pending() == 8);
            held.forEach(PooledConnection::close); // four of them are served by these
            HttpResponse<String> resized = call("POST", "/api/v1/pool/config", "{\"maxConnections\": 8}", TOKEN);
            assertEquals(200, resized.statusCode(), resized.body());
            for (java.util.concurrent.Future<PooledConnection> f : blocked) {
                PooledConnection c = f.get(10, java.util.concurrent.TimeUnit.SECONDS); // all 8 served
                assertTrue(c.isOpen());
            }
            assertEquals(8, pool.control().maxConnections());
            assertEquals(8, ((Number) at(json(get("/api/v1/pool/stats")), "connections", "active")).intValue(),
                    "eight leases at once: the new maximum, visible in stats");
            assertError(call("POST", "/api/v1/pool/config", "{\"minConnections\": 9}", TOKEN), 422, "minConnections",
                    "9");
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aConnectionOpenedBeforeTheServerStartedIsListedAndFound() throws Exception {
        pool("adm-before");
        String id = pool.control().connections().get(0).id(); // opened at build, before the admin server
        admin = PoolAdminServer.builder(pool).start();
        Map<String, Object> one = json(get("/api/v1/connections/" + id));
        assertEquals(id, one.get("id"));
        assertTrue(List.of("READY", "IDLE").contains(one.get("state")), one.toString());
        assertEquals(server.uri("/feed").toString(), one.get("endpoint"));
        List<?> all = (List<?>) json(get("/api/v1/connections")).get("connections");
        assertTrue(all.stream().anyMatch(m -> id.equals(((Map<?, ?>) m).get("id"))), all.toString());
    }

    /** Raw HTTP, for what java.net.http will not send: a foreign Host header, a length announced but not sent. */
    @Test
    void rawHttpGuards() throws Exception {
        pool("adm-raw");
        admin = PoolAdminServer.builder(pool).bearerToken(TOKEN).start();
        String rebinding = raw("GET /api/v1/pool/stats HTTP/1.1\r\nHost: attacker.example:" + admin.port()
                + "\r\nConnection: close\r\n\r\n");
        assertTrue(rebinding.startsWith("HTTP/1.1 403"), rebinding);
        assertTrue(rebinding.contains("DNS rebinding"), rebinding);
        String local = raw("GET /api/v1/pool/health HTTP/1.1\r\nHost: localhost:" + admin.port()
                + "\r\nConnection: close\r\n\r\n");
        assertTrue(local.startsWith("HTTP/1.1 200"), local);
        // announced, never sent: refused before reading (the JDK server then drains what is left of the body, so
        // this client ends its side to let it finish)
        String announced = raw("POST /api/v1/pool/config HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\n");
        assertTrue(announced.startsWith("HTTP/1.1 413"), announced);
        assertFalse(announced.contains(TOKEN));
    }

    private String raw(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), admin.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void healthIs503WhenThePoolIsDown() throws Exception {
        refusing = RefusingPort.open();
        pool = WebSocketPools.builder().name("adm-down").endpoint(refusing.uri("/x")).pooling(true)
                .minConnections(1).ejectAfterConnectFailures(1).maxEjectionPercent(100).build();
        admin = PoolAdminServer.builder(pool).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/v1/pool/health").statusCode() == 503);
        HttpResponse<String> r = get("/api/v1/pool/health");
        Map<String, Object> h = json(r);
        assertEquals("DOWN", h.get("status"));
        assertTrue(((List<?>) h.get("reasons")).toString().contains("no healthy endpoint"), h.toString());
        Map<String, Object> stats = json(get("/api/v1/pool/stats"));
        List<Map<String, Object>> endpoints = at(stats, "endpoints");
        assertEquals(Boolean.FALSE, endpoints.get(0).get("healthy"));
        assertNotNull(endpoints.get(0).get("lastFailure"));
        assertEquals("DOWN", at(stats, "health", "status"));
        // pre-warming cannot succeed: 503 with the pool's reason
        admin.close();
        admin = PoolAdminServer.builder(pool).bearerToken(TOKEN).start();
        HttpResponse<String> warm = call("POST", "/api/v1/connections", "{\"timeoutMillis\": 200}", TOKEN);
        assertEquals(503, warm.statusCode(), warm.body());
        assertTrue(((String) json(warm).get("error")).contains("Exception"), warm.body());
    }

    private static long number(Map<String, Object> m, String... path) {
        return ((Number) at(m, path)).longValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> onlyEndpoint(Map<String, Object> snapshot) {
        List<Map<String, Object>> endpoints = (List<Map<String, Object>>) snapshot.get("endpoints");
        assertEquals(1, endpoints.size(), snapshot.toString());
        return endpoints.get(0);
    }

    /** The message and byte counters in the stats and the event stream move by exactly what went through the pool. */
    @Test
    void statsAndEventsCarryMessageCountersThatMoveByExactlyTheTraffic() throws Exception {
        pool("adm-traffic"); // its endpoint echoes every message
        admin = PoolAdminServer.builder(pool).eventInterval(Duration.ofMillis(100)).start();
        Map<String, Object> before = json(get("/api/v1/pool/stats"));
        Map<String, Object> endpointBefore = onlyEndpoint(before);
        for (String counter : List.of("messagesIn", "messagesOut", "bytesIn", "bytesOut")) {
            assertEquals(0L, number(before, "traffic", counter), counter + ": nothing sent yet (probes do not count)");
            assertEquals(0L, number(endpointBefore, counter), counter);
        }

        HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(admin.uri().resolve("/api/v1/events"))
                .build(), HttpResponse.BodyHandlers.ofLines());
        List<String> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> stream.body().forEach(line -> {
            if (line.startsWith("data: ")) {
                events.add(line.substring(6));
            }
        }));
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() >= 2);
        List<?> history = (List<?>) JSON.std.anyFrom(events.get(0));
        assertFalse(history.isEmpty(), "the sampler ran when the server started");
        assertTrue(((Map<?, ?>) history.get(history.size() - 1)).containsKey("messagesInPerSecond"),
                history.toString());

        int n = 25;
        String text = "tick-\u00e9"; // 7 bytes of UTF-8
        try (PooledConnection c = pool.acquire()) {
            for (int i = 0; i < n; i++) {
                c.send(text);
            }
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> number(json(get("/api/v1/pool/stats")), "traffic", "messagesIn") == n);
        Map<String, Object> after = json(get("/api/v1/pool/stats"));
        Map<String, Object> endpointAfter = onlyEndpoint(after);
        assertEquals(n, number(after, "traffic", "messagesOut"), "sent");
        assertEquals(n, number(after, "traffic", "messagesIn"), "echoed");
        assertEquals(7L * n, number(after, "traffic", "bytesOut"));
        assertEquals(7L * n, number(after, "traffic", "bytesIn"));
        for (String counter : List.of("messagesIn", "messagesOut", "bytesIn", "bytesOut")) {
            assertEquals(number(after, "traffic", counter), number(endpointAfter, counter),
                    counter + ": one endpoint, the pool's total is its own");
        }

        // the event stream carries the same counters, and rates while the messages are within its window
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().skip(1).map(PoolAdminServerTest::mapOf)
                .anyMatch(e -> number(e, "traffic", "messagesIn") == n && number(e, "traffic", "messagesOut") == n
                        && number(onlyEndpoint(e), "messagesIn") == n));
        List<Map<String, Object>> snapshots = events.stream().skip(1).map(PoolAdminServerTest::mapOf).toList();
        assertTrue(snapshots.stream().anyMatch(e -> ((Number) at(e, "rates", "messagesInPerSecond")).doubleValue() > 0
                && ((Number) at(e, "rates", "messagesOutPerSecond")).doubleValue() > 0
                && ((Number) onlyEndpoint(e).get("messagesOutPerSecond")).doubleValue() > 0
                && ((Number) at(e, "rates", "bytesOutPerSecond")).doubleValue() > 0), "messages/s > 0 after the sends");
        for (Map<String, Object> e : snapshots) {
            assertTrue(number(e, "traffic", "messagesOut") <= n, "never more than was sent: " + e.get("traffic"));
            assertTrue(((Number) at(e, "rates", "messagesOutPerSecond")).doubleValue() >= 0);
        }
        // and once the window has passed, the rates are back to 0 (the counters stay)
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            Map<String, Object> last = mapOf(events.get(events.size() - 1));
            return ((Number) at(last, "rates", "messagesInPerSecond")).doubleValue() == 0
                    && ((Number) at(last, "rates", "messagesOutPerSecond")).doubleValue() == 0
                    && number(last, "traffic", "messagesOut") == n;
        });
        admin.close();
        reader.get(5, TimeUnit.SECONDS);
    }

    private static Map<String, Object> mapOf(String json) {
        try {
            return JSON.std.mapFrom(json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void metricsServesPrometheusTextWhenARegistryIsGiven() throws Exception {
        pool("adm-prom");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new WebSocketPoolMetrics(pool).bindTo(registry);
        admin = PoolAdminServer.builder(pool).prometheus(registry).start();
        try (PooledConnection c = pool.acquire()) {
            c.send("x");
        }
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        assertTrue(r.body().contains("wspool_connections{"), r.body());
        assertTrue(r.body().contains("pool=\"adm-prom\""));
        assertTrue(r.body().contains("wspool_acquire_seconds_count"), r.body());
        admin.close();

        admin = PoolAdminServer.builder(pool).start();
        assertError(get("/metrics"), 404, "prometheus(registry)");
        admin.close();
        admin = PoolAdminServer.builder(pool).scrape(() -> "# a scrape\nup 1\n").start();
        assertEquals("# a scrape\nup 1\n", get("/metrics").body());
    }

    @Test
    void eventStreamDeliversChangingSnapshotsAndEndsOnClose() throws Exception {
        pool("adm-events");
        admin = PoolAdminServer.builder(pool).eventInterval(Duration.ofMillis(100)).maxEventStreams(1).start();
        HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(admin.uri().resolve("/api/v1/events"))
                .build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, stream.statusCode());
        assertEquals("text/event-stream; charset=utf-8", stream.headers().firstValue("Content-Type").orElse(""));
        List<String> events = new CopyOnWriteArrayList<>();
        List<String> names = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> stream.body().forEach(line -> {
            if (line.startsWith("data: ")) {
                events.add(line.substring(6));
            } else if (line.startsWith("event: ")) {
                names.add(line.substring(7));
            }
        }));
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() >= 3);
        assertEquals("history", names.get(0), "the first event is the history");
        assertTrue(JSON.std.anyFrom(events.get(0)) instanceof List<?>);
        int before = events.size();

        // the only stream slot is taken
        assertError(get("/api/v1/events"), 503, "too many event streams");

        PooledConnection held = pool.acquire();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().skip(before)
                    .anyMatch(e -> e.contains("\"active\":1")));
        } finally {
            held.close();
        }
        List<Long> seqs = new ArrayList<>();
        for (String e : events.subList(1, events.size())) {
            seqs.add(((Number) JSON.std.mapFrom(e).get("seq")).longValue());
        }
        assertTrue(seqs.size() >= 2 && seqs.stream().distinct().count() == seqs.size(), seqs.toString());
        Map<String, Object> last = JSON.std.mapFrom(events.get(events.size() - 1));
        assertNotNull(at(last, "rates", "acquiresPerSecond"));
        assertNotNull(at(last, "totals", "acquires"));

        admin.close();
        reader.get(5, TimeUnit.SECONDS); // the stream ended
        assertEquals("close", names.get(names.size() - 1));
    }

    @Test
    void closeEndsEveryThreadAndFreesThePort() throws Exception {
        pool("adm-close");
        admin = PoolAdminServer.builder(pool).bearerToken(TOKEN).start();
        int port = admin.port();
        HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(admin.uri().resolve("/api/v1/events"))
                .build(), HttpResponse.BodyHandlers.ofLines());
        CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> stream.body().count());
        assertEquals(200, get("/api/v1/pool/stats").statusCode());
        assertEquals(200, call("POST", "/api/v1/connections", null, TOKEN).statusCode());
        assertFalse(adminThreads().isEmpty(), "the server has threads while it runs");

        admin.close();
        admin.close(); // idempotent
        reader.get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(List.of(), adminThreads()));
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(port, again.getLocalPort(), "the port is free again");
        }
        assertThrows(IOException.class, () -> get("/api/v1/pool/stats"));
        assertTrue(pool.stats().total() >= 1, "the pool is left running");
    }

    private static List<String> adminThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("wspool-admin-") || n.equals("HTTP-Dispatcher")
                        || n.startsWith("server-timer"))
                .sorted().toList();
    }

    @Test
    void bindAddressIsConfigurable() throws Exception {
        pool("adm-bind");
        admin = PoolAdminServer.builder(pool).bindAddress("localhost").start();
        assertTrue(admin.address().getAddress().isLoopbackAddress());
        assertEquals(200, get("/api/v1/pool/health").statusCode());
        assertThrows(IllegalArgumentException.class, () -> PoolAdminServer.builder(pool).port(70000));
    }
}

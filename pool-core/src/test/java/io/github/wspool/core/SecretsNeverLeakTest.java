package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.PoolException;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.testkit.ConnectProxy;
import io.github.wspool.testkit.TestWebSocketServer;
import io.github.wspool.testkit.TestWebSocketServer.Behavior;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A token in a header or in the URI's query, or a proxy's credentials, never shows up in logs (at any level of the pool's loggers), exception
 * messages, toString or stats.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SecretsNeverLeakTest {

    /** A builder on the transport under test: the default here, the thread-per-connection one in a subclass. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    private static final String HEADER_SECRET = "Bearer hdr-SECRET-1f2e3d";
    private static final String QUERY_SECRET = "qry-SECRET-9a8b7c";

    @Test
    void tokensStayOutOfLogsMessagesAndToString() {
        StringBuilder everything = new StringBuilder();
        String logs;
        try (TestWebSocketServer server = TestWebSocketServer.start(Behavior.REJECT_401);
             AllLevelsLogCapture log = new AllLevelsLogCapture()) { // DEBUG and TRACE too: a leak there is a leak
            URI uri = URI.create(server.uri("/feed") + "?token=" + QUERY_SECRET);
            WebSocketPool pool = pools().name("secrets").endpoint(uri)
                    .header("Authorization", HEADER_SECRET).pooling(true).minConnections(1)
                    .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(20)).build();
            try {
                PoolException failure = assertThrows(PoolException.class, () -> pool.acquire(Duration.ofSeconds(2)));
                everything.append(stackTrace(failure));
                assertTrue(failure.getMessage().contains("401"), "the failure is the rejected upgrade: " + failure);
                everything.append(pool).append(pool.stats().describe()).append(pool.control().endpoints());

                server.behavior(Behavior.ECHO);
                await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                    try (PooledConnection c = pool.acquire(Duration.ofSeconds(1))) {
                        everything.append(c).append(c.endpoint());
                        c.send("echo me");
                    }
                });
                // the secret did reach the server, so its absence below is meaningful
                assertEquals(HEADER_SECRET, server.lastHandshakeHeaders().get("authorization"));
                awaitTraceLogged(log);
            } finally {
                pool.close();
            }
            logs = log.text();
        }
        assertTrue(logs.contains("[secrets]"), "logs were captured: " + logs);
        assertTrue(logs.contains("401"), "the failures were logged: " + logs);
        assertTrue(logs.contains(" DEBUG io.github.wspool."), "DEBUG was captured: " + logs);
        everything.append(logs);
        for (String secret : new String[] {"SECRET", "hdr-SECRET-1f2e3d", QUERY_SECRET, "token="}) {
            assertFalse(everything.toString().contains(secret), "'" + secret + "' leaked:\n" + everything);
        }
    }

    /** The premise of a clean log: the lowest level is captured too (the echo's arrival is logged at TRACE). */
    private static void awaitTraceLogged(AllLevelsLogCapture log) {
        await().atMost(Duration.ofSeconds(10)).alias("a TRACE line was captured")
                .until(() -> log.text().contains(" TRACE io.github.wspool.core.internal.ConnectionRouter - "));
    }

    @Test
    void headerValuesAreValidatedWithoutEchoingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pools().header("Authorization", "Bearer abc\r\nX-Injected: 1"));
        assertFalse(e.getMessage().contains("abc"), e.getMessage());
        assertTrue(e.getMessage().contains("Authorization"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pools().header("Bad Name", "v"));
    }

    @Test
    void suppliedTokensAndEndpointHeadersStayOutOfLogsMessagesAndToString() {
        StringBuilder everything = new StringBuilder();
        String stale = "Bearer stale-SECRET-a1";
        String fresh = "Bearer fresh-SECRET-b2";
        String apiKey = "key-SECRET-c3";
        String logs;
        try (TestWebSocketServer server = TestWebSocketServer.start();
             AllLevelsLogCapture log = new AllLevelsLogCapture()) {
            server.handshakeGate(h -> fresh.equals(h.get("authorization")) && apiKey.equals(h.get("x-api-key")));
            WebSocketPool pool = pools().name("secrets-supplied")
                    .endpoint(server.uri("/feed"), 1, java.util.Map.of("X-Api-Key", apiKey)).pooling(true)
                    .headers((uri, refresh) -> java.util.Map.of("Authorization", refresh ? fresh : stale))
                    .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(20)).build();
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                everything.append(c).append(c.endpoint()).append(pool).append(pool.stats().describe())
                        .append(pool.control().endpoints());
                c.send("echo me");
                awaitTraceLogged(log);
            } finally {
                pool.close();
            }
            // a supplier that fails with a token in its own message: the pool's message does not repeat it
            PoolException failure = assertThrows(PoolException.class, () -> pools()
                    .name("secrets-supplier-fails").endpoint(server.uri("/feed")).pooling(true)
                    .failFastInitialization(true).headers((uri, refresh) -> {
                        throw new IllegalStateException("refresh failed for " + stale);
                    }).build());
            everything.append(failure.getMessage());
            assertEquals(1, server.gateRejections(), "the stale token was sent and refused once");
            logs = log.text();
        }
        assertTrue(logs.contains("rejected the upgrade with 401"), "the refresh was logged: " + logs);
        assertTrue(logs.contains(" DEBUG io.github.wspool."), "DEBUG was captured: " + logs);
        everything.append(logs);
        for (String secret : new String[] {"SECRET", stale, fresh, apiKey}) {
            assertFalse(everything.toString().contains(secret), "'" + secret + "' leaked:\n" + everything);
        }
    }

    /**
     * Java-WebSocket's engine logs every buffer it writes at TRACE, whole, on the thread that queues it: the upgrade
     * request would go out through the pool's own connecting thread with its query token, its {@code Authorization}
     * header, an endpoint's header and a header supplier's token. The transports queue the request themselves, so
     * the engine's TRACE on the pool's threads carries none of them (and the server did get them all).
     */
    @Test
    void theProtocolEnginesTraceOnThePoolsThreadsCarriesNoToken() {
        String supplied = "Bearer supplied-SECRET-d4";
        String apiKey = "key-SECRET-e5";
        String logs;
        try (TestWebSocketServer server = TestWebSocketServer.start();
             AllLevelsLogCapture log = new AllLevelsLogCapture("io.github.wspool", "org.java_websocket")) {
            URI uri = URI.create(server.uri("/feed") + "?token=" + QUERY_SECRET);
            WebSocketPool pool = pools().name("secrets-engine").endpoint(uri, 1, java.util.Map.of("X-Api-Key", apiKey))
                    .header("Authorization", HEADER_SECRET)
                    .headers((u, refresh) -> java.util.Map.of("X-Session", supplied)).pooling(true).build();
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                c.send("echo me");
                awaitTraceLogged(log);
            } finally {
                pool.close();
            }
            assertEquals(HEADER_SECRET, server.lastHandshakeHeaders().get("authorization"), "the secret was sent");
            assertEquals(apiKey, server.lastHandshakeHeaders().get("x-api-key"), "the endpoint's secret was sent");
            assertEquals(supplied, server.lastHandshakeHeaders().get("x-session"), "the supplied secret was sent");
            logs = log.text();
        }
        // the test server runs the same engine in this JVM, and does get the secrets: only the pool's threads count
        StringBuilder poolThreads = new StringBuilder();
        for (String entry : logs.split("(?m)^(?=\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[)")) {
            if (entry.matches("(?s)\\S+ \\[wspool-secrets-engine-.*")) {
                poolThreads.append(entry);
            }
        }
        assertTrue(poolThreads.toString().contains(" TRACE org.java_websocket."), "the engine's TRACE was captured: "
                + poolThreads);
        for (String secret : new String[] {"SECRET", QUERY_SECRET, HEADER_SECRET, supplied, apiKey, "token="}) {
            assertFalse(poolThreads.toString().contains(secret), "'" + secret + "' leaked:\n" + poolThreads);
        }
    }

    /**
     * Proxy credentials (#22), from the proxy URI and from a supplier, never show up in logs at any level, exception
     * messages or toString, and neither does their Basic encoding (the {@code Proxy-Authorization} header): not for
     * a 407 refusing wrong ones, not for a connect that goes through.
     */
    @Test
    void proxyCredentialsStayOutOfLogsMessagesAndToString() {
        String password = "px-SECRET-77";
        String wrong = "wrong-SECRET-88";
        String basic = java.util.Base64.getEncoder().encodeToString(("alice:" + password)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String basicWrong = java.util.Base64.getEncoder().encodeToString(("alice:" + wrong)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        StringBuilder everything = new StringBuilder();
        String logs;
        try (TestWebSocketServer server = TestWebSocketServer.start();
             ConnectProxy proxy = ConnectProxy.start().requireCredentials("alice", password);
             AllLevelsLogCapture log = new AllLevelsLogCapture()) {
            WebSocketPool refused = pools().name("secrets-proxy-refused").endpoint(server.uri("/feed")).pooling(true)
                    .proxy(proxy.uri("alice:" + wrong)).reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(20))
                    .build();
            try {
                PoolException failure = assertThrows(PoolException.class, () -> refused.acquire(Duration.ofSeconds(2)));
                everything.append(stackTrace(failure)).append(refused).append(refused.stats().describe())
                        .append(refused.control().endpoints());
                assertTrue(stackTrace(failure).contains("407"), "the failure is the proxy's refusal: " + failure);
            } finally {
                refused.close();
            }
            WebSocketPool pool = pools().name("secrets-proxy").endpoint(server.uri("/feed")).pooling(true)
                    .proxy(proxy.uri("alice:" + wrong)).proxyCredentials(() -> new java.net.PasswordAuthentication(
                            "alice", password.toCharArray())).build();
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                everything.append(c).append(c.endpoint()).append(pool).append(pool.stats().describe())
                        .append(pool.control().endpoints());
                c.send("echo me");
                awaitTraceLogged(log);
            } finally {
                pool.close();
            }
            // both were sent, so their absence below is meaningful
            assertTrue(proxy.authorizations().contains("Basic " + basicWrong), "wrong ones sent: "
                    + proxy.authorizations().size());
            assertEquals("Basic " + basic, proxy.authorizations().get(proxy.authorizations().size() - 1));
            logs = log.text();
        }
        assertTrue(logs.contains("407"), "the refusal was logged: " + logs);
        assertTrue(logs.contains(" DEBUG io.github.wspool."), "DEBUG was captured: " + logs);
        everything.append(logs);
        for (String secret : new String[] {"SECRET", password, wrong, basic, basicWrong, "Proxy-Authorization"}) {
            assertFalse(everything.toString().contains(secret), "'" + secret + "' leaked:\n" + everything);
        }
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}

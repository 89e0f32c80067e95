package io.github.wspool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointConnectException;
import io.github.wspool.PoolException;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.EndpointHealthEvent;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Authentication and subprotocols at the opening handshake, against real loopback servers: static headers per pool
 * and per endpoint, a header supplier called on every connect, one refresh-and-retry after 401/403, typed failures
 * for a broken supplier, and subprotocol negotiation.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandshakeAuthTest {

    /** Issues "Bearer t1", "Bearer t2", ... : a new token whenever asked to refresh, the current one otherwise. */
    static final class Tokens {
        final AtomicInteger version = new AtomicInteger(1);
        final AtomicInteger calls = new AtomicInteger();
        final List<Boolean> refreshFlags = new CopyOnWriteArrayList<>();

        Map<String, String> headers(URI endpoint, boolean refresh) {
            calls.incrementAndGet();
            refreshFlags.add(refresh);
            int v = refresh ? version.incrementAndGet() : version.get();
            return Map.of("Authorization", "Bearer t" + v);
        }
    }

    /** Records connect outcomes and endpoint health changes. */
    static final class Recorder implements PoolListener {
        final List<ConnectEvent> connects = new CopyOnWriteArrayList<>();
        final List<EndpointHealthEvent> health = new CopyOnWriteArrayList<>();

        @Override
        public void onConnect(ConnectEvent event) {
            connects.add(event);
        }

        @Override
        public void onEndpointHealthChange(EndpointHealthEvent event) {
            health.add(event);
        }
    }

    /** The builder every pool of this test starts from; a subclass runs the same tests on another transport. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    @Test
    void theSupplierIsCalledOnEveryConnectSoARotatedTokenReachesTheServer() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            AtomicReference<String> current = new AtomicReference<>("Bearer first");
            AtomicInteger calls = new AtomicInteger();
            WebSocketPool pool = pools().name("auth-rotate").endpoint(server.uri("/a"))
                    .pooling(false).headers((endpoint, refresh) -> {
                        calls.incrementAndGet();
                        return Map.of("Authorization", current.get());
                    }).build();
            try {
                try (PooledConnection c = pool.acquire()) {
                    c.send("one");
                }
                current.set("Bearer second"); // the token was refreshed before it expired
                try (PooledConnection c = pool.acquire()) {
                    c.send("two");
                }
            } finally {
                pool.close();
            }
            List<String> seen = server.handshakeHeaderLog().stream().map(h -> h.get("authorization")).toList();
            assertEquals(List.of("Bearer first", "Bearer second"), seen);
            assertEquals(2, calls.get(), "one call per connect");
        }
    }

    @Test
    void a401IsRetriedOnceWithRefreshedCredentialsWithoutCountingAFailure() throws Exception {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            server.handshakeGate(h -> "Bearer t2".equals(h.get("authorization"))); // t1 has expired
            Tokens tokens = new Tokens();
            Recorder recorder = new Recorder();
            WebSocketPool pool = pools().name("auth-refresh").endpoint(server.uri("/a"))
                    .pooling(true).headers(tokens::headers).listener(recorder)
                    .ejectAfterConnectFailures(1) // one counted failure would take the endpoint out of service
                    .reconnectBackoff(Duration.ofSeconds(5), Duration.ofSeconds(10)).build();
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(3))) {
                assertEquals("ok", c.request("{\"messageId\":\"1\"}", Duration.ofSeconds(5))
                        .thenApply(r -> "ok").get(5, TimeUnit.SECONDS));
            } finally {
                pool.close();
            }
            assertEquals(1, server.gateRejections());
            assertEquals(List.of(false, true), tokens.refreshFlags, "the retry asked for fresh credentials");
            assertEquals(2, recorder.connects.size());
            EndpointConnectException first = assertInstanceOf(EndpointConnectException.class,
                    recorder.connects.get(0).failure());
            assertEquals(401, first.statusCode());
            assertTrue(recorder.connects.get(1).succeeded());
            assertTrue(recorder.health.isEmpty(), "the 401 was not counted against the endpoint: " + recorder.health);
        }
    }

    @Test
    void withoutTheRetryA401CountsAtOnce() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            server.handshakeGate(h -> "Bearer t2".equals(h.get("authorization")));
            Tokens tokens = new Tokens();
            Recorder recorder = new Recorder();
            WebSocketPool pool = pools().name("auth-no-refresh").endpoint(server.uri("/a"))
                    .pooling(true).headers(tokens::headers).refreshHeadersOnAuthFailure(false).listener(recorder)
                    .ejectAfterConnectFailures(1)
                    .reconnectBackoff(Duration.ofSeconds(5), Duration.ofSeconds(10)).build();
            try {
                assertThrows(PoolException.class, () -> pool.acquire(Duration.ofSeconds(1)));
            } finally {
                pool.close();
            }
            assertFalse(tokens.refreshFlags.contains(true), "never asked to refresh: " + tokens.refreshFlags);
            assertFalse(recorder.health.isEmpty(), "the rejection counted: the endpoint was taken out of service");
        }
    }

    @Test
    void rejectedFreshCredentialsCountAsAFailureAfterOneRetry() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            server.handshakeGate(h -> false); // this client is not allowed in, whatever token it brings
            Tokens tokens = new Tokens();
            Recorder recorder = new Recorder();
            WebSocketPool pool = pools().name("auth-denied").endpoint(server.uri("/a"))
                    .pooling(true).headers(tokens::headers).listener(recorder).ejectAfterConnectFailures(1)
                    .reconnectBackoff(Duration.ofSeconds(5), Duration.ofSeconds(10)).build();
            PoolException e;
            try {
                e = assertThrows(PoolException.class, () -> pool.acquire(Duration.ofSeconds(2)));
            } finally {
                pool.close();
            }
            assertEquals(List.of(false, true), tokens.refreshFlags, "one retry, then the backoff (5 s) holds it");
            assertEquals(2, server.gateRejections());
            assertFalse(recorder.health.isEmpty(), "the refreshed rejection counted");
            assertTrue(String.valueOf(e.getMessage()).contains("401") || causeMessageContains(e, "401"), e.toString());
        }
    }

    @Test
    void endpointHeadersGoToTheirEndpointOnlyAndReplaceAPoolHeaderOfTheSameName() {
        try (TestWebSocketServer a = TestWebSocketServer.start(); TestWebSocketServer b = TestWebSocketServer.start()) {
            WebSocketPool pool = pools().name("auth-endpoints")
                    .header("X-Client", "wspool-test").header("authorization", "Bearer pool-wide")
                    .endpoint(a.uri("/a"), 1, Map.of("X-Api-Key", "key-a"))
                    .endpoint(b.uri("/b"), 1, Map.of("X-Api-Key", "key-b", "Authorization", "Bearer for-b"))
                    .pooling(true).minConnections(2).build();
            try {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> a.completedHandshakes() >= 1 && b.completedHandshakes() >= 1);
            } finally {
                pool.close();
            }
            Map<String, String> ha = a.lastHandshakeHeaders();
            Map<String, String> hb = b.lastHandshakeHeaders();
            assertEquals("key-a", ha.get("x-api-key"));
            assertEquals("key-b", hb.get("x-api-key"));
            assertEquals("wspool-test", ha.get("x-client"));
            assertEquals("wspool-test", hb.get("x-client"));
            assertEquals("Bearer pool-wide", ha.get("authorization"));
            assertEquals("Bearer for-b", hb.get("authorization"));
        }
    }

    @Test
    void aFailingSupplierIsATypedConnectFailureThatShowsNoValue() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            IllegalStateException vaultDown = new IllegalStateException("vault unreachable");
            EndpointConnectException e = assertThrows(EndpointConnectException.class, () -> pools()
                    .name("auth-supplier-throws").endpoint(server.uri("/a")).pooling(true)
                    .failFastInitialization(true).headers((u, r) -> {
                        throw vaultDown;
                    }).build());
            assertTrue(e.getMessage().contains("header supplier failed (java.lang.IllegalStateException)"),
                    e.getMessage());
            assertEquals(vaultDown, e.getCause());

            EndpointConnectException bad = assertThrows(EndpointConnectException.class, () -> pools()
                    .name("auth-supplier-bad").endpoint(server.uri("/a")).pooling(true).failFastInitialization(true)
                    .headers((u, r) -> Map.of("Authorization", "Bearer tok-SECRET\r\nX-Evil: 1")).build());
            assertTrue(bad.getMessage().contains("invalid header") && bad.getMessage().contains("Authorization"),
                    bad.getMessage());
            assertFalse(bad.getMessage().contains("SECRET"), bad.getMessage());
            assertEquals(0, server.completedHandshakes(), "nothing was sent with a broken header");
        }
    }

    @Test
    void theServersChoiceOfSubprotocolIsCheckedAndExposed() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            List<String> requested = new ArrayList<>();
            server.subprotocolChooser(offered -> {
                requested.add(offered);
                return offered.contains("agent-protocol-v1") ? "agent-protocol-v1" : null;
            });
            WebSocketPool pool = pools().name("subprotocol-ok").endpoint(server.uri("/p"))
                    .pooling(true).subprotocols("agent-protocol-v2", "agent-protocol-v1").build();
            try (PooledConnection c = pool.acquire()) {
                assertEquals("agent-protocol-v1", c.subprotocol());
            } finally {
                pool.close();
            }
            assertEquals(List.of("agent-protocol-v2, agent-protocol-v1"), requested, "offered in order of preference");
        }
    }

    @Test
    void aServerThatSelectsNoneOrAnUnrequestedSubprotocolFailsTheConnectClearly() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            server.subprotocolChooser(offered -> null);
            EndpointConnectException none = assertThrows(EndpointConnectException.class, () -> pools()
                    .name("subprotocol-none").endpoint(server.uri("/p")).pooling(true).failFastInitialization(true)
                    .subprotocols("agent-protocol-v1").build());
            assertTrue(none.getMessage().contains("selected none of the requested subprotocols [agent-protocol-v1]"),
                    none.getMessage());

            WebSocketPool optional = pools().name("subprotocol-optional").endpoint(server.uri("/p"))
                    .pooling(true).subprotocols(List.of("agent-protocol-v1"), false).build();
            try (PooledConnection c = optional.acquire()) {
                assertEquals("", c.subprotocol(), "not required: used without one");
            } finally {
                optional.close();
            }

            server.subprotocolChooser(offered -> "evil-protocol");
            EndpointConnectException other = assertThrows(EndpointConnectException.class, () -> pools().name("subprotocol-other").endpoint(server.uri("/p")).pooling(true)
                    .failFastInitialization(true).subprotocols(List.of("agent-protocol-v1"), false).build());
            assertTrue(other.getMessage().contains("'evil-protocol', which was not requested"), other.getMessage());
        }
    }

    private static boolean causeMessageContains(Throwable t, String s) {
        Map<Throwable, Boolean> seen = new LinkedHashMap<>();
        for (Throwable c = t; c != null && seen.put(c, true) == null; c = c.getCause()) {
            if (String.valueOf(c.getMessage()).contains(s)) {
                return true;
            }
        }
        return false;
    }
}

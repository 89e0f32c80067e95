package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointConnectException;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.ProxyConnectException;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.spi.LocalConnectException;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.ConnectFailureCause;
import io.github.wspool.testkit.ConnectProxy;
import io.github.wspool.testkit.TestCertificates;
import io.github.wspool.testkit.TestWebSocketServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connections through an HTTP {@code CONNECT} proxy (#22), against a {@link ConnectProxy} and echo servers on
 * loopback: {@code ws://} and {@code wss://} (the endpoint's certificate and host name verified through the tunnel),
 * Basic credentials from the proxy URI and from a supplier, refusals as typed failures naming the proxy, a proxy
 * that never answers bounded by the connect timeout, per-endpoint choice by a {@link ProxySelector}, and the JVM's
 * {@code http.proxyHost} settings. On the default transport; the subclass runs the same on the thread-per-connection
 * one.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyTest {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** The builder every pool of this test starts from; a subclass runs the same tests on another transport. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    private WebSocketPoolBuilder builder(String name, URI endpoint) {
        return pools().name(name).endpoint(endpoint).pooling(true).connectTimeout(Duration.ofSeconds(5))
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100));
    }

    private static void echoes(WebSocketPool pool, int rounds) throws Exception {
        for (int i = 1; i <= rounds; i++) {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                String message = "{\"messageId\":\"" + i + "\",\"x\":\"through the proxy\"}";
                assertEquals(message, c.request(message, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS));
            }
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static <T extends Throwable> T causeOfType(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** Builds with fail-fast initialization, which must fail through the proxy; the proxy's failure. */
    private static ProxyConnectException proxyFailure(WebSocketPoolBuilder b) {
        EndpointConnectException e = assertThrows(EndpointConnectException.class,
                () -> b.failFastInitialization(true).build());
        ProxyConnectException p = causeOfType(e, ProxyConnectException.class);
        assertNotNull(p, "a ProxyConnectException in " + e);
        assertEquals(ConnectFailureCause.PROXY, ConnectFailureCause.of(e), "classified as a proxy failure: " + e);
        return p;
    }

    @Test
    void wsGoesThroughTheProxyWhichResolvesTheEndpointsName() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        ConnectProxy proxy = track(ConnectProxy.start().alias("origin.test"));
        // origin.test does not resolve here: only the proxy knows it, so a connect that works went through it
        URI endpoint = URI.create("ws://origin.test:" + server.port() + "/feed");
        WebSocketPool pool = builder("proxy-ws", endpoint).proxy(proxy.uri()).build();
        try {
            echoes(pool, 3);
        } finally {
            pool.close();
        }
        assertEquals(List.of("origin.test:" + server.port()), proxy.authorities(),
                "one CONNECT, to the endpoint's authority; the pooled connection served every round");
        assertEquals(List.of(""), proxy.authorizations(), "no credentials were sent");
        assertEquals(1, server.acceptedConnections());
    }

    @Test
    void wssGoesThroughTheProxyAndVerifiesTheEndpointsCertificate() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.startTls(
                TestCertificates.serverContext(TestCertificates.LOOPBACK)));
        ConnectProxy proxy = track(ConnectProxy.start());
        URI endpoint = URI.create("wss://localhost:" + server.port() + "/tls");
        WebSocketPool pool = builder("proxy-wss", endpoint).proxy(proxy.uri())
                .sslContext(TestCertificates.trusting(TestCertificates.LOOPBACK)).build();
        try {
            echoes(pool, 2);
        } finally {
            pool.close();
        }
        assertEquals(List.of("localhost:" + server.port()), proxy.authorities());
        assertEquals(1, server.completedHandshakes());
    }

    @Test
    void wssThroughTheProxyRefusesACertificateForAnotherHostNamingTheEndpoint() {
        TestWebSocketServer server = track(TestWebSocketServer.startTls(
                TestCertificates.serverContext(TestCertificates.WRONG_HOST)));
        ConnectProxy proxy = track(ConnectProxy.start());
        // the proxy is 127.0.0.1, the endpoint localhost: the refusal names the host the certificate was checked for
        URI endpoint = URI.create("wss://localhost:" + server.port() + "/tls");
        EndpointConnectException e = assertThrows(EndpointConnectException.class, () -> builder("proxy-wss-wrong",
                endpoint).proxy(proxy.uri()).sslContext(TestCertificates.trusting(TestCertificates.WRONG_HOST))
                .failFastInitialization(true).build());
        assertNotNull(causeOfType(e, SSLHandshakeException.class), "a TLS failure: " + e);
        CertificateException name = causeOfType(e, CertificateException.class);
        assertNotNull(name, "the certificate was refused: " + e);
        assertTrue(name.getMessage().contains("localhost"), "checked for the endpoint's name: " + name.getMessage());
        assertEquals(1, proxy.tunnels(), "the tunnel was open: TLS failed inside it");
        assertEquals(0, server.completedHandshakes());
    }

    @Test
    void credentialsFromTheProxyUriAreSentPercentDecoded() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        ConnectProxy proxy = track(ConnectProxy.start().requireCredentials("alice", "p@ss:w rd"));
        WebSocketPool pool = builder("proxy-uri-creds", server.uri("/feed"))
                .proxy(proxy.uri("alice:p%40ss%3Aw%20rd")).proxy(new FixedSelector(proxy)).proxy(
                        proxy.uri("alice:p%40ss%3Aw%20rd")).build(); // the last proxy setting counts
        try {
            echoes(pool, 1);
        } finally {
            pool.close();
        }
        assertEquals(List.of(basic("alice", "p@ss:w rd")), proxy.authorizations());
        assertEquals(1, proxy.tunnels());
    }

    @Test
    void credentialsFromTheSupplierOverrideTheUrisAndAreAskedForOnEveryConnect() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        ConnectProxy proxy = track(ConnectProxy.start().requireCredentials("bob", "rotated"));
        AtomicInteger asked = new AtomicInteger();
        WebSocketPool pool = builder("proxy-supplied-creds", server.uri("/feed"))
                .proxy(proxy.uri("bob:stale")).proxyCredentials(() -> {
                    asked.incrementAndGet();
                    return new PasswordAuthentication("bob", "rotated".toCharArray());
                }).build();
        try {
            PooledConnection first = pool.acquire(Duration.ofSeconds(5));
            PooledConnection second = pool.acquire(Duration.ofSeconds(5)); // a second connection: a second CONNECT
            first.close();
            second.close();
            echoes(pool, 1);
        } finally {
            pool.close();
        }
        assertEquals(2, proxy.tunnels());
        assertEquals(List.of(basic("bob", "rotated"), basic("bob", "rotated")), proxy.authorizations());
        assertEquals(2, asked.get(), "the supplier was asked once per connect");
    }

    @Test
    void withoutCredentialsA407IsATypedFailureNamingTheProxyAndCountedAsAProxyFailure() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        ConnectProxy proxy = track(ConnectProxy.start().requireCredentials("alice", "secret"));
        List<ConnectEvent> events = new CopyOnWriteArrayList<>();
        ProxyConnectException e = proxyFailure(builder("proxy-407", server.uri("/feed")).proxy(proxy.uri())
                .listener(new PoolListener() {
                    @Override
                    public void onConnect(ConnectEvent event) {
                        events.add(event);
                    }
                }));
        assertEquals(407, e.statusCode());
        assertEquals("http://127.0.0.1:" + proxy.port(), e.proxy());
        assertTrue(e.getMessage().contains("proxy http://127.0.0.1:" + proxy.port() + " refused CONNECT 127.0.0.1:"
                + server.port() + ": HTTP/1.1 407 Proxy Authentication Required (proxy authentication required: give"
                + " credentials in the proxy URI or with proxyCredentials)"), e.getMessage());
        assertEquals(0, server.acceptedConnections(), "the endpoint was never reached");
        await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
        assertEquals(ConnectFailureCause.PROXY, events.get(0).failureCause());
    }

    @Test
    void wrongCredentialsAreRefusedWithoutShowingThem() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        ConnectProxy proxy = track(ConnectProxy.start().requireCredentials("alice", "right"));
        ProxyConnectException e = proxyFailure(builder("proxy-wrong-creds", server.uri("/feed"))
                .proxy(proxy.uri("alice:wrong-SECRET")));
        assertEquals(407, e.statusCode());
        assertTrue(e.getMessage().contains("the proxy did not accept the credentials given"), e.getMessage());
        assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
        assertFalse(e.getMessage().contains("alice"), e.getMessage());
        assertEquals(List.of(basic("alice", "wrong-SECRET")), proxy.authorizations(), "they were sent, once");
    }

    @Test
    void aProxyRefusingWith502Or403IsATypedFailureQuotingItsStatusLine() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        ConnectProxy proxy = track(ConnectProxy.start().refuseWith(502, "Bad Gateway"));
        ProxyConnectException bad = proxyFailure(builder("proxy-502", server.uri("/feed")).proxy(proxy.uri()));
        assertEquals(502, bad.statusCode());
        assertTrue(bad.getMessage().endsWith("refused CONNECT 127.0.0.1:" + server.port() + ": HTTP/1.1 502 Bad"
                + " Gateway"), bad.getMessage());

        proxy.refuseWith(403, "Forbidden");
        AtomicInteger supplied = new AtomicInteger();
        ProxyConnectException forbidden = proxyFailure(builder("proxy-403", server.uri("/feed")).proxy(proxy.uri())
                .headers((uri, refresh) -> {
                    supplied.incrementAndGet();
                    return java.util.Map.of();
                }));
        assertEquals(403, forbidden.statusCode());
        assertEquals(1, supplied.get(), "a proxy's 403 is not the server's: no retry with refreshed headers");
        assertEquals(0, server.acceptedConnections());
    }

    @Test
    void aProxyThatNeverAnswersFailsTheConnectWithinTheConnectTimeout() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        ConnectProxy proxy = track(ConnectProxy.start().mode(ConnectProxy.Mode.HANG));
        long start = System.nanoTime();
        ProxyConnectException e = proxyFailure(builder("proxy-hang", server.uri("/feed")).proxy(proxy.uri())
                .connectTimeout(Duration.ofMillis(500)));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs < 2500, "failed within the connect timeout, plus slack: " + tookMs + " ms");
        assertTrue(e.getMessage().contains("proxy http://127.0.0.1:" + proxy.port()) && e.getMessage().contains(
                "CONNECT 127.0.0.1:" + server.port()), e.getMessage());
        assertEquals(1, proxy.requestsRead(), "the request reached the proxy, which never answered");
        assertEquals(0, server.acceptedConnections());
    }

    @Test
    void anUnreachableProxyIsATypedFailureNamingIt() throws IOException {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ProxyConnectException e = proxyFailure(builder("proxy-down", server.uri("/feed"))
                .proxy(URI.create("http://127.0.0.1:" + closedPort)));
        assertTrue(e.getMessage().contains("could not connect to proxy http://127.0.0.1:" + closedPort),
                e.getMessage());
        assertEquals(0, e.statusCode());
    }

    @Test
    void bytesTheProxySendsAfterItsHeadGoToTheEndpointsSideOfTheTunnel() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        // as if the server had answered before the upgrade was sent: the upgrade's answer is then not a 101
        ConnectProxy proxy = track(ConnectProxy.start().afterHead("HTTP/1.1 418 Teapot\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1)));
        EndpointConnectException e = assertThrows(EndpointConnectException.class, () -> builder("proxy-early",
                server.uri("/feed")).proxy(proxy.uri()).failFastInitialization(true).build());
        assertNull(causeOfType(e, ProxyConnectException.class), "the tunnel was open: " + e);
        assertEquals(1, proxy.tunnels());
        assertEquals(418, e.statusCode(), "the bytes were read as the endpoint's answer: " + e);
    }

    @Test
    void aSelectorChoosesPerEndpointOneDirectOneProxied() throws Exception {
        TestWebSocketServer direct = track(TestWebSocketServer.start());
        TestWebSocketServer proxied = track(TestWebSocketServer.start());
        ConnectProxy proxy = track(ConnectProxy.start());
        List<URI> asked = new CopyOnWriteArrayList<>();
        ProxySelector selector = new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                asked.add(uri);
                return uri.getPort() == proxied.port()
                        ? List.of(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", proxy.port())))
                        : List.of(Proxy.NO_PROXY);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            }
        };
        WebSocketPool pool = pools().name("proxy-selector").endpoint(direct.uri("/a")).endpoint(proxied.uri("/b"))
                .pooling(true).proxy(selector).build();
        try {
            PooledConnection one = pool.acquire(Duration.ofSeconds(5));
            PooledConnection two = pool.acquire(Duration.ofSeconds(5)); // round-robin: the other endpoint
            assertFalse(one.endpoint().uri().equals(two.endpoint().uri()), "one connection per endpoint");
            one.close();
            two.close();
            echoes(pool, 2);
        } finally {
            pool.close();
        }
        assertEquals(List.of("127.0.0.1:" + proxied.port()), proxy.authorities(), "only one endpoint was proxied");
        assertEquals(1, direct.acceptedConnections());
        assertEquals(1, proxied.acceptedConnections());
        assertTrue(asked.contains(URI.create("http://127.0.0.1:" + direct.port()))
                && asked.contains(URI.create("http://127.0.0.1:" + proxied.port())), "ws:// looked up as http://: "
                + asked);
    }

    @Test
    void aSocksProxyFromTheSelectorFailsTheConnectSayingItIsNotSupported() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        ProxySelector socks = new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                return List.of(new Proxy(Proxy.Type.SOCKS, InetSocketAddress.createUnresolved("socks.test", 1080)));
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            }
        };
        EndpointConnectException e = assertThrows(EndpointConnectException.class, () -> builder("proxy-socks",
                server.uri("/feed")).proxy(socks).failFastInitialization(true).build());
        LocalConnectException local = causeOfType(e, LocalConnectException.class);
        assertNotNull(local, "a fault on this side: " + e);
        assertTrue(local.getMessage().contains("SOCKS proxies are not supported"), local.getMessage());
        assertEquals(0, server.acceptedConnections());
    }

    @Test
    void theJvmsProxySettingsAreHonouredByDefault() throws Exception {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        ConnectProxy proxy = track(ConnectProxy.start().alias("origin.test"));
        String[] keys = {"http.proxyHost", "http.proxyPort", "http.nonProxyHosts"};
        String[] saved = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            saved[i] = System.getProperty(keys[i]);
        }
        try {
            System.setProperty("http.proxyHost", "127.0.0.1");
            System.setProperty("http.proxyPort", String.valueOf(proxy.port()));
            System.clearProperty("http.nonProxyHosts");
            // the default nonProxyHosts (localhost|127.*|[::1]) keeps loopback direct, as users expect; the JDK adds
            // those defaults to any non-empty http.nonProxyHosts too
            WebSocketPool loopbackDirect = builder("proxy-system-direct", server.uri("/feed")).build();
            try {
                echoes(loopbackDirect, 1);
            } finally {
                loopbackDirect.close();
            }
            assertEquals(0, proxy.accepted(), "loopback went direct under the default nonProxyHosts");

            // a name that does not resolve here and that nonProxyHosts does not match: through the proxy
            System.setProperty("http.nonProxyHosts", "nothing.invalid");
            URI named = URI.create("ws://origin.test:" + server.port() + "/feed");
            WebSocketPool pool = builder("proxy-system", named).build(); // no proxy setting: the JVM's
            try {
                echoes(pool, 1);
            } finally {
                pool.close();
            }
            assertEquals(List.of("origin.test:" + server.port()), proxy.authorities());

            WebSocketPool opted = builder("proxy-system-opted-out", server.uri("/feed")).noProxy().build();
            System.setProperty("http.nonProxyHosts", ""); // empty: nothing is excluded, not even loopback
            try {
                echoes(opted, 1);
            } finally {
                opted.close();
            }
            assertEquals(1, proxy.authorities().size(), "noProxy() went direct");
        } finally {
            for (int i = 0; i < keys.length; i++) {
                if (saved[i] == null) {
                    System.clearProperty(keys[i]);
                } else {
                    System.setProperty(keys[i], saved[i]);
                }
            }
        }
    }

    /** A selector sending everything through {@code proxy}. */
    private static final class FixedSelector extends ProxySelector {
        private final ConnectProxy proxy;

        FixedSelector(ConnectProxy proxy) {
            this.proxy = proxy;
        }

        @Override
        public List<Proxy> select(URI uri) {
            return List.of(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", proxy.port())));
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        }
    }
}

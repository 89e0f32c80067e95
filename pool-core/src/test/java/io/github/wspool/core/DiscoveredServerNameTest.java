package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointResolver.Target;
import io.github.wspool.PoolException;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.testkit.TestCertificates;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An endpoint found by DNS connects to its address but speaks to its server by name: the {@code Host} header names
 * the server, and over {@code wss://} the TLS server name (SNI) is the name and the certificate, which names only
 * {@code wspool.test} (no address), is verified against it, with hostname verification on. On the default transport;
 * {@link ThreadPerConnectionDiscoveredServerNameTest} runs the same on the thread-per-connection one.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiscoveredServerNameTest {

    private static final String NAME = "wspool.test";

    /** A builder on the transport under test. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    private final List<String> sniSeen = new CopyOnWriteArrayList<>();
    private TestWebSocketServer server;
    private WebSocketPool pool;

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    private TestWebSocketServer tlsServer() {
        server = TestWebSocketServer.startTls(TestCertificates.serverContext(TestCertificates.NAMED, sniSeen));
        return server;
    }

    private WebSocketPoolBuilder tlsPool(String name) {
        return pools().name(name).pooling(true).acquireTimeout(Duration.ofSeconds(5))
                .sslContext(TestCertificates.trusting(TestCertificates.NAMED));
    }

    private void echoes(WebSocketPool p, String text) {
        try (PooledConnection c = p.acquire()) {
            c.send(text);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.receivedTexts().contains(text));
    }

    @Test
    void aWssEndpointFoundByDnsVerifiesTheCertificateAgainstTheNameAndSendsItAsSniAndHost() {
        int port = tlsServer().port();
        DnsResolverOptions.NameService names = host -> List.of(InetAddress.getByName("127.0.0.1"));
        pool = tlsPool("sn-dns").endpointResolver(EndpointResolvers.dns(
                URI.create("wss://" + NAME + ":" + port + "/sn?x=1"), DnsResolverOptions.defaults()
                        .withNameService(names))).build();
        echoes(pool, "by name over TLS");
        assertEquals(URI.create("wss://127.0.0.1:" + port + "/sn?x=1"), pool.control().endpoints().get(0).uri());
        assertEquals(NAME + ":" + port, server.lastHandshakeHeaders().get("host"));
        assertTrue(sniSeen.contains(NAME), "SNI seen by the server: " + sniSeen);
    }

    @Test
    void theSameAddressWithoutTheServerNameFailsHostnameVerification() {
        int port = tlsServer().port();
        pool = tlsPool("sn-none").acquireTimeout(Duration.ofSeconds(2))
                .endpointResolver(EndpointResolvers.fixed(Target.of(URI.create("wss://127.0.0.1:" + port + "/sn"))))
                .build();
        assertThrows(PoolException.class, () -> pool.acquire().close());
        assertEquals(0, server.completedHandshakes(), "the certificate names no address: no upgrade got through");
    }

    @Test
    void aWrongServerNameFailsHostnameVerification() {
        int port = tlsServer().port();
        pool = tlsPool("sn-wrong").acquireTimeout(Duration.ofSeconds(2))
                .endpointResolver(EndpointResolvers.fixed(new Target(URI.create("wss://127.0.0.1:" + port + "/sn"),
                        1, "other.test")))
                .build();
        assertThrows(PoolException.class, () -> pool.acquire().close());
        assertEquals(0, server.completedHandshakes());
    }

    @Test
    void aPlainEndpointWithAServerNameSendsItInTheHostHeader() {
        server = TestWebSocketServer.start();
        int port = server.port();
        pool = pools().name("sn-plain").pooling(true)
                .endpointResolver(EndpointResolvers.fixed(new Target(URI.create("ws://127.0.0.1:" + port + "/p"), 1,
                        NAME)))
                .build();
        echoes(pool, "plain by name");
        assertEquals(NAME + ":" + port, server.lastHandshakeHeaders().get("host"));
    }
}

package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointConnectException;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.testkit.TestCertificates;
import io.github.wspool.testkit.TestWebSocketServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code wss://} against a loopback TLS server whose self-signed certificates are generated for the run: trust through
 * a custom {@code SSLContext}, the JVM trust store refusing an unknown issuer, hostname verification on by default
 * and off only through the loudly named option, and user {@code SSLParameters} applied without switching
 * verification off.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsTest {

    /** The builder every pool of this test starts from; a subclass runs the same tests on another transport. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    private WebSocketPoolBuilder builder(String name, TestWebSocketServer server) {
        return pools().name(name).endpoint(server.uri("/tls")).pooling(true)
                .connectTimeout(Duration.ofSeconds(5)).failFastInitialization(true)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100));
    }

    @Test
    void trustedThroughACustomContextConnectsAndEchoes() throws Exception {
        try (TestWebSocketServer server = TestWebSocketServer.startTls(
                TestCertificates.serverContext(TestCertificates.LOOPBACK))) {
            WebSocketPool pool = builder("tls-ok", server)
                    .sslContext(TestCertificates.trusting(TestCertificates.LOOPBACK)).build();
            try (PooledConnection c = pool.acquire()) {
                assertEquals("{\"messageId\":\"1\",\"x\":\"tls\"}",
                        c.request("{\"messageId\":\"1\",\"x\":\"tls\"}", Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS));
            } finally {
                pool.close();
            }
            assertEquals("TLSv1.3", server.lastTlsProtocol(), "the JVM default negotiates TLS 1.3");
            await().atMost(Duration.ofSeconds(5)).until(() -> PoolIntegrationTest.poolThreads("tls-ok").isEmpty());
        }
    }

    @Test
    void anIpv6LiteralIsVerifiedAgainstTheCertificatesIpAddressEntry() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestWebSocketServer.ipv6LoopbackAvailable(),
                "this machine has no IPv6 loopback");
        try (TestWebSocketServer server = TestWebSocketServer.startTlsIpv6(
                TestCertificates.serverContext(TestCertificates.LOOPBACK))) {
            WebSocketPool pool = builder("tls-v6", server)
                    .sslContext(TestCertificates.trusting(TestCertificates.LOOPBACK)).build();
            try (PooledConnection c = pool.acquire()) {
                assertEquals("[::1]", c.endpoint().uri().getHost());
                assertEquals("{\"messageId\":\"6\"}",
                        c.request("{\"messageId\":\"6\"}", Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS));
            } finally {
                pool.close();
            }
        }
        try (TestWebSocketServer server = TestWebSocketServer.startTlsIpv6(
                TestCertificates.serverContext(TestCertificates.WRONG_HOST))) {
            EndpointConnectException e = assertThrows(EndpointConnectException.class, () -> builder("tls-v6-wrong", server)
                    .sslContext(TestCertificates.trusting(TestCertificates.WRONG_HOST)).build());
            assertTrue(causes(e).contains("::1"), "refused for the IPv6 address: " + causes(e));
        }
    }

    private static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append(" | ");
        }
        return all.toString();
    }

    @Test
    void anIssuerTheTrustStoreDoesNotKnowIsATypedHandshakeFailure() {
        try (TestWebSocketServer server = TestWebSocketServer.startTls(
                TestCertificates.serverContext(TestCertificates.LOOPBACK))) {
            // no sslContext: the JVM's default trust store, which does not hold the self-signed certificate
            EndpointConnectException e = assertThrows(EndpointConnectException.class,
                    () -> builder("tls-untrusted", server).build());
            SSLHandshakeException handshake = causeOfType(e, SSLHandshakeException.class);
            assertNotNull(handshake, "SSLHandshakeException in the cause chain of " + e);
            assertTrue(e.getMessage().contains("127.0.0.1"), e.getMessage());
            assertEquals(0, server.completedHandshakes());
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefusedWhileVerificationIsOn() {
        try (TestWebSocketServer server = TestWebSocketServer.startTls(
                TestCertificates.serverContext(TestCertificates.WRONG_HOST))) {
            // trusted issuer, wrong name: only hostname verification can refuse it
            SSLParameters userParams = new SSLParameters();
            userParams.setEndpointIdentificationAlgorithm(null); // ignored: verification is the pool's setting
            EndpointConnectException e = assertThrows(EndpointConnectException.class,
                    () -> builder("tls-wrong-host", server).sslParameters(userParams)
                            .sslContext(TestCertificates.trusting(TestCertificates.WRONG_HOST)).build());
            assertNotNull(causeOfType(e, SSLHandshakeException.class), "handshake failure in " + e);
            CertificateException name = causeOfType(e, CertificateException.class);
            assertNotNull(name, "the certificate was refused: " + e);
            assertTrue(name.getMessage().contains("127.0.0.1"), "refused for its name: " + name.getMessage());
            assertEquals(0, server.completedHandshakes());
        }
    }

    @Test
    void turningVerificationOffAcceptsTheOtherHostAndWarnsAtBuild() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        try (TestWebSocketServer server = TestWebSocketServer.startTls(
                TestCertificates.serverContext(TestCertificates.WRONG_HOST))) {
            WebSocketPool pool;
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8)); // slf4j-simple logs to stderr
            try {
                pool = builder("tls-insecure", server).sslContext(TestCertificates.trusting(TestCertificates.WRONG_HOST))
                        .dangerouslyDisableHostnameVerification().build();
            } finally {
                System.setErr(originalErr);
            }
            try (PooledConnection c = pool.acquire()) {
                c.send("over an unverified channel");
            } finally {
                pool.close();
            }
            assertEquals(1, server.completedHandshakes());
            String logs = captured.toString(StandardCharsets.UTF_8);
            assertTrue(logs.contains("WARN") && logs.contains("[tls-insecure] TLS hostname verification is OFF"),
                    "a WARN at build: " + logs);
        }
    }

    @Test
    void sslParametersAreAppliedOnTopOfTheContext() throws Exception {
        try (TestWebSocketServer server = TestWebSocketServer.startTls(
                TestCertificates.serverContext(TestCertificates.LOOPBACK))) {
            SSLParameters params = new SSLParameters();
            params.setProtocols(new String[] {"TLSv1.2"});
            WebSocketPool pool = builder("tls-params", server).sslParameters(params)
                    .sslContext(TestCertificates.trusting(TestCertificates.LOOPBACK)).build();
            try (PooledConnection c = pool.acquire()) {
                c.send("hello");
            } finally {
                pool.close();
            }
            assertEquals("TLSv1.2", server.lastTlsProtocol());
            assertEquals(null, params.getEndpointIdentificationAlgorithm(), "the user's parameters are not mutated");
        }
    }

    static <T extends Throwable> T causeOfType(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}

package io.github.wspool.core.internal.transport.selector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.core.spi.CompressionOptions;
import io.github.wspool.core.spi.ProxyOptions;
import io.github.wspool.core.spi.TlsOptions;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportOptions;
import io.github.wspool.testkit.RecordingTransportListener;
import io.github.wspool.testkit.SelectorEchoServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code wss://} on the selector transport, against a TLS server with a self-signed certificate made for the test. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SelectorTransportTlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    Path dir;
    private SelectorEchoServer server;
    private SelectorTransport transport;

    @AfterEach
    void stop() {
        if (transport != null) {
            transport.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void wssEchoesPingsAndClosesOrderlyOnTheSelector() throws Exception {
        KeyStore keys = selfSigned("ip:127.0.0.1");
        server = SelectorEchoServer.launch(serverContext(keys));
        transport = new SelectorTransport(1);
        RecordingTransportListener r = new RecordingTransportListener();
        TransportConnection c = transport.connect(server.uri(), options(clientContext(keys)), r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.opened.get() != null || r.closedCode.get() != null);
        assertNotNull(r.opened.get(), "opened, not closed with " + r.error.get());
        TransportConnection open = r.opened.get();

        open.sendText("hello over tls");
        byte[] big = new byte[200_000]; // a dozen TLS records each way
        ThreadLocalRandom.current().nextBytes(big);
        open.sendBinary(ByteBuffer.wrap(big));
        open.ping(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        await().atMost(Duration.ofSeconds(10)).until(() -> r.texts.size() == 1 && r.binaries.size() == 1
                && r.pongs.get() == 1);
        assertArrayEquals(new byte[] {1, 2, 3}, r.pongPayloads.get(0), "the pong echoes the ping's data");
        assertEquals("hello over tls", r.texts.get(0));
        assertArrayEquals(big, r.binaries.get(0));
        assertEquals(0, open.bufferedBytes(), "everything written");

        c.close(1000, "done");
        await().atMost(Duration.ofSeconds(10)).until(() -> r.closedCode.get() != null);
        assertEquals(1000, r.closedCode.get());
        assertEquals(1, r.closes.get(), "one close callback");
        assertFalse(open.isOpen());
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
        transport.close();
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("wspool-tls-test")).count(), "no transport thread");
    }

    @Test
    void aCertificateForAnotherHostFailsTheConnectWithTheHandshakeError() throws Exception {
        KeyStore keys = selfSigned("dns:other.example");
        server = SelectorEchoServer.launch(serverContext(keys));
        transport = new SelectorTransport(1);
        RecordingTransportListener r = new RecordingTransportListener();
        transport.connect(server.uri(), options(clientContext(keys)), r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.closedCode.get() != null);
        assertEquals(null, r.opened.get(), "never opened");
        Throwable e = r.error.get();
        while (e != null && !(e instanceof SSLHandshakeException)) {
            e = e.getCause();
        }
        assertNotNull(e, "the TLS failure is the cause: " + r.error.get());
        assertTrue(e.getMessage().contains("127.0.0.1"), e.getMessage());
    }

    @Test
    void anOrderlyCloseEndsWithTheClientsCloseNotify() throws Exception {
        KeyStore keys = selfSigned("ip:127.0.0.1");
        server = SelectorEchoServer.launch(serverContext(keys));
        transport = new SelectorTransport(1);
        try (RecordSniffer sniffer = new RecordSniffer(server.uri().getPort())) {
            SSLParameters tls12 = new SSLParameters(); // TLS 1.2: an alert travels as its own record type
            tls12.setProtocols(new String[] {"TLSv1.2"});
            RecordingTransportListener r = new RecordingTransportListener();
            transport.connect(URI.create("wss://127.0.0.1:" + sniffer.port() + "/"), new TransportOptions(
                    Duration.ofSeconds(5), 1 << 20, Map.of(), null, false, List.of(), false,
                    new TlsOptions(clientContext(keys), tls12, true), ProxyOptions.DIRECT, "wspool-tls-test",
                    CompressionOptions.OFF, null), r);
            await().atMost(Duration.ofSeconds(10)).until(() -> r.opened.get() != null || r.closedCode.get() != null);
            assertNotNull(r.opened.get(), "opened, not closed with " + r.error.get());
            r.opened.get().sendText("before the close");
            await().atMost(Duration.ofSeconds(10)).until(() -> r.texts.size() == 1);

            r.opened.get().close(1000, "done");
            await().atMost(Duration.ofSeconds(10)).until(() -> r.closedCode.get() != null);
            await().atMost(Duration.ofSeconds(10)).until(sniffer::clientFinished);
            List<Integer> types = sniffer.clientRecordTypes();
            assertEquals(ALERT, types.get(types.size() - 1), "the client's last TLS record is close_notify: " + types);
            assertEquals(APPLICATION_DATA, types.get(types.size() - 2), "after the close frame: " + types);
        }
    }

    private static TransportOptions options(SSLContext client) {
        return new TransportOptions(Duration.ofSeconds(5), 1 << 20, Map.of(), null, false, List.of(), false,
                new TlsOptions(client, null, true), ProxyOptions.DIRECT, "wspool-tls-test", CompressionOptions.OFF,
                null);
    }

    /** A fresh EC key pair and self-signed certificate with the given subject alternative name, from keytool. */
    private KeyStore selfSigned(String san) throws Exception {
        Path store = dir.resolve("server-" + System.nanoTime() + ".p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=wspool test", "-ext", "SAN=" + san, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", new String(PASSWORD),
                "-keypass", new String(PASSWORD)).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, p.exitValue(), output);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    private static SSLContext serverContext(KeyStore keys) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static SSLContext clientContext(KeyStore keys) throws Exception {
        Certificate cert = keys.getCertificate("server");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static final int ALERT = 21;
    private static final int APPLICATION_DATA = 23;

    /**
     * A TCP relay in front of the server that parses the TLS record headers the client sends and keeps their types.
     * The server's end of stream half-closes towards the client; the client's side is read until its own FIN.
     */
    private static final class RecordSniffer implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        private final List<Integer> types = new CopyOnWriteArrayList<>();
        private final CountDownLatch clientDone = new CountDownLatch(1);
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        RecordSniffer(int serverPort) throws IOException {
            Thread t = new Thread(() -> relay(serverPort), "tls-record-sniffer");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        boolean clientFinished() {
            return clientDone.getCount() == 0;
        }

        List<Integer> clientRecordTypes() {
            return List.copyOf(types);
        }

        private void relay(int serverPort) {
            try (Socket client = listener.accept(); Socket upstream = new Socket("127.0.0.1", serverPort)) {
                sockets.add(client);
                sockets.add(upstream);
                Thread back = new Thread(() -> {
                    try {
                        upstream.getInputStream().transferTo(client.getOutputStream());
                        client.shutdownOutput();
                    } catch (IOException e) {
                        // the client is gone
                    }
                }, "tls-record-sniffer-back");
                back.setDaemon(true);
                back.start();
                InputStream in = client.getInputStream();
                byte[] header = new byte[5];
                while (in.readNBytes(header, 0, 5) == 5) {
                    int length = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
                    byte[] body = in.readNBytes(length);
                    types.add(header[0] & 0xff);
                    try {
                        upstream.getOutputStream().write(header);
                        upstream.getOutputStream().write(body);
                    } catch (IOException e) {
                        // the server closed already: keep reading what the client sends
                    }
                }
            } catch (IOException e) {
                // closed by the test
            } finally {
                clientDone.countDown();
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}

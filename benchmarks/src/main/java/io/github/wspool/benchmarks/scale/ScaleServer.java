package io.github.wspool.benchmarks.scale;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.CountDownLatch;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.extensions.IExtension;
import org.java_websocket.framing.Framedata;
import org.java_websocket.extensions.permessage_deflate.PerMessageDeflateExtension;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.DefaultSSLWebSocketServerFactory;
import org.java_websocket.server.WebSocketServer;

/**
 * The loopback echo server of the scale run, meant for its own JVM: Java-WebSocket's NIO {@link WebSocketServer}
 * (one selector, two decoders, no lost-connection timer), so that its threads do not grow with connections.
 *
 * <p>Java-WebSocket 1.6.0's server can lose a write: its selector clears OP_WRITE after draining a connection's queue
 * without re-checking it, so a frame queued by a decoder at that instant waits for the connection's next write. A
 * 20 ms sweep re-arms any connection with queued frames; an echo caught by the race shows up as up to 20 ms of RTT.
 * The sweep looks only at connections that were written to since it last found them drained (an echo, a pong, the
 * upgrade answer, a close frame), plus every connection once a second: a sweep over all 19,000 connections 50 times
 * a second was most of this server's CPU while the client's connections were held and closed.
 *
 * <p>Usage: {@code ScaleServer <port-file> [<pkcs12-keystore> <password>]}: binds an ephemeral port on 127.0.0.1, writes
 * it to the file, runs until killed. Every 100 ms it writes the closes it has seen by close code to
 * {@code <port-file>.closes} (the client checks that each of its connections sent its close frame). With a key store
 * it speaks TLS ({@code wss://}) with that key. With the
 * environment variable {@code SCALE_COMPRESSION=1} it accepts permessage-deflate and keeps its compression context
 * between messages (so each client connection that receives a compressed message keeps an inflater: the memory a
 * compressed connection costs at most).
 */
public final class ScaleServer extends WebSocketServer {

    private final CountDownLatch started = new CountDownLatch(1);
    /** Connections written to since the sweep last found their queue empty. */
    private final Set<WebSocket> written = ConcurrentHashMap.newKeySet();
    /** Closes seen, by close code (1001: the client's close frame arrived; 1006: the TCP connection just ended). */
    private final Map<Integer, LongAdder> closes = new ConcurrentSkipListMap<>();

    private ScaleServer(boolean compression) {
        super(new InetSocketAddress("127.0.0.1", 0), 2,
                List.of(compression ? new Draft_6455(new ContextKeepingDeflate()) : new Draft_6455()));
        setReuseAddr(true);
        setConnectionLostTimeout(0);
        setTcpNoDelay(true);
        setMaxPendingConnections(1024); // the default backlog of 50 drops SYNs under 64 concurrent connects (1 s retry)
    }

    /**
     * Runs the server.
     *
     * @param args the file to write the port to
     * @throws Exception if it cannot start
     */
    public static void main(String[] args) throws Exception {
        ScaleServer server = new ScaleServer("1".equals(System.getenv("SCALE_COMPRESSION")));
        if (args.length > 2) {
            server.setWebSocketFactory(new DefaultSSLWebSocketServerFactory(tls(Path.of(args[1]), args[2].toCharArray())));
        }
        server.start();
        if (!server.started.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("server did not start");
        }
        ScheduledExecutorService sweep = Executors.newSingleThreadScheduledExecutor();
        sweep.scheduleWithFixedDelay(() -> server.rearmLostWrites(server.written), 20, 20, TimeUnit.MILLISECONDS);
        sweep.scheduleWithFixedDelay(() -> server.rearmLostWrites(server.getConnections()), 1, 1, TimeUnit.SECONDS);
        Path stats = Path.of(args[0] + ".closes");
        sweep.scheduleWithFixedDelay(() -> server.writeCloses(stats), 100, 100, TimeUnit.MILLISECONDS);
        Files.writeString(Path.of(args[0]), Integer.toString(server.getPort()));
        Thread.currentThread().join();
    }

    private static SSLContext tls(Path keyStore, char[] password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private void rearmLostWrites(Collection<WebSocket> connections) {
        // a copy: a connection still holding data is added again below, and a live iterator could meet it again
        for (WebSocket c : connections.toArray(new WebSocket[0])) {
            written.remove(c); // before the look: a frame queued after it is either seen now or adds c again
            if (c.hasBufferedData()) {
                written.add(c);
                try {
                    onWriteDemand(c);
                } catch (RuntimeException e) {
                    // closing meanwhile
                }
            }
        }
    }

    @Override
    public void onStart() {
        started.countDown();
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        written.add(conn); // the upgrade answer is queued
    }

    @Override
    public void onClosing(WebSocket conn, int code, String reason, boolean remote) {
        written.add(conn); // the close frame is queued
    }

    @Override
    public void onWebsocketPing(WebSocket conn, Framedata f) {
        super.onWebsocketPing(conn, f); // queues the pong
        written.add(conn);
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        written.remove(conn);
        closes.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    /** Writes the close counts, {@code code=count} per line, for the client to check its closes against. */
    private void writeCloses(Path file) {
        StringBuilder b = new StringBuilder();
        closes.forEach((code, n) -> b.append(code).append('=').append(n.sum()).append('\n'));
        b.append("cpu=").append(((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime()).append('\n');
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, b);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // the next sweep tries again
        }
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        conn.send(message);
        written.add(conn);
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        conn.send(message);
        written.add(conn);
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
    }

    /**
     * Java-WebSocket's extension, keeping the server's context between messages and saying so: the library's own
     * answer always claims {@code server_no_context_takeover}, even when its deflater keeps its context.
     */
    static final class ContextKeepingDeflate extends PerMessageDeflateExtension {
        ContextKeepingDeflate() {
            setServerNoContextTakeover(false);
        }

        @Override
        public String getProvidedExtensionAsServer() {
            return "permessage-deflate" + (isClientNoContextTakeover() ? "; client_no_context_takeover" : "");
        }

        @Override
        public IExtension copyInstance() {
            return new ContextKeepingDeflate();
        }
    }
}

package io.github.wspool.testkit;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.DefaultSSLWebSocketServerFactory;
import org.java_websocket.server.WebSocketServer;

/**
 * An echo server on 127.0.0.1 whose thread count does not grow with its connections: Java-WebSocket's own NIO
 * {@link WebSocketServer} with one decoder thread and no lost-connection timer. For tests that hold thousands of
 * connections in one JVM, where the thread-per-connection {@link TestWebSocketServer} would hide the client's thread
 * count under its own. It echoes every message; nothing else.
 */
public final class SelectorEchoServer extends WebSocketServer implements AutoCloseable {

    private final CountDownLatch started = new CountDownLatch(1);
    private final AtomicInteger open = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();

    private final boolean secure;
    private volatile WriteDemandKicker kicker;

    private SelectorEchoServer(SSLContext tls) {
        super(new InetSocketAddress("127.0.0.1", 0), 1);
        setReuseAddr(true);
        setConnectionLostTimeout(0);
        setMaxPendingConnections(1024); // the default backlog of 50 drops SYNs under 64 concurrent connects (1 s retry)
        this.secure = tls != null;
        if (tls != null) {
            setWebSocketFactory(new DefaultSSLWebSocketServerFactory(tls));
        }
    }

    /**
     * Starts a server on an ephemeral loopback port and waits until it accepts.
     *
     * @return the running server
     */
    public static SelectorEchoServer launch() {
        return launch(null);
    }

    /**
     * Starts a server that speaks TLS ({@code wss://}) with the given context's key, on an ephemeral loopback port.
     *
     * @param tls the server's context, or {@code null} for plain {@code ws://}
     * @return the running server
     */
    public static SelectorEchoServer launch(SSLContext tls) {
        SelectorEchoServer s = new SelectorEchoServer(tls);
        s.start();
        try {
            if (!s.started.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("echo server did not start within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return s;
    }

    /** @return {@code ws://127.0.0.1:<port>/}, or {@code wss://} for a TLS server */
    public URI uri() {
        return URI.create((secure ? "wss" : "ws") + "://127.0.0.1:" + getPort() + "/");
    }

    /** @return WebSocket connections currently open at the server */
    public int openConnections() {
        return open.get();
    }

    /**
     * Text messages received (and echoed) so far, over all connections.
     *
     * @return the count
     */
    public long textMessagesReceived() {
        return received.get();
    }

    @Override
    public void onStart() {
        kicker = WriteDemandKicker.watch(this);
        started.countDown();
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        open.incrementAndGet();
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        open.decrementAndGet();
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        received.incrementAndGet();
        conn.send(message);
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        conn.send(message);
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
        // a client going away is routine here
    }

    /** Stops the server and joins its threads (bounded). */
    @Override
    public void close() {
        WriteDemandKicker k = kicker;
        if (k != null) {
            k.close();
        }
        try {
            stop(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

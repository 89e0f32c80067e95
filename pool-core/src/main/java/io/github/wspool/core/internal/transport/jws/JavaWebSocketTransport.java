package io.github.wspool.core.internal.transport.jws;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.core.internal.concurrent.DaemonThreads;
import io.github.wspool.core.internal.transport.BoundedDraft;
import io.github.wspool.core.spi.Transport;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import io.github.wspool.core.spi.TransportOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ServerHandshake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread-per-connection transport: one Java-WebSocket {@link WebSocketClient} per connection, tuned for pooling.
 * Not the default (that is the shared-selector transport); a pool uses this one when built with
 * {@code WebSocketPoolBuilder.threadPerConnectionTransport()}.
 *
 * <ul>
 *   <li>The client's {@code run()} loop runs on a daemon thread this transport starts and names
 *       ({@code <threadNamePrefix>-io-<n>}, that is {@code wspool-<pool>-io-<n>} in a pool) instead of the library's
 *       own, so that {@link #close()} can join every one of them, for up to 3 s: after the pool closes, none is
 *       left.</li>
 *   <li>{@code setConnectionLostTimeout(0)}: the library's per-client lost-connection timer is not started; the pool
 *       sends keepalive pings from its one scheduler instead.</li>
 *   <li>TCP_NODELAY on; inbound messages bounded by {@code maxMessageSize} however they are fragmented
 *       ({@link BoundedDraft}; the library's default is unbounded); the TCP connect bounded by
 *       {@code connectTimeout} (the pool bounds the whole handshake); on {@code ws://}, the server's
 *       handshake response bounded too ({@code HandshakeBoundedSocket}).</li>
 *   <li>{@code wss://} through the pool's {@link io.github.wspool.core.spi.TlsOptions}: its SSL context (or the
 *       JVM default), its parameters, and the library's hostname verification unless explicitly turned off.</li>
 *   <li>Upgrade headers from {@link TransportOptions#handshakeHeaders}, resolved on the connection's own thread
 *       (a header supplier may block); the server's subprotocol checked against the requested ones
 *       ({@link BoundedDraft#acceptSubprotocol}).</li>
 *   <li>A rejected upgrade (for example {@code 401}) becomes an {@link EndpointConnectException} that quotes the
 *       status line.</li>
 * </ul>
 *
 * <p>Java-WebSocket starts one more thread per open connection for writes ({@code WebSocketWriteThread-N}); it
 * ends when the connection closes.
 */
public final class JavaWebSocketTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(JavaWebSocketTransport.class);
    private static final long JOIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(3);

    private final String poolName;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger threadSequence = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param poolName the owning pool's name, for logs (thread names come from
     *                 {@link TransportOptions#threadNamePrefix()})
     */
    public JavaWebSocketTransport(String poolName) {
        this.poolName = poolName;
    }

    @Override
    public TransportConnection connect(URI uri, TransportOptions options, TransportListener listener) {
        BoundedDraft draft = new BoundedDraft(options.maxMessageSize(), options.subprotocols());
        int connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, options.connectTimeout().toMillis()));
        Client client = new Client(uri, draft, options, connectTimeoutMillis, listener);
        client.setConnectionLostTimeout(0);
        client.setTcpNoDelay(true);
        if (closed) {
            client.finish(-1, "transport closed", false, new IllegalStateException("transport closed"));
            return client;
        }
        Thread thread = new Thread(() -> runClient(client),
                options.threadNamePrefix() + "-io-" + threadSequence.incrementAndGet());
        thread.setDaemon(true);
        clients.add(client);
        threads.add(thread);
        if (closed) { // close() ran meanwhile and may have missed this thread: never start it
            clients.remove(client);
            threads.remove(thread);
            client.finish(-1, "transport closed", false, new IllegalStateException("transport closed"));
            return client;
        }
        thread.start();
        return client;
    }

    private void runClient(Client client) {
        try {
            // Called here, on the connection's own thread: a supplier fetching a token blocks this connect only.
            Map<String, String> headers;
            try {
                headers = client.options.handshakeHeaders(client.getURI());
            } catch (EndpointConnectException e) {
                client.finish(-1, e.getMessage(), false, e);
                return;
            }
            headers.forEach(client::addHeader);
            client.run();
        } catch (RuntimeException | Error e) {
            log.warn("[{}] WebSocket client loop for {} failed", poolName, Endpoint.describe(client.getURI()), e);
            client.finish(1006, String.valueOf(e.getMessage()), false, e);
        } finally {
            // run() can return without a close callback (e.g. after an abort before the socket existed)
            client.finish(-1, "connection ended", false, null);
            clients.remove(client);
            threads.remove(Thread.currentThread());
        }
    }

    /** Aborts what is still open and joins every client thread, bounded. */
    @Override
    public void close() {
        closed = true;
        for (Client c : clients) {
            c.abort();
        }
        // a close() from a callback skips its own thread: that one ends when the callback returns
        for (Thread t : DaemonThreads.joinAll(threads, System.nanoTime() + JOIN_TIMEOUT_NANOS)) {
            log.warn("[{}] transport thread {} did not stop in time", poolName, t.getName());
        }
    }

    /** One connection: the library's client plus the adapter to the pool's listener. */
    private static final class Client extends WebSocketClient implements TransportConnection {

        private final TransportListener listener;
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile Exception firstError;
        private volatile boolean aborted;
        private final AbortableSocketFactory sockets;
        final TransportOptions options;
        private volatile String subprotocol = "";

        Client(URI uri, BoundedDraft draft, TransportOptions options, int connectTimeoutMillis,
               TransportListener listener) {
            super(uri, draft, null, connectTimeoutMillis);
            this.listener = listener;
            this.options = options;
            this.sockets = new AbortableSocketFactory("wss".equalsIgnoreCase(uri.getScheme())
                    ? options.tls().socketFactory() : HandshakeBoundedSocket.FACTORY);
            setSocketFactory(sockets);
        }

        /**
         * Applies the pool's TLS options, then the library's own hostname verification (endpoint identification
         * {@code HTTPS}), unless the pool was explicitly built with verification off.
         */
        @Override
        protected void onSetSSLParameters(SSLParameters sslParameters) {
            options.tls().configure(sslParameters);
            if (options.tls().verifyHostname()) {
                super.onSetSSLParameters(sslParameters);
            }
            // Handshake here, on the client's own thread, before the library starts its reader and writer: left to
            // them, both race into the handshake, and when the reader loses it reports a bare close without the
            // SSLHandshakeException (the library passes only TLS errors to onError). Thrown from here, the
            // library reports it through onError before the close, every time.
            if (getSocket() instanceof SSLSocket ssl) {
                ssl.setSSLParameters(sslParameters);
                try {
                    ssl.startHandshake();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
            if (finished.get() || aborted) {
                closeSocketQuietly();
                return;
            }
            String accepted = BoundedDraft.acceptSubprotocol(handshake, options, getURI(), this, e -> firstError = e);
            if (accepted == null) {
                return; // failed: the close reports it
            }
            subprotocol = accepted;
            if (getSocket() instanceof HandshakeBoundedSocket bounded) {
                bounded.handshakeDone(); // frames flow unchecked from here on
            }
            listener.onOpen(this);
        }

        @Override
        public String subprotocol() {
            return subprotocol;
        }

        @Override
        public void onMessage(String message) {
            listener.onText(message);
        }

        @Override
        public void onMessage(ByteBuffer bytes) {
            listener.onBinary(bytes);
        }

        @Override
        public void onWebsocketPong(WebSocket conn, Framedata f) {
            super.onWebsocketPong(conn, f);
            listener.onPong();
        }

        @Override
        public void onError(Exception ex) {
            if (firstError == null) {
                // unwrap the TLS handshake failure thrown from onSetSSLParameters
                firstError = ex instanceof UncheckedIOException u ? u.getCause() : ex;
            }
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            Throwable error = firstError;
            if (error == null && getSocket() instanceof HandshakeBoundedSocket bounded) {
                error = bounded.refusal(); // the library reports no plain I/O error from its read loop
            }
            finish(code, reason == null ? "" : reason, remote, error);
        }

        void finish(int code, String reason, boolean remote, Throwable error) {
            if (finished.compareAndSet(false, true)) {
                listener.onClosed(code, reason, remote, BoundedDraft.upgradeRejection(getURI(), reason, error));
            }
        }

        /**
         * Keeps the library's read loop reading until the server closes the connection, as RFC 6455 (7.1.1) asks of
         * a client. Otherwise the loop stops at its first read once the engine is CLOSING and the socket is closed
         * at once: the interrupted write thread drops what it has not written yet when the interrupt lands during a
         * write, and a socket closed with unread input (echoes still arriving) is reset, which discards what the
         * kernel has not sent yet and fails the server's socket. Either way, messages sent just before
         * {@code close} were silently lost. Once the server has closed, every frame before the close frame has
         * reached it. The pool's {@code closeTimeout} aborts a connection whose server never closes.
         */
        @Override
        public boolean isClosing() {
            return false;
        }

        @Override
        public void sendText(String text) {
            send(text);
        }

        @Override
        public void sendBinary(ByteBuffer data) {
            send(data.duplicate());
        }

        /** Sums the library's out queue: exact, and cheap while the write thread keeps up (the queue is short). */
        @Override
        public long bufferedBytes() {
            long n = 0;
            for (ByteBuffer b : ((WebSocketImpl) getConnection()).outQueue) {
                n += b.remaining();
            }
            return n;
        }

        @Override
        public void ping() {
            if (isOpen()) {
                sendPing();
            }
        }

        /**
         * Closes the socket, whatever stage the client loop is at: the loop then fails its connect, its handshake or
         * its read, and reports the close. Closing from here rather than calling the engine keeps every callback on
         * the loop's own thread and lets the library stop its write thread.
         */
        @Override
        public void abort() {
            aborted = true;
            sockets.abort();
        }

        private void closeSocketQuietly() {
            sockets.abort();
        }
    }
}

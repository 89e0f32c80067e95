package io.github.wspool.core.internal.transport.jws;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.core.internal.concurrent.DaemonThreads;
import io.github.wspool.core.internal.concurrent.ElasticExecutor;
import io.github.wspool.core.internal.transport.AddressResolver;
import io.github.wspool.core.internal.transport.BoundedDraft;
import io.github.wspool.core.internal.transport.EndReason;
import io.github.wspool.core.internal.transport.ConnectPreparation;
import io.github.wspool.core.internal.transport.MessageFrames;
import io.github.wspool.MessageNotSentException;
import io.github.wspool.core.spi.SendCallback;
import io.github.wspool.core.spi.Transport;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import io.github.wspool.core.spi.TransportOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.PingFrame;
import org.java_websocket.handshake.ClientHandshake;
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
 *   <li>TCP_NODELAY on; inbound messages bounded by {@code maxMessageSize} however they are fragmented, and frames
 *       read in bounded chunks ({@link BoundedDraft}; the library's default is unbounded); every address of the
 *       host tried in turn, the whole TCP connect bounded by {@code connectTimeout} ({@code AbortableSocketFactory};
 *       the library tries the first address only; the pool bounds the whole handshake); on {@code ws://}, the
 *       server's handshake response bounded too ({@code HandshakeBoundedSocket}).</li>
 *   <li>The {@code Host} header names the port unless it is the scheme's default
 *       ({@link AddressResolver#hostHeader}; the library's leaves out 80 and 443 whatever the scheme).</li>
 *   <li>A connection the engine fails (a protocol violation, a message too big) is closed at once after its close
 *       frame (RFC 6455 7.1.7), not when the server gets round to closing it ({@code Client.onClosing}).</li>
 *   <li>{@code wss://} through the pool's {@link io.github.wspool.core.spi.TlsOptions}: its SSL context (or the
 *       JVM default), its parameters, and the library's hostname verification unless explicitly turned off, all
 *       applied, and the TLS handshake completed, by the socket factory ({@code AbortableSocketFactory}).</li>
 *   <li>Upgrade headers from {@link TransportOptions#handshakeHeaders} and the host's addresses prepared on a
 *       preparer thread ({@code <threadNamePrefix>-connect-<n>}, elastic, ended after 10 s idle) that the
 *       connection's thread waits for, bounded by the connect timeout ({@link ConnectPreparation}): a header
 *       supplier or DNS lookup that hangs fails its connect as a local fault once the timeout passes (or at once
 *       on abort), and its thread is interrupted; the server's subprotocol checked against the requested ones
 *       ({@link BoundedDraft#acceptHandshakeAnswer}).</li>
 *   <li>Through an HTTP proxy ({@link TransportOptions#proxy()}): the socket factory connects to the proxy and
 *       runs its {@code CONNECT} exchange ({@link io.github.wspool.core.internal.transport.ProxyTunnel}) within the
 *       connect timeout, then TLS for the endpoint's host on the tunnel, as on a direct connect.</li>
 *   <li>The upgrade request is queued by the transport, not written by the engine, which would log it at TRACE with
 *       its tokens ({@link BoundedDraft#queueUpgradeRequest}).</li>
 *   <li>A rejected upgrade (for example {@code 401}) becomes an {@link EndpointConnectException} that quotes the
 *       status line.</li>
 * </ul>
 *
 * <p><b>Outcomes of sends.</b> A tracked send ({@code sendText(String, SendCallback)}) registers its encoded frame
 * ({@link BoundedDraft#captureNext}) before the engine queues it. The socket's output stream, which the library's
 * write thread writes each queued frame to, reports every frame whose bytes were all written ({@link FrameLedger},
 * {@link LedgerOutputStream}; over TLS the frames are seen as plaintext, through {@link TlsSocket}): only then does
 * a tracked send complete. When the connection ends, once the write thread has stopped (it writes out the queue when
 * interrupted at the close; bounded by {@link #WRITER_STOP_NANOS}, then the socket is closed under it), tracked frames
 * not written fail their callbacks and untracked data frames not written are reported to the listener
 * ({@link TransportListener#onUndelivered}), with the reason the selector transport would give. A send that raced
 * with the end (queued after that accounting) settles its own frame. A write that fails (the server reset the
 * connection, say) fails its frame and those after it with {@code ABORTED}: a failure for the connection, never a
 * success.
 *
 * <p>Java-WebSocket starts one more thread per open connection for writes ({@code WebSocketWriteThread-N}); it
 * ends when the connection closes.
 */
public final class JavaWebSocketTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(JavaWebSocketTransport.class);
    private static final long JOIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(3);
    /** How long a failed connection waits for its write thread to take the close frame before closing anyway. */
    static final long FAIL_FLUSH_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long FAIL_FLUSH_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    /**
     * How long the end of a connection waits for the library's write thread to write what is left (it writes the
     * queue out once interrupted) before closing the socket under it, and then again for it to stop.
     */
    static final long WRITER_STOP_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long PREPARER_IDLE_SECONDS = 10;

    private final String poolName;
    private final AddressResolver resolver;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger threadSequence = new AtomicInteger();
    private volatile boolean closed;
    private volatile ElasticExecutor preparers; // written once, under this object's monitor

    /**
     * @param poolName the owning pool's name, for logs (thread names come from
     *                 {@link TransportOptions#threadNamePrefix()})
     */
    public JavaWebSocketTransport(String poolName) {
        this(poolName, AddressResolver.SYSTEM);
    }

    /**
     * A transport that resolves host names with {@code resolver} (tests connect made-up names to loopback sockets).
     *
     * @param poolName the owning pool's name, for logs
     * @param resolver gives the addresses each connect tries in turn
     */
    public JavaWebSocketTransport(String poolName, AddressResolver resolver) {
        this.poolName = poolName;
        this.resolver = resolver;
    }

    @Override
    public TransportConnection connect(URI uri, TransportOptions options, TransportListener listener) {
        BoundedDraft draft = new BoundedDraft(options.maxMessageSize(), options.subprotocols(), options.compression());
        FrameLedger ledger = new FrameLedger();
        draft.frameSink((frame, callback) -> ledger.track(frame, (SendCallback) callback)); // the engine's copy too
        Client client = new Client(uri, draft, ledger, options, resolver, listener);
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
            // The header supplier and DNS on a preparer thread, waited for here, on the connection's own thread, for
            // the connect timeout at most: past it (or on abort) the connect fails as a local fault at once, and this
            // thread is free, whatever the supplier or the resolver is still doing.
            ConnectPreparation.Prepared prepared;
            try {
                client.preparation.start(preparers(client.options.threadNamePrefix()));
                prepared = client.preparation.await();
            } catch (RejectedExecutionException e) {
                client.finish(-1, "transport closed", false, new IllegalStateException("transport closed"));
                return;
            } catch (EndpointConnectException e) {
                client.finish(-1, e.getMessage(), false, e);
                return;
            } catch (Exception e) {
                client.finish(-1, String.valueOf(e.getMessage()), false, e);
                return;
            }
            client.sockets.prepared(prepared.addresses(), client.preparation.deadlineNanos(), prepared.tunnel());
            // the library's omits 80 and 443; and an endpoint found by DNS names its server, not its address
            client.addHeader("Host", AddressResolver.hostHeader(client.getURI(), client.options.serverName()));
            prepared.headers().forEach(client::addHeader); // a Host header of the pool's own replaces it
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

    /**
     * The threads that run header suppliers and DNS lookups (elastic: one that hangs holds only its own thread),
     * started with the first connect; {@code null} once closed.
     */
    private ElasticExecutor preparers(String threadNamePrefix) {
        ElasticExecutor p = preparers;
        if (p != null) {
            return p;
        }
        synchronized (this) {
            if (closed) {
                throw new RejectedExecutionException("transport closed");
            }
            if (preparers == null) {
                preparers = ElasticExecutor.create(1, ElasticExecutor.DEFAULT_MAX_THREADS, PREPARER_IDLE_SECONDS,
                        threadNamePrefix + "-connect-", threads);
            }
            return preparers;
        }
    }

    /** Aborts what is still open and joins every client thread, bounded. */
    @Override
    public void close() {
        ElasticExecutor p;
        synchronized (this) {
            closed = true;
            p = preparers;
        }
        for (Client c : clients) {
            c.abort();
        }
        if (p != null) {
            p.shutdownNow(); // a supplier still running is interrupted
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
        /** What became of the frames sent: tracked sends, frames written, and, at the end, those that were not. */
        private final FrameLedger ledger;
        /** The engine's copy of the draft, which encodes the frames (and captures the tracked ones). */
        private final BoundedDraft engineDraft;
        /** The connection opened: the library's write thread exists, and frames may have been sent. */
        private volatile boolean opened;
        /** The socket was closed under a write thread that did not stop: its write error is not the server's. */
        private volatile boolean writerCutOff;
        private volatile Exception firstError;
        private volatile boolean aborted;
        final AbortableSocketFactory sockets;
        final TransportOptions options;
        /** The header supplier and DNS, time-boxed by the connect timeout from the connect call. */
        final ConnectPreparation preparation;
        private volatile String subprotocol = "";
        /** The pool asked for a close ({@link #close(int, String)}): wait for the server's close, as usual. */
        private volatile boolean closeRequested;
        /** The engine failed the connection: read nothing more, close the socket once the close frame is out. */
        private volatile boolean failing;

        Client(URI uri, BoundedDraft draft, FrameLedger ledger, TransportOptions options, AddressResolver resolver,
               TransportListener listener) {
            super(uri, draft, null, 0); // the socket factory connects, bounded by the connect timeout
            this.listener = listener;
            this.ledger = ledger;
            this.engineDraft = (BoundedDraft) ((WebSocketImpl) getConnection()).getDraft(); // the engine's copy
            this.options = options;
            this.preparation = new ConnectPreparation(uri, options, resolver);
            // TLS is layered, configured and shaken hands on there (not in onSetSSLParameters: the library sees a
            // plain socket, so that the frames it writes are counted before encryption)
            this.sockets = new AbortableSocketFactory(uri, AddressResolver.secure(uri) ? options.tls() : null, ledger,
                    options.connectTimeout(), options.serverNameFor(uri));
            setSocketFactory(sockets);
        }

        /**
         * The engine has completed the upgrade request (key, version, subprotocols) and is about to write it: the
         * request is queued here instead, unlogged ({@link BoundedDraft#queueUpgradeRequest}; the draft gives the
         * engine nothing to write, because the engine logs what it writes, tokens included). The library's write
         * thread, started once the request is queued, sends it.
         */
        @Override
        public void onWebsocketHandshakeSentAsClient(WebSocket conn, ClientHandshake request) {
            BoundedDraft.queueUpgradeRequest(conn, request);
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
            if (finished.get() || aborted) {
                closeSocketQuietly();
                return;
            }
            // the engine's own close, not this.close(): refusing the answer fails the connection (onClosing)
            String accepted = BoundedDraft.acceptHandshakeAnswer(handshake, options, getURI(), getConnection(),
                    e -> firstError = e);
            if (accepted == null) {
                return; // failed: the close reports it
            }
            subprotocol = accepted;
            if (getSocket() instanceof HandshakeBoundedSocket bounded) {
                bounded.handshakeDone(); // frames flow unchecked from here on
            }
            opened = true;
            listener.onOpen(this);
        }

        /** Open in the engine's eyes, and not finished here. */
        @Override
        public boolean isOpen() {
            return super.isOpen() && !finished.get();
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
            listener.onPong(f.getPayloadData());
        }

        @Override
        public void onError(Exception ex) {
            if (firstError == null) {
                firstError = ex; // a TLS handshake failure from the socket factory, for one
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

        /** Reports the end once: first what became of the frames still unwritten, then the close, last of all. */
        void finish(int code, String reason, boolean remote, Throwable error) {
            if (finished.compareAndSet(false, true)) {
                settleFrames(remote, error);
                listener.onClosed(code, reason, remote, BoundedDraft.upgradeRejection(getURI(), reason, error));
            }
        }

        /**
         * The connection ended: once the library's write thread has stopped (interrupted at the close, it writes out
         * what is queued, unless a write fails), frames it did not write fail their callbacks or, untracked, are
         * reported to the listener. A write thread still blocked after {@link #WRITER_STOP_NANOS} (a server that
         * does not read) gets the socket closed under it. On the write thread itself (its write failed, and the
         * library ends the connection from there) nothing is waited for: it writes nothing more.
         */
        private void settleFrames(boolean remote, Throwable error) {
            if (opened && !ledger.isWriterThread() && !ledger.awaitWriter(WRITER_STOP_NANOS)) {
                writerCutOff = true;
                sockets.abort(); // the blocked write fails
                if (!ledger.awaitWriter(WRITER_STOP_NANOS)) {
                    log.debug("write thread of {} did not stop; frames it still writes are reported not written",
                            Endpoint.describe(getURI()));
                }
            }
            Throwable cause = error;
            if (cause == null && !aborted && !writerCutOff) {
                cause = ledger.writeError(); // the server reset the connection, say: a failure, never a success
            }
            MessageNotSentException.Reason reason = dropReason(remote, cause);
            long[] lost = ledger.settle(outQueue(), reason, cause);
            if (lost != null) {
                listener.onUndelivered((int) lost[0], lost[1], reason);
            }
        }

        /** Why frames not written at the end were not ({@link EndReason}). */
        private MessageNotSentException.Reason dropReason(boolean remote, Throwable error) {
            return EndReason.of(remote, closeRequested, failing, error);
        }

        /**
         * After a send: if the frames were settled meanwhile, this one may have been queued after that, with no
         * writer left to write it, so the sender settles again (each frame is taken once). The sender queues, then
         * reads {@code settled}; the end sets it, then empties the queue: one of them sees the frame.
         */
        private void afterSend() {
            if (ledger.settled()) {
                long[] lost = ledger.settle(outQueue(), MessageNotSentException.Reason.NOT_OPEN, null);
                if (lost != null) {
                    listener.onUndelivered((int) lost[0], lost[1], MessageNotSentException.Reason.NOT_OPEN);
                }
            }
        }

        private Queue<ByteBuffer> outQueue() {
            return engine().outQueue;
        }

        private WebSocketImpl engine() {
            return (WebSocketImpl) getConnection();
        }

        /**
         * Keeps the library's read loop reading until the server closes the connection, as RFC 6455 (7.1.1) asks of
         * a client. Otherwise the loop stops at its first read once the engine is CLOSING and the socket is closed
         * at once: the interrupted write thread drops what it has not written yet when the interrupt lands during a
         * write, and a socket closed with unread input (echoes still arriving) is reset, which discards what the
         * kernel has not sent yet and fails the server's socket. Either way, messages sent just before
         * {@code close} were silently lost. Once the server has closed, every frame before the close frame has
         * reached it. The pool's {@code closeTimeout} aborts a connection whose server never closes.
         *
         * <p>Except when the engine failed the connection ({@link #onClosing}): then the loop stops at once.
         */
        @Override
        public boolean isClosing() {
            return failing;
        }

        /** The pool's close: the closing handshake, then the server closes the TCP connection (RFC 6455 7.1.1). */
        @Override
        public void close(int code, String reason) {
            closeRequested = true;
            super.close(code, reason);
        }

        /**
         * A close the engine started itself, not at the pool's request and not answering the server's close: it
         * failed the connection (a frame over the limits, a masked or otherwise invalid frame, invalid UTF-8, a
         * refused subprotocol), and its close frame is queued. RFC 6455 7.1.7: send it, then close the TCP
         * connection at once, without waiting for the server's close, and process nothing more from that peer. On
         * the reading thread: once the write thread has taken the close frame from the queue, the read loop stops
         * ({@link #isClosing()}) and the library's close interrupts the write thread, which writes what it holds and
         * closes the socket. A server that does not read gets its socket closed after
         * {@link JavaWebSocketTransport#FAIL_FLUSH_NANOS}.
         */
        @Override
        public void onClosing(int code, String reason, boolean remote) {
            if (remote || closeRequested) {
                return;
            }
            failing = true;
            Queue<ByteBuffer> out = outQueue();
            long deadline = System.nanoTime() + FAIL_FLUSH_NANOS;
            while (!out.isEmpty()) {
                if (System.nanoTime() - deadline >= 0) {
                    sockets.abort(); // the server is not reading: the close frame cannot go out
                    return;
                }
                LockSupport.parkNanos(FAIL_FLUSH_POLL_NANOS);
            }
        }

        @Override
        public void sendText(String text) {
            MessageFrames.queueText(engine(), engineDraft, text);
            afterSend();
        }

        @Override
        public void sendBinary(ByteBuffer data) {
            MessageFrames.queueBinary(engine(), engineDraft, data.duplicate());
            afterSend();
        }

        /** Completes once the library's write thread has written the whole frame to the socket (see the ledger). */
        @Override
        public void sendText(String text, SendCallback callback) {
            engineDraft.captureNext(callback);
            try {
                MessageFrames.queueText(engine(), engineDraft, text);
            } finally {
                engineDraft.endCapture();
            }
            afterSend();
        }

        @Override
        public void sendBinary(ByteBuffer data, SendCallback callback) {
            engineDraft.captureNext(callback);
            try {
                MessageFrames.queueBinary(engine(), engineDraft, data.duplicate());
            } finally {
                engineDraft.endCapture();
            }
            afterSend();
        }

        /** Sums the library's out queue: exact, and cheap while the write thread keeps up (the queue is short). */
        @Override
        public long bufferedBytes() {
            long n = 0;
            for (ByteBuffer b : outQueue()) {
                n += b.remaining();
            }
            return n;
        }

        @Override
        public void ping(ByteBuffer payload) {
            if (isOpen()) {
                PingFrame frame = new PingFrame();
                frame.setPayload(payload.duplicate());
                MessageFrames.queue(engine(), engineDraft, frame);
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
            preparation.giveUp(true); // the connection's thread stops waiting for a hung supplier or DNS at once
            sockets.abort();
        }

        private void closeSocketQuietly() {
            sockets.abort();
        }
    }
}

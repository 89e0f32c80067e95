package io.github.wspool.core.internal.transport.selector;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.MessageNotSentException;
import io.github.wspool.core.internal.transport.AddressResolver;
import io.github.wspool.core.internal.transport.BoundedDraft;
import io.github.wspool.core.internal.transport.ConnectPreparation;
import io.github.wspool.core.spi.LocalConnectException;
import io.github.wspool.core.spi.SendCallback;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import io.github.wspool.core.spi.TransportOptions;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.PingFrame;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.HandshakeImpl1Client;
import org.java_websocket.handshake.Handshakedata;
import org.java_websocket.handshake.ServerHandshake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of the {@link SelectorTransport}: a non-blocking {@link SocketChannel} on one {@link SelectorLoop},
 * Java-WebSocket's protocol engine ({@link WebSocketImpl}, client role) fed from it, and the adapter from the
 * engine's listener to the pool's.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>A connector thread prepares the connect: the upgrade headers (a header supplier may block) and DNS, time-boxed
 *       by the connect timeout ({@link ConnectPreparation}: past it the connect fails as a local fault and the thread
 *       is interrupted), then the TLS engine. From then on the channel, its key and the engine's reading side belong
 *       to the loop thread; other threads reach them only through {@link SelectorLoop#execute}.</li>
 *   <li>Sends come from any thread: the engine queues the frames ({@code outQueue}) and calls
 *       {@link #onWriteDemand}. On an open {@code ws://} connection the sending thread then writes the queue to the
 *       socket itself, unless another thread is writing it or the socket is full: no hand-off to the selector and
 *       no selector wake-up per message, which is what a request/reply round trip pays most for. Otherwise (TLS,
 *       the handshake, a full socket) it schedules one flush on the loop; that flag is cleared <i>before</i> the
 *       flush drains the queue, so a frame queued during a flush schedules another one: no write is lost when
 *       OP_WRITE is cleared (the race Java-WebSocket's own server has). One writer at a time, the loop included,
 *       holds {@link #writing}; whoever releases it looks at the queue again.</li>
 *   <li>Callbacks to the pool go through a {@link CallbackSequence}: open and close on a worker, messages and pongs
 *       inline on the loop, in order.</li>
 * </ul>
 *
 * <h2>Connecting</h2>
 * Every address the host resolves to ({@link AddressResolver}) is tried in turn until one accepts, each but the last
 * with an equal share of what is left of the connect timeout, so one that never answers leaves time for the others.
 *
 * <h2>Outcomes of sends</h2>
 * A tracked send ({@link #sendText(String, SendCallback)}) registers its encoded frame ({@link BoundedDraft#captureNext})
 * before the engine queues it; whoever writes the queue (a sender or the loop, one at a time) reports each frame
 * written once the socket took all of it: on a plain connection when it leaves the queue, over TLS once its
 * encrypted bytes are all written. When the connection ends, what is still queued is taken out under the writer's
 * flag: tracked frames fail their callbacks, untracked data frames are counted and reported to the listener
 * ({@link TransportListener#onUndelivered}). A send that raced with the end (queued after the connection finished)
 * takes its own frame out again: nothing queued is ever silently left behind. Over TLS, frames whose encrypted
 * bytes were only partly written when the connection ended are all reported not written, though the first of them
 * may have arrived.
 *
 * <h2>Closing</h2>
 * The engine never gets the channel, so it cannot close it behind our back: after a close handshake the client
 * keeps reading until the server closes the TCP connection (RFC 6455 7.1.1), which reports the close. The pool's
 * {@code closeTimeout} aborts a server that never does; an answer to the server's close frame is bounded here by
 * {@link #CLOSE_LINGER_NANOS}. When the engine fails the connection (a protocol error, a message too big, invalid
 * UTF-8: RFC 6455 7.1.7) the client reads nothing more, writes its close frame and closes the TCP connection at
 * once, without waiting for the server's close. Before the channel closes, input the server sent and nobody read is
 * read and discarded: closing a socket with unread input sends a reset, which throws away what the kernel has not
 * sent yet (frames already reported written); with it read, the close sends a FIN after them.
 */
final class SelectorConnection extends WebSocketAdapter implements TransportConnection {

    private static final Logger log = LoggerFactory.getLogger(SelectorConnection.class);
    /** How long a close the engine started waits for the server to close the TCP connection. */
    static final long CLOSE_LINGER_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final VarHandle WRITING;

    static {
        try {
            WRITING = MethodHandles.lookup().findVarHandle(SelectorConnection.class, "writing", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SelectorTransport transport;
    private final SelectorLoop loop;
    private final URI uri;
    private final TransportOptions options;
    private final TransportListener listener;
    private final CallbackSequence callbacks;
    private final WebSocketImpl engine;
    private final BoundedDraft draft; // the engine's own copy
    /** The outcomes of sent frames: tracked sends, and what was never written. */
    private final SentFrames sent = new SentFrames();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicBoolean flushRequested = new AtomicBoolean();
    /** 1 while a thread writes the engine's queue to the socket (plain connections). */
    @SuppressWarnings("unused") // through WRITING
    private volatile int writing;
    /** Set on the loop once a plain connection is open and its channel connected: senders may write themselves. */
    private volatile boolean directWrites;
    private volatile boolean aborted;
    private volatile boolean readSuspended;
    private volatile Throwable firstError;
    private volatile String subprotocol = "";
    /** The engine failed the connection (RFC 6455 7.1.7): no more reads; the socket closes once the close frame is out. */
    private volatile boolean failing;
    /** The address being connected to, then the connected one (for the engine; any thread). */
    private volatile InetSocketAddress address;

    /** Header supplier and DNS, time-boxed by the connect timeout, on a connector thread. */
    private final ConnectPreparation preparation;
    /** nanoTime by which TCP must be connected, all addresses together (the preparation's deadline too). */
    private final long connectDeadline;

    // Set by the connector in prepared(), read by the loop after execute() (a happens-before edge).
    private List<InetSocketAddress> addresses;
    private HandshakeImpl1Client handshake;
    private TlsSession tls;

    // Loop thread only.
    private SocketChannel channel;
    private SelectionKey key;
    private int interest;
    private boolean connecting;
    private int nextAddress; // index of the next address to try
    private Exception connectFailure; // the last address's failure, earlier ones suppressed
    private boolean wantWrite;
    private boolean opened;
    private boolean closeRequested; // the pool's close(): the closing handshake, not a failure
    private long handshakeBytes; // bytes given to the engine before the handshake completed

    SelectorConnection(SelectorTransport transport, SelectorLoop loop, URI uri, TransportOptions options,
                       TransportListener listener, CallbackSequence callbacks, AddressResolver resolver) {
        this.transport = transport;
        this.loop = loop;
        this.uri = uri;
        this.options = options;
        this.listener = listener;
        this.callbacks = callbacks;
        BoundedDraft d = new BoundedDraft(options.maxMessageSize(), options.subprotocols());
        d.frameSink((frame, callback) -> sent.track(frame, (SendCallback) callback));
        this.engine = new WebSocketImpl(this, d);
        this.draft = (BoundedDraft) engine.getDraft(); // the engine works on a copy
        this.preparation = new ConnectPreparation(uri, options, resolver, this::prepared);
        this.connectDeadline = preparation.deadlineNanos();
    }

    // ------------------------------------------------------------------------------------------------ connecting

    /**
     * Starts the connect: the {@linkplain ConnectPreparation preparation} (header supplier, DNS) on a connector
     * thread, and its deadline on the loop. Called once, by the transport's {@code connect}.
     *
     * @param connectors the transport's elastic connector threads
     * @throws java.util.concurrent.RejectedExecutionException if they are shut down
     */
    void start(Executor connectors) {
        if (!loop.execute(() -> loop.deadline(preparation.deadlineNanos(), this::preparationTimedOut))) {
            throw new java.util.concurrent.RejectedExecutionException("transport closed");
        }
        preparation.start(connectors);
    }

    /**
     * The preparation's task ended: on the connector thread that ran it, everything else that may block (the TLS
     * engine), then the hand-over to the loop. Nothing if the preparation was given up (the loop's deadline, or an
     * abort, already reported the connect).
     */
    private void prepared() {
        if (!preparation.claim()) {
            return;
        }
        if (aborted || finished.get()) {
            finishFromOutside(-1, "connect aborted", null);
            return;
        }
        try {
            ConnectPreparation.Prepared p = preparation.result();
            HandshakeImpl1Client h = new HandshakeImpl1Client();
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            h.setResourceDescriptor(uri.getRawQuery() != null ? path + '?' + uri.getRawQuery() : path);
            h.put("Host", AddressResolver.hostHeader(uri));
            p.headers().forEach(h::put);
            handshake = h;
            addresses = p.addresses();
            if (AddressResolver.secure(uri)) {
                tls = new TlsSession(options.tls().newClientEngine(uri.getHost(), AddressResolver.port(uri)), this);
            }
        } catch (EndpointConnectException e) {
            finishFromOutside(-1, e.getMessage(), e);
            return;
        } catch (Exception e) {
            finishFromOutside(-1, String.valueOf(e.getMessage()), e);
            return;
        } catch (Throwable e) { // an Error: the connect is reported before it goes on up
            finishFromOutside(-1, String.valueOf(e.getMessage()), e);
            throw e;
        }
        if (!loop.execute(this::register)) {
            finishFromOutside(-1, "transport closed", new IllegalStateException("transport closed"));
        }
    }

    /**
     * The connect timeout passed. If the header supplier or DNS is still running, the connect fails now as a local
     * fault ({@link io.github.wspool.core.spi.LocalConnectException}) and the preparing thread is interrupted. Loop
     * thread.
     */
    private void preparationTimedOut() {
        LocalConnectException late = preparation.giveUp(false);
        if (late != null && !finished.get()) {
            log.debug("connect to {} failed: {}", Endpoint.describe(uri), late.getMessage());
            finish(-1, late.getMessage(), false, late);
        }
    }

    /** Reports a connect that never reached the loop, through the loop if it still runs (one producer of callbacks). */
    private void finishFromOutside(int code, String reason, Throwable error) {
        if (!loop.execute(() -> finish(code, reason, false, error))) {
            finish(code, reason, false, error); // the loop is gone: nothing else can report this connection
        }
    }

    private void register() {
        if (finished.get()) {
            return;
        }
        if (aborted || loop.isStopping()) {
            finish(-1, aborted ? "connect aborted" : "transport closed", false, null);
            return;
        }
        connectNext();
    }

    /**
     * Starts a TCP connect to the next address the host resolved to; fails the connection once none is left (or the
     * connect timeout has passed). Each address but the last gets an equal share of the time left
     * ({@link AddressResolver#attemptNanos}); the last one has the rest, bounded by the pool's connect deadline.
     */
    private void connectNext() {
        while (true) {
            int left = addresses.size() - nextAddress;
            long remaining = connectDeadline - System.nanoTime();
            if (left == 0 || remaining <= 0) {
                failed(left == 0 ? connectFailure : withEarlier(new SocketTimeoutException("connect timed out after "
                        + "trying " + nextAddress + " of " + addresses.size() + " addresses")));
                return;
            }
            InetSocketAddress a = addresses.get(nextAddress++);
            address = a;
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                connecting = !channel.connect(a);
                key = channel.register(loop.selector(), 0, this);
                interest = 0;
            } catch (IOException | RuntimeException e) {
                addressFailed(e); // refused at once, or an address family this host lacks: the next one
                continue;
            }
            if (!connecting) {
                try {
                    connected();
                } catch (IOException | RuntimeException e) {
                    failed(e);
                }
                return;
            }
            updateInterest();
            if (nextAddress < addresses.size()) {
                int attempt = nextAddress;
                loop.deadline(System.nanoTime() + AddressResolver.attemptNanos(remaining, left),
                        () -> attemptTimedOut(attempt));
            }
            return;
        }
    }

    /** The address being connected to failed: its channel goes, the failure is kept for the report. Loop thread. */
    private void addressFailed(Exception e) {
        connectFailure = withEarlier(e);
        closeChannel();
        key = null;
        channel = null;
        interest = 0;
        connecting = false;
    }

    private Exception withEarlier(Exception latest) {
        Exception earlier = connectFailure;
        if (earlier != null && earlier != latest) {
            latest.addSuppressed(earlier);
        }
        return latest;
    }

    /** An address's share of the connect timeout passed ({@code attempt}: the index after it). Loop thread. */
    private void attemptTimedOut(int attempt) {
        if (finished.get() || !connecting || nextAddress != attempt) {
            return; // connected, failed or moved on meanwhile
        }
        addressFailed(new SocketTimeoutException("connect to " + address + " timed out"));
        connectNext();
    }

    /** OP_CONNECT fired. */
    void connectable() throws IOException {
        try {
            if (!channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            addressFailed(e);
            connectNext();
            return;
        }
        connecting = false;
        connected();
    }

    private void connected() throws IOException {
        if (tls != null) {
            updateInterest();
            tls.begin(); // the WebSocket handshake starts once TLS is established
        } else {
            startWebSocketHandshake();
        }
    }

    /** TCP (and TLS, if any) is up: send the upgrade request. */
    void startWebSocketHandshake() {
        try {
            engine.startHandshake(handshake);
        } catch (InvalidDataException e) {
            failed(e);
            return;
        }
        handshake = null;
        updateInterest();
    }

    // ------------------------------------------------------------------------------------------------ I/O (loop)

    SocketChannel channel() {
        return channel;
    }

    SelectorLoop loop() {
        return loop;
    }

    /** OP_READ fired: one read into the loop's shared buffer, decoded at once (the engine copies what it keeps). */
    void readable(ByteBuffer buffer) {
        try {
            if (tls != null) {
                tls.readable(buffer);
                return;
            }
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                endOfStream();
            } else if (n > 0) {
                buffer.flip();
                decode(buffer);
            }
        } catch (IOException e) {
            failed(e);
        }
    }

    /** Plain bytes for the engine (from the socket, or decrypted). */
    void decode(ByteBuffer plain) {
        if (finished.get() || !plain.hasRemaining()) {
            return;
        }
        if (!opened) {
            if (handshakeBytes > BoundedDraft.MAX_HANDSHAKE_RESPONSE_BYTES) { // earlier reads did not complete it
                failed(new EndpointConnectException(uri, BoundedDraft.handshakeResponseTooLong(handshakeBytes), 0,
                        null));
                return;
            }
            handshakeBytes += plain.remaining();
        }
        engine.decode(plain);
        if (!opened && engine.isFlushAndClose() && !failing && !finished.get()) {
            // the upgrade failed (rejected, or not a WebSocket answer): nothing to wait for
            engine.closeConnection();
        }
    }

    /** The server closed its side of the TCP connection. */
    void endOfStream() {
        if (!finished.get()) {
            engine.eot();
        }
    }

    /** OP_WRITE fired. */
    void writable() {
        flush();
    }

    private void requestFlush() {
        if (flushRequested.compareAndSet(false, true)) {
            loop.execute(this::flush); // false: the loop stopped and finished this connection
        }
    }

    /** Writes what the engine has queued; arms OP_WRITE only while the socket cannot take more. Loop thread. */
    void flush() {
        flushRequested.set(false); // first: a frame queued from now on schedules another flush
        if (finished.get() || channel == null || connecting) {
            return; // a connect in progress flushes once it completes
        }
        try {
            boolean drained;
            if (tls != null) {
                drained = tls.flush(engine.outQueue);
                if (drained && !engine.outQueue.isEmpty()) {
                    drained = tls.flush(engine.outQueue); // re-check before clearing OP_WRITE
                }
            } else {
                if (!WRITING.compareAndSet(this, 0, 1)) {
                    // A sender is writing: it looks at the queue again when it is done, and leaves what the socket
                    // does not take to a new flush. Until then OP_WRITE would only fire again and again.
                    wantWrite = false;
                    updateInterest();
                    return;
                }
                try {
                    drained = writePlain();
                } finally {
                    writing = 0;
                }
                if (drained && !engine.outQueue.isEmpty()) {
                    requestFlush(); // queued meanwhile by a sender that found us writing: not lost, not spun on
                }
            }
            wantWrite = !drained;
            updateInterest();
            if (drained && failing && engine.outQueue.isEmpty()) {
                engine.closeConnection(); // the close frame is out: now the TCP connection (RFC 6455 7.1.7)
            }
        } catch (IOException e) {
            failed(e);
        }
    }

    /**
     * A sender's thread writes the queue itself (plain, open connections): one buffer at a time, in queue order,
     * until the queue is empty or the socket is full. A full socket, a failure or a busy writer leave the rest to
     * the loop.
     */
    private void writeDirect() {
        while (WRITING.compareAndSet(this, 0, 1)) {
            boolean full = false;
            try {
                ByteBuffer head;
                while ((head = engine.outQueue.peek()) != null) {
                    channel.write(head);
                    if (head.hasRemaining()) {
                        full = true;
                        break;
                    }
                    engine.outQueue.poll();
                    written(head);
                }
            } catch (IOException e) {
                loop.execute(() -> failed(e)); // the loop ends the connection (the flag is released below)
                return;
            } finally {
                writing = 0;
            }
            if (full) {
                requestFlush(); // the loop arms OP_WRITE and finishes the rest
                return;
            }
            if (engine.outQueue.isEmpty()) {
                return;
            }
            // a frame queued while this thread held the flag: its sender left it to us (or to the loop)
        }
        requestFlush(); // someone else is writing; make sure the loop looks once it is done
    }

    private boolean writePlain() throws IOException {
        ByteBuffer[] batch = loop.writeBatch();
        while (true) {
            int n = 0;
            for (ByteBuffer b : engine.outQueue) {
                batch[n++] = b;
                if (n == batch.length) {
                    break;
                }
            }
            if (n == 0) {
                return true;
            }
            channel.write(batch, 0, n);
            int done = 0;
            while (done < n && !batch[done].hasRemaining()) {
                engine.outQueue.poll();
                written(batch[done]);
                done++;
            }
            java.util.Arrays.fill(batch, 0, n, null);
            if (done < n) {
                return false;
            }
        }
    }

    /** A plain connection's frame left the queue, all written. Writer only. */
    private void written(ByteBuffer frame) {
        sent.written(frame);
    }

    /** The frame outcomes, for {@link TlsSession} (loop thread). */
    SentFrames sent() {
        return sent;
    }

    /**
     * The connection finished: takes every frame still queued out of the queue under the writer's flag (no writer
     * polls meanwhile); tracked ones fail, untracked data frames are counted for the caller to report. Safe to call
     * more than once and from any thread once {@link #finished} is set: each frame is taken once.
     *
     * @return the untracked data frames dropped, {@code [frames, bytes]}, or {@code null}
     */
    private long[] dropQueued(MessageNotSentException.Reason reason, Throwable cause) {
        while (!WRITING.compareAndSet(this, 0, 1)) {
            Thread.onSpinWait(); // a writer finishing its (non-blocking) write on the closed channel
        }
        try {
            return sent.drain(engine.outQueue, loop.inLoop() || loop.isStopped(), reason, cause);
        } finally {
            writing = 0;
        }
    }

    /** Why frames still queued at the end were not written. */
    private MessageNotSentException.Reason dropReason(boolean remote, Throwable error) {
        if (remote && error == null) {
            return MessageNotSentException.Reason.CLOSED_BY_PEER;
        }
        if (closeRequested && error == null && !failing) {
            return MessageNotSentException.Reason.CLOSE_TIMEOUT; // the pool's close, cut off by its closeTimeout
        }
        return MessageNotSentException.Reason.ABORTED;
    }

    /**
     * After a send: if the connection finished meanwhile, its frame may have been queued after the final drain, so
     * the sender drains again (each frame is taken once, by one of them).
     */
    private void afterSend() {
        if (finished.get()) {
            long[] lost = dropQueued(MessageNotSentException.Reason.NOT_OPEN, null);
            if (lost != null) {
                listener.onUndelivered((int) lost[0], lost[1], MessageNotSentException.Reason.NOT_OPEN);
            }
        }
    }

    /** Sets the key's interest from the connection's state. Loop thread. */
    void updateInterest() {
        SelectionKey k = key;
        if (k == null || !k.isValid()) {
            return;
        }
        int ops;
        if (connecting) {
            ops = SelectionKey.OP_CONNECT;
        } else if (tls != null) {
            ops = tls.interest(readSuspended || failing, wantWrite);
        } else {
            ops = (readSuspended || failing ? 0 : SelectionKey.OP_READ) | (wantWrite ? SelectionKey.OP_WRITE : 0);
        }
        if (ops != interest) {
            k.interestOps(ops);
            interest = ops;
        }
    }

    private void interestChanged() {
        if (loop.inLoop()) {
            updateInterest();
        } else {
            loop.execute(this::updateInterest);
        }
    }

    /** An I/O or internal failure: the connection ends abnormally. Loop thread. */
    void failed(Exception e) {
        if (firstError == null) {
            firstError = e;
        }
        abortNow();
    }

    /** Ends the connection now, without a closing handshake. Loop thread. */
    private void abortNow() {
        if (finished.get()) {
            return;
        }
        try {
            engine.eot(); // reports through onWebsocketClose with the close code the engine's state implies
        } catch (RuntimeException e) {
            log.debug("closing the engine of {} failed", Endpoint.describe(uri), e);
        }
        if (!finished.get()) {
            finish(opened ? 1006 : -1, "aborted", false, firstError);
        }
    }

    /** A close the engine started did not end within {@link #CLOSE_LINGER_NANOS}. */
    void deadlinePassed() {
        if (!finished.get()) {
            log.debug("server of {} did not close the connection within {} ms of the closing handshake",
                    Endpoint.describe(uri), TimeUnit.NANOSECONDS.toMillis(CLOSE_LINGER_NANOS));
            abortNow();
        }
    }

    /** The loop is stopping. */
    void shutdown() {
        if (firstError == null) {
            firstError = new IllegalStateException("transport closed");
        }
        abortNow();
    }

    private void closeChannel() {
        SelectionKey k = key;
        if (k != null) {
            k.cancel();
        }
        SocketChannel ch = channel;
        if (ch != null) {
            discardUnreadInput(ch);
            try {
                ch.close();
            } catch (IOException e) {
                // closed either way
            }
        }
    }

    /**
     * Reads and throws away what the server sent and nobody read, so that the close that follows sends a FIN after
     * the bytes still in the kernel's send buffer instead of a reset that discards them. Bounded: a few reads, never
     * a wait; bytes arriving after it still cause a reset. Loop thread (or the loop is gone).
     */
    private void discardUnreadInput(SocketChannel ch) {
        if (connecting || !ch.isConnected() || !(loop.inLoop() || loop.isStopped())) {
            return;
        }
        ByteBuffer scratch = loop.discardBuffer();
        try {
            for (int i = 0; i < 16; i++) {
                scratch.clear();
                if (ch.read(scratch) <= 0) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // reset or closed already: nothing left to protect
        }
    }

    /** Reports the end once: closes the channel, forgets the connection, and calls the pool last of all. */
    private void finish(int code, String reason, boolean remote, Throwable error) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        directWrites = false;
        if (loop.inLoop() || loop.isStopped()) {
            if (tls != null && channel != null && !connecting && loop.inLoop()) {
                tls.closeOutbound(); // on the loop only: it uses the loop's buffers
            }
            closeChannel();
        }
        MessageNotSentException.Reason dropReason = dropReason(remote, error);
        long[] lost = dropQueued(dropReason, error);
        if (tls != null) {
            tls.release();
        }
        transport.forget(this);
        if (lost != null) {
            callbacks.offload(() -> listener.onUndelivered((int) lost[0], lost[1], dropReason));
        }
        Throwable cause = BoundedDraft.upgradeRejection(uri, reason, error);
        callbacks.offload(() -> listener.onClosed(code, reason, remote, cause));
    }

    // ------------------------------------------------------------------------------------------------ engine callbacks

    @Override
    public void onWebsocketOpen(WebSocket conn, Handshakedata d) {
        String accepted = BoundedDraft.acceptSubprotocol(d, options, uri, engine, e -> firstError = e);
        if (accepted == null) {
            return; // failed: the close reports it
        }
        subprotocol = accepted;
        opened = true;
        directWrites = tls == null; // connected and upgraded; the channel field is published by this volatile write
        if (aborted) {
            abortNow();
            return;
        }
        callbacks.offload(() -> listener.onOpen(this));
    }

    /**
     * The engine has completed the upgrade request (key, version, subprotocols) and is about to write it: the
     * request is queued here instead, unlogged ({@link BoundedDraft#queueUpgradeRequest}; the draft gives the engine
     * nothing to write, because the engine logs what it writes, tokens included), and flushed as any write is.
     */
    @Override
    public void onWebsocketHandshakeSentAsClient(WebSocket conn, ClientHandshake request) {
        BoundedDraft.queueUpgradeRequest(conn, request);
        onWriteDemand(conn);
    }

    @Override
    public void onWebsocketHandshakeReceivedAsClient(WebSocket conn, ClientHandshake request, ServerHandshake response) {
        // accepted by the draft; the subprotocol is checked in onWebsocketOpen
    }

    @Override
    public void onWebsocketMessage(WebSocket conn, String message) {
        if (!finished.get()) {
            callbacks.inline(() -> listener.onText(message));
        }
    }

    @Override
    public void onWebsocketMessage(WebSocket conn, ByteBuffer blob) {
        if (!finished.get()) {
            callbacks.inline(() -> listener.onBinary(blob)); // the engine's own copy: valid after this call too
        }
    }

    @Override
    public void onWebsocketPong(WebSocket conn, Framedata f) {
        if (!finished.get()) {
            ByteBuffer payload = f.getPayloadData(); // the frame's own copy: valid after this call too
            callbacks.inline(() -> listener.onPong(payload));
        }
    }

    @Override
    public void onWebsocketClose(WebSocket ws, int code, String reason, boolean remote) {
        finish(code, reason == null ? "" : reason, remote, firstError);
    }

    /**
     * The engine is closing: queued its close frame (or answered the server's). A close neither the pool asked for
     * nor the server started is the engine failing the connection (a frame over the limits, a masked or otherwise
     * invalid frame, invalid UTF-8, a refused subprotocol). RFC 6455 7.1.7: the close frame goes out, then the TCP
     * connection closes at once, without waiting for the server's close, and nothing more is read from that peer
     * ({@link #failNow()}). Otherwise the client waits for the server to close TCP (7.1.1), for
     * {@link #CLOSE_LINGER_NANOS} at most.
     */
    @Override
    public void onWebsocketClosing(WebSocket ws, int code, String reason, boolean remote) {
        boolean failure = !remote && !closeRequested && !failing;
        if (failure) {
            failing = true; // before directWrites: a sender that sees it off asks for a flush when it is done
            directWrites = false;
        }
        long at = System.nanoTime() + CLOSE_LINGER_NANOS;
        Runnable arm = () -> {
            loop.deadline(at, this::deadlinePassed); // a socket that never takes the close frame is cut off then
            if (failure) {
                failNow();
            }
        };
        loop.execute(arm); // false: the loop stopped, and finishes its connections itself
    }

    /** Stops reading and writes the close frame; {@link #flush()} closes the connection once it is out. Loop thread. */
    private void failNow() {
        if (!finished.get()) {
            updateInterest();
            flush();
        }
    }

    @Override
    public void onWebsocketCloseInitiated(WebSocket ws, int code, String reason) {
        // nothing to do: the close frame is queued and flushed like any other
    }

    @Override
    public void onWebsocketError(WebSocket conn, Exception ex) {
        if (firstError == null) {
            firstError = ex;
        }
    }

    @Override
    public void onWriteDemand(WebSocket conn) {
        if (directWrites && !loop.inLoop()) {
            writeDirect();
            if (failing) {
                requestFlush(); // the loop may have found us writing the close frame: it closes once all is out
            }
        } else {
            requestFlush();
        }
    }

    @Override
    public InetSocketAddress getLocalSocketAddress(WebSocket conn) {
        return null; // not asked for in the client role
    }

    @Override
    public InetSocketAddress getRemoteSocketAddress(WebSocket conn) {
        return address;
    }

    // ------------------------------------------------------------------------------------------------ the pool's side

    @Override
    public void sendText(String text) {
        engine.send(text);
        afterSend();
    }

    @Override
    public void sendBinary(ByteBuffer data) {
        engine.send(data.duplicate());
        afterSend();
    }

    @Override
    public void sendText(String text, SendCallback callback) {
        draft.captureNext(callback);
        try {
            engine.send(text);
        } finally {
            draft.endCapture();
        }
        afterSend();
    }

    @Override
    public void sendBinary(ByteBuffer data, SendCallback callback) {
        draft.captureNext(callback);
        try {
            engine.send(data.duplicate());
        } finally {
            draft.endCapture();
        }
        afterSend();
    }

    @Override
    public void ping(ByteBuffer payload) {
        if (engine.isOpen()) {
            try {
                PingFrame frame = new PingFrame();
                frame.setPayload(payload.duplicate());
                engine.sendFrame(frame);
            } catch (RuntimeException e) {
                log.debug("ping on {} not sent: the connection is closing", Endpoint.describe(uri), e);
            }
        }
    }

    @Override
    public void close(int code, String reason) {
        loop.execute(() -> {
            if (finished.get()) {
                return;
            }
            if (opened) {
                closeRequested = true;
                engine.close(code, reason);
            } else {
                abortNow();
            }
        });
    }

    @Override
    public void abort() {
        aborted = true;
        LocalConnectException stillPreparing = preparation.giveUp(true);
        if (stillPreparing != null && firstError == null) {
            firstError = stillPreparing; // the header supplier or DNS hung: this side's fault, not the server's
        }
        if (!loop.execute(this::abortNow)) {
            finish(-1, "transport closed", false, firstError);
        }
    }

    /** The engine's queue plus TLS bytes not yet written: exact, or over by a frame being written meanwhile. */
    @Override
    public long bufferedBytes() {
        long n = 0;
        for (ByteBuffer b : engine.outQueue) {
            n += b.remaining();
        }
        TlsSession t = tls;
        return t != null ? n + t.bufferedBytes() : n;
    }

    @Override
    public String subprotocol() {
        return subprotocol;
    }

    @Override
    public boolean isOpen() {
        return engine.isOpen() && !finished.get();
    }

    @Override
    public boolean sharesIoThread() {
        return true;
    }

    @Override
    public void suspendReading() {
        readSuspended = true;
        interestChanged();
    }

    @Override
    public void resumeReading() {
        readSuspended = false;
        interestChanged();
    }

    /** Runs a TLS delegated task's continuation on the loop. */
    boolean onLoop(Runnable task) {
        return loop.execute(task);
    }

    /** Runs a TLS delegated task on a worker. */
    void offWorker(Runnable task) {
        transport.runOnWorker(task);
    }

    @Override
    public String toString() {
        return "SelectorConnection[" + Endpoint.describe(uri) + "]";
    }
}

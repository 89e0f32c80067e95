package io.github.wspool.core.internal.transport.selector;

import io.github.wspool.Endpoint;
import io.github.wspool.MessageNotSentException;
import io.github.wspool.core.internal.concurrent.VarHandles;
import io.github.wspool.core.internal.transport.AddressResolver;
import io.github.wspool.core.internal.transport.BoundedDraft;
import io.github.wspool.core.internal.transport.EndReason;
import io.github.wspool.core.internal.transport.MessageFrames;
import io.github.wspool.core.spi.LocalConnectException;
import io.github.wspool.core.spi.SendCallback;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import io.github.wspool.core.spi.TransportOptions;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.PingFrame;
import org.java_websocket.handshake.ClientHandshake;
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
 *   <li>The connect is prepared on a connector thread ({@link ConnectPhase}). From then on the channel, its key and
 *       the engine's reading side belong to the loop thread; other threads reach them only through
 *       {@link SelectorLoop#execute}.</li>
 *   <li>Sends come from any thread: a message's frame goes on the engine's queue ({@code outQueue},
 *       {@link MessageFrames}), then {@link #onWriteDemand}; the {@link FrameWriter} writes them, from the sending thread itself on an open
 *       {@code ws://} connection when it can, else from the loop. One writer at a time.</li>
 *   <li>Callbacks to the pool go through a {@link CallbackSequence}: open and close on a worker, messages and pongs
 *       inline on the loop, in order.</li>
 * </ul>
 *
 * <h2>Connecting</h2>
 * {@link ConnectPhase} gets the connection open: preparation, TCP over the resolved addresses, the proxy's
 * {@code CONNECT} if there is a proxy (reads and writes are the connect phase's until it answered), TLS, the upgrade
 * request. This class owns the channel it opens ({@link #openChannel}) and the engine that answers the upgrade.
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
    private static final VarHandle FINISHED = VarHandles.field(MethodHandles.lookup(), SelectorConnection.class,
            "finished", int.class);

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
    /** 1 once finished (set through FINISHED, exactly once: no AtomicBoolean per connection). */
    private volatile int finished;
    /** Writes the engine's queue to the socket, one writer at a time. */
    private final FrameWriter writer;
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

    /**
     * Preparation, TCP, TLS, the upgrade request: until the engine reports the connection open; then
     * {@link ConnectPhase#OPEN}, shared (set on the loop; a racing reader elsewhere sees either, and both answer
     * "nothing pending, nothing to give up" once open).
     */
    private ConnectPhase connect;
    /** Set by the connect phase on the connector thread, read by the loop after execute() (a happens-before edge). */
    private TlsSession tls;

    // Loop thread only.
    private SocketChannel channel;
    private SelectionKey key;
    private int interest;
    private boolean opened;
    private boolean closeRequested; // the pool's close(): the closing handshake, not a failure
    private boolean inputEnded; // a read returned end of stream: nothing unread is left to discard

    SelectorConnection(SelectorTransport transport, SelectorLoop loop, URI uri, TransportOptions options,
                       TransportListener listener, CallbackSequence callbacks, AddressResolver resolver) {
        this.transport = transport;
        this.loop = loop;
        this.uri = uri;
        this.options = options;
        this.listener = listener;
        this.callbacks = callbacks;
        BoundedDraft d = new BoundedDraft(options.maxMessageSize(), options.subprotocols(), options.compression());
        d.frameSink((frame, callback) -> sent.track(frame, (SendCallback) callback));
        this.engine = new WebSocketImpl(this, d);
        this.draft = (BoundedDraft) engine.getDraft(); // the engine works on a copy
        this.writer = new FrameWriter(this, loop, engine.outQueue, sent);
        this.connect = new ConnectPhase(this, loop, uri, options, resolver);
    }

    // ---------------------------------------------------------------------------------------- for the connect phase

    /** How the connection gets open: started by the transport, driven by the loop's OP_CONNECT and by TLS. */
    ConnectPhase connectPhase() {
        return connect;
    }

    /**
     * Opens a non-blocking channel to {@code a}, starts its TCP connect and registers it with the loop (no interest
     * yet). Loop thread.
     *
     * @return whether the connect is still in progress (else it completed at once)
     * @throws IOException if the channel cannot be opened or the connect is refused at once
     */
    boolean openChannel(InetSocketAddress a) throws IOException {
        address = a;
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        boolean pending = !channel.connect(a);
        key = channel.register(loop.selector(), 0, this);
        interest = 0;
        return pending;
    }

    /** Closes and forgets the channel of an address that failed, for the next one. Loop thread. */
    void dropChannel() {
        closeChannel();
        key = null;
        channel = null;
        interest = 0;
    }

    /** Sets up TLS for a {@code wss://} connect (the connect phase, before it hands over to the loop). */
    void useTls(TlsSession session) {
        tls = session;
    }

    TlsSession tls() {
        return tls;
    }

    WebSocketImpl engine() {
        return engine;
    }

    boolean isAborted() {
        return aborted;
    }

    boolean isFinished() {
        return finished != 0;
    }

    boolean isFailing() {
        return failing;
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
        if (connect.tunnelling()) {
            connect.tunnelReadable(buffer); // the proxy's answer to CONNECT
            return;
        }
        try {
            if (tls != null) {
                tls.readable(buffer);
                return;
            }
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                inputEnded = true;
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
        if (finished != 0 || !plain.hasRemaining()) {
            return;
        }
        if (!opened && !connect.responseFits(plain.remaining())) {
            return;
        }
        engine.decode(plain);
        if (!opened && engine.isFlushAndClose() && !failing && finished == 0) {
            // the upgrade failed (rejected, or not a WebSocket answer): nothing to wait for
            engine.closeConnection();
        }
    }

    /** A read of the socket returned end of stream (TLS: before its last records are decrypted). Loop thread. */
    void inputEnded() {
        inputEnded = true;
    }

    /** The server closed its side of the TCP connection (or, over TLS, sent close_notify). */
    void endOfStream() {
        if (finished == 0) {
            engine.eot();
        }
    }

    /** OP_WRITE fired. */
    void writable() {
        if (connect.tunnelling()) {
            connect.tunnelWritable(); // the CONNECT request
            return;
        }
        writer.flush();
    }

    /** The frame outcomes, for {@link TlsSession} (loop thread). */
    SentFrames sent() {
        return sent;
    }

    /** Why frames still queued at the end were not written ({@link EndReason}). */
    private MessageNotSentException.Reason dropReason(boolean remote, Throwable error) {
        return EndReason.of(remote, closeRequested, failing, error);
    }

    /**
     * After a send queued its frame ({@link MessageFrames}): written as the engine's write demand asks; and if the
     * connection finished meanwhile, the frame may have been queued after the final drain, so the sender drains
     * again (each frame is taken once, by one of them).
     */
    private void afterSend() {
        onWriteDemand(engine);
        if (finished != 0) {
            long[] lost = writer.dropQueued(MessageNotSentException.Reason.NOT_OPEN, null);
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
        if (connect.tcpPending()) {
            ops = SelectionKey.OP_CONNECT;
        } else if (connect.tunnelling()) {
            ops = connect.tunnelInterest();
        } else if (tls != null) {
            ops = tls.interest(readSuspended || failing, writer.wantWrite());
        } else {
            ops = (readSuspended || failing ? 0 : SelectionKey.OP_READ)
                    | (writer.wantWrite() ? SelectionKey.OP_WRITE : 0);
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
        if (finished != 0) {
            return;
        }
        try {
            engine.eot(); // reports through onWebsocketClose with the close code the engine's state implies
        } catch (RuntimeException e) {
            log.debug("closing the engine of {} failed", Endpoint.describe(uri), e);
        }
        if (finished == 0) {
            finish(opened ? 1006 : -1, "aborted", false, firstError);
        }
    }

    /** A close the engine started did not end within {@link #CLOSE_LINGER_NANOS}. */
    void deadlinePassed() {
        if (finished == 0) {
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
        if (inputEnded || connect.tcpPending() || !ch.isConnected() || !(loop.inLoop() || loop.isStopped())) {
            return; // the usual close: the server's FIN was read already, a read would only return -1 again
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
    void finish(int code, String reason, boolean remote, Throwable error) {
        if (!FINISHED.compareAndSet(this, 0, 1)) {
            return;
        }
        directWrites = false;
        if (loop.inLoop() || loop.isStopped()) {
            if (tls != null && channel != null && !connect.tcpPending() && loop.inLoop()) {
                tls.closeOutbound(); // on the loop only: it uses the loop's buffers
            }
            closeChannel();
        }
        MessageNotSentException.Reason dropReason = dropReason(remote, error);
        long[] lost = writer.dropQueued(dropReason, error);
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
        String accepted = BoundedDraft.acceptHandshakeAnswer(d, options, uri, engine, e -> firstError = e);
        if (accepted == null) {
            return; // failed: the close reports it
        }
        subprotocol = accepted;
        opened = true;
        connect.opened(); // what only the connect needed goes, its deadline included
        connect = ConnectPhase.OPEN;
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
        if (finished == 0) {
            callbacks.inline(() -> listener.onText(message));
        }
    }

    @Override
    public void onWebsocketMessage(WebSocket conn, ByteBuffer blob) {
        if (finished == 0) {
            callbacks.inline(() -> listener.onBinary(blob)); // the engine's own copy: valid after this call too
        }
    }

    @Override
    public void onWebsocketPong(WebSocket conn, Framedata f) {
        if (finished == 0) {
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

    /** Stops reading and writes the close frame; the writer closes the connection once it is out. Loop thread. */
    private void failNow() {
        if (finished == 0) {
            updateInterest();
            writer.flush();
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
            writer.writeDirect();
            if (failing) {
                writer.requestFlush(); // the loop may have found us writing the close frame: it closes when it is out
            }
        } else {
            writer.requestFlush();
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
        MessageFrames.queueText(engine, draft, text);
        afterSend();
    }

    @Override
    public void sendBinary(ByteBuffer data) {
        MessageFrames.queueBinary(engine, draft, data.duplicate());
        afterSend();
    }

    @Override
    public void sendText(String text, SendCallback callback) {
        draft.captureNext(callback);
        try {
            MessageFrames.queueText(engine, draft, text);
        } finally {
            draft.endCapture();
        }
        afterSend();
    }

    @Override
    public void sendBinary(ByteBuffer data, SendCallback callback) {
        draft.captureNext(callback);
        try {
            MessageFrames.queueBinary(engine, draft, data.duplicate());
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
                // straight to the socket when nothing is queued ({@link FrameWriter#tryWriteControl}: no node in
                // the engine's long-lived queue per ping), else behind the queued frames as usual
                if (!directWrites || !writer.tryWriteControl(() -> draft.createBinaryFrame(frame))) {
                    MessageFrames.queue(engine, draft, frame);
                    onWriteDemand(engine);
                }
            } catch (RuntimeException e) {
                log.debug("ping on {} not sent: the connection is closing", Endpoint.describe(uri), e);
            }
        }
    }

    @Override
    public void close(int code, String reason) {
        loop.execute(() -> {
            if (finished != 0) {
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
        LocalConnectException stillPreparing = connect.giveUp();
        if (stillPreparing != null && firstError == null) {
            firstError = stillPreparing; // the header supplier or DNS hung: this side's fault, not the server's
        }
        if (!loop.execute(() -> {
            if (firstError == null) {
                firstError = connect.abortedAtProxy(); // waiting for a proxy: the failure names it
            }
            abortNow();
        })) {
            finish(-1, "transport closed", false, firstError);
        }
    }

    /** The engine's queue plus TLS bytes not yet written: exact, or over by a frame being written meanwhile. */
    @Override
    public long bufferedBytes() {
        TlsSession t = tls;
        return t != null ? writer.queuedBytes() + t.bufferedBytes() : writer.queuedBytes();
    }

    @Override
    public String subprotocol() {
        return subprotocol;
    }

    @Override
    public boolean isOpen() {
        return engine.isOpen() && finished == 0;
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

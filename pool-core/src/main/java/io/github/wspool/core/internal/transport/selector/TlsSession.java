package io.github.wspool.core.internal.transport.selector;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.Arrays;
import java.util.Queue;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * TLS for one {@link SelectorConnection}, through an {@link SSLEngine} the pool's {@code TlsOptions} configured
 * (parameters, hostname verification). Loop thread only, except {@link #bufferedBytes()}.
 *
 * <ul>
 *   <li><b>Memory.</b> Encrypted input is read into the loop's shared read buffer and decrypted into the loop's
 *       shared application buffer; encrypted output is produced into the loop's shared network buffer. A connection
 *       keeps bytes of its own only while they are pending: the tail of a partial TLS record
 *       ({@code netIn}) or what the socket did not take ({@code netOut}). An idle connection holds the engine and
 *       its session, nothing else.</li>
 *   <li><b>Handshake.</b> Driven by the engine's handshake status: wraps are written at once (OP_WRITE only while
 *       the socket is full), unwraps happen as bytes arrive. Delegated tasks (certificate checks, key exchange) run
 *       on a worker; meanwhile the key's interest is empty, so the selector does not spin on this channel, and the
 *       task's completion resumes the handshake on the loop.</li>
 *   <li><b>Close.</b> The server's {@code close_notify} ends the stream like a FIN. Before the channel closes, the
 *       client sends its own {@code close_notify} (as {@code SSLSocket.close()} does on the other transport): one
 *       non-blocking write, never a wait.</li>
 * </ul>
 */
final class TlsSession {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SSLEngine engine;
    private final SelectorConnection connection;
    private final int packetSize;
    private ByteBuffer netIn; // tail of a partial record, or null
    private ByteBuffer netOut; // encrypted bytes the socket did not take yet, or null
    private volatile long pendingOut;
    private boolean handshaking = true;
    private boolean taskRunning;
    private boolean outboundClosed;

    TlsSession(SSLEngine engine, SelectorConnection connection) {
        this.engine = engine;
        this.connection = connection;
        this.packetSize = engine.getSession().getPacketBufferSize();
    }

    /**
     * TCP is connected (through a proxy's tunnel, perhaps): send the ClientHello.
     *
     * @param early bytes from the server that arrived already (after a proxy's answer), or {@code null}
     */
    void begin(ByteBuffer early) throws IOException {
        engine.beginHandshake();
        step();
        if (early != null && early.hasRemaining()) {
            if (taskRunning) {
                netIn = early; // unwrapped once the task is done
            } else {
                unwrapAll(early);
            }
        }
    }

    /** Advances the handshake as far as it can go without more input, a writable socket or a delegated task. */
    private void step() throws IOException {
        while (handshaking && !taskRunning) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            switch (hs) {
                case NEED_TASK -> {
                    runDelegatedTasks();
                    return;
                }
                case NEED_WRAP -> {
                    if (netOut != null || !wrapHandshake()) {
                        return; // the socket is full: OP_WRITE continues
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    return; // OP_READ continues
                }
                default -> {
                    handshaking = false;
                    connection.updateInterest();
                    connection.connectPhase().upgrade();
                }
            }
        }
    }

    private boolean wrapHandshake() throws IOException {
        ByteBuffer out = connection.loop().tlsNetBuffer(packetSize);
        out.clear();
        SSLEngineResult r = engine.wrap(EMPTY, out);
        out.flip();
        boolean written = writeNet(out);
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new SSLException("TLS closed during the handshake");
        }
        return written;
    }

    private void runDelegatedTasks() {
        taskRunning = true;
        connection.updateInterest(); // nothing to select on until the task is done: no spinning
        connection.offWorker(() -> {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
            connection.onLoop(this::tasksDone); // false: the loop is gone, and the connection with it
        });
    }

    private void tasksDone() {
        taskRunning = false;
        connection.updateInterest();
        try {
            step();
            ByteBuffer pending = netIn;
            if (pending != null && !taskRunning) {
                netIn = null;
                unwrapAll(pending);
            }
        } catch (IOException | RuntimeException e) {
            connection.failed(e);
        }
    }

    /** OP_READ: reads into the loop's shared buffer behind any partial record, and decrypts. */
    void readable(ByteBuffer scratch) throws IOException {
        scratch.clear();
        if (netIn != null) {
            scratch.put(netIn);
            netIn = null;
        }
        int n = connection.channel().read(scratch);
        if (n < 0) {
            connection.inputEnded();
        }
        scratch.flip();
        unwrapAll(scratch);
        if (n < 0) {
            connection.endOfStream();
        }
    }

    /** Decrypts what {@code net} holds into the engine; keeps a partial record's tail for the next read. */
    private void unwrapAll(ByteBuffer net) throws IOException {
        ByteBuffer app = connection.loop().tlsAppBuffer(engine.getSession().getApplicationBufferSize());
        while (net.hasRemaining() && !taskRunning) {
            app.clear();
            SSLEngineResult r = engine.unwrap(net, app);
            if (app.position() > 0) {
                app.flip();
                connection.decode(app);
            }
            SSLEngineResult.Status status = r.getStatus();
            if (status == SSLEngineResult.Status.CLOSED) {
                netIn = null;
                connection.endOfStream(); // close_notify
                return;
            }
            if (status == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                break;
            }
            if (status == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw new SSLException("TLS record larger than the application buffer");
            }
            HandshakeStatus hs = r.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK || hs == HandshakeStatus.NEED_WRAP || hs == HandshakeStatus.FINISHED
                    || (handshaking && hs == HandshakeStatus.NOT_HANDSHAKING)) {
                step();
                if (!handshaking && hs == HandshakeStatus.NEED_WRAP) {
                    wrapHandshakeAfterStart(); // post-handshake message (key update): answer it
                }
            }
        }
        netIn = net.hasRemaining() ? copy(net) : null;
    }

    private void wrapHandshakeAfterStart() throws IOException {
        while (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP && netOut == null) {
            if (!wrapHandshake()) {
                return;
            }
        }
        if (engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            runDelegatedTasks();
        }
    }

    /**
     * Writes pending encrypted bytes, continues the handshake, then encrypts and writes the engine's queued frames.
     *
     * @return whether everything was written (else OP_WRITE is wanted)
     */
    boolean flush(Queue<ByteBuffer> frames) throws IOException {
        if (!flushNet()) {
            return false;
        }
        if (handshaking) {
            step();
            return netOut == null;
        }
        ByteBuffer[] batch = connection.loop().writeBatch();
        ByteBuffer out = connection.loop().tlsNetBuffer(packetSize);
        while (true) {
            int n = 0;
            for (ByteBuffer b : frames) {
                batch[n++] = b;
                if (n == batch.length) {
                    break;
                }
            }
            if (n == 0) {
                return true;
            }
            out.clear();
            try {
                while (out.remaining() >= packetSize) {
                    SSLEngineResult r = engine.wrap(batch, 0, n, out);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("TLS session closed");
                    }
                    if (r.bytesConsumed() == 0 || r.getStatus() != SSLEngineResult.Status.OK) {
                        break;
                    }
                }
                int done = 0;
                while (done < n && !batch[done].hasRemaining()) {
                    frames.poll();
                    connection.sent().wrapped(batch[done]); // written once its encrypted bytes are
                    done++;
                }
            } finally {
                Arrays.fill(batch, 0, n, null);
            }
            out.flip();
            if (!writeNet(out)) {
                return false;
            }
        }
    }

    /** Writes {@code out} after what is pending; keeps what the socket does not take. */
    private boolean writeNet(ByteBuffer out) throws IOException {
        if (netOut != null) {
            ByteBuffer joined = ByteBuffer.allocate(netOut.remaining() + out.remaining());
            joined.put(netOut).put(out).flip();
            netOut = joined;
            return flushNet();
        }
        connection.channel().write(out);
        if (out.hasRemaining()) {
            netOut = copy(out);
            pendingOut = netOut.remaining();
            return false;
        }
        connection.sent().netDrained();
        return true;
    }

    private boolean flushNet() throws IOException {
        ByteBuffer pending = netOut;
        if (pending == null) {
            return true;
        }
        connection.channel().write(pending);
        if (pending.hasRemaining()) {
            pendingOut = pending.remaining();
            return false;
        }
        netOut = null;
        pendingOut = 0;
        connection.sent().netDrained();
        return true;
    }

    /** The key's interest: none while a delegated task runs; reads unless suspended (never during the handshake). */
    int interest(boolean readSuspended, boolean wantWrite) {
        if (taskRunning) {
            return 0;
        }
        int ops = handshaking || !readSuspended ? SelectionKey.OP_READ : 0;
        return netOut != null || wantWrite ? ops | SelectionKey.OP_WRITE : ops;
    }

    /** Encrypted bytes not yet written (any thread). */
    long bufferedBytes() {
        return pendingOut;
    }

    /**
     * Sends {@code close_notify} after whatever is still pending, best effort: one non-blocking write each, and
     * nothing more once the socket is full or gone. Once the handshake is done only; at most once.
     */
    void closeOutbound() {
        if (handshaking || outboundClosed) {
            return;
        }
        outboundClosed = true;
        try {
            engine.closeOutbound();
            if (!flushNet()) {
                return;
            }
            ByteBuffer out = connection.loop().tlsNetBuffer(packetSize);
            out.clear();
            engine.wrap(EMPTY, out);
            out.flip();
            connection.channel().write(out);
        } catch (IOException | RuntimeException e) {
            // the peer is gone or the socket full: there is no one left to tell
        }
    }

    /** The connection finished: drop pending buffers. */
    void release() {
        netIn = null;
        netOut = null;
        pendingOut = 0;
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b).flip();
        return c;
    }
}

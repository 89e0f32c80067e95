package io.github.wspool.core.internal.transport.jws;

import io.github.wspool.core.internal.transport.BoundedDraft;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A plain socket whose input fails once the server has sent more than a bound before the opening handshake
 * completed. Java-WebSocket's engine buffers an incomplete handshake response without bound (and copies it whole on
 * every read), so a server streaming a never-ending response head would otherwise hold memory and CPU until the
 * connect timeout. The transport calls {@link #handshakeDone()} when the connection opens; from then on bytes flow
 * unchecked. {@link AbortableSocketFactory} creates and connects it.
 *
 * <p>Its output is a {@link LedgerOutputStream}: each frame Java-WebSocket's write thread writes is reported to the
 * connection's {@link FrameLedger} once written, and so is the write thread closing the socket (its last act).
 */
final class HandshakeBoundedSocket extends Socket {

    private final FrameLedger ledger;
    private volatile boolean handshakeDone;
    private volatile IOException refusal;
    private long count; // bytes read before the handshake completed; the client's reading thread only

    HandshakeBoundedSocket(FrameLedger ledger) {
        this.ledger = ledger;
    }

    void handshakeDone() {
        handshakeDone = true;
    }

    /**
     * Why the input was cut off, or {@code null}. Java-WebSocket reports only TLS errors from its read loop, so the
     * transport asks here.
     */
    IOException refusal() {
        return refusal;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        return new Counting(super.getInputStream());
    }

    /** The socket's own input, neither counted nor bounded: a proxy's answer to CONNECT comes before the handshake. */
    InputStream rawInput() throws IOException {
        return super.getInputStream();
    }

    /** The socket's own output, not reported to the ledger: a proxy's CONNECT request is no frame. */
    OutputStream rawOutput() throws IOException {
        return super.getOutputStream();
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        return new LedgerOutputStream(super.getOutputStream(), ledger);
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            super.close();
        } finally {
            ledger.socketClosing();
        }
    }

    /** Counts bytes read until the handshake is done; fails the read that passes the bound. */
    private final class Counting extends FilterInputStream {

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        private void counted(int n) throws IOException {
            if (handshakeDone) {
                return;
            }
            count += n;
            if (count > BoundedDraft.MAX_HANDSHAKE_RESPONSE_BYTES) {
                IOException e = new IOException(BoundedDraft.handshakeResponseTooLong(count));
                refusal = e;
                throw e;
            }
        }
    }
}

package io.github.wspool.core.internal.transport.jws;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The output stream Java-WebSocket's write thread writes frames to: the socket's own, reporting each frame written,
 * or the failure that stopped the writing, to the connection's {@link FrameLedger}. Writes pass through whole (never
 * byte by byte).
 */
final class LedgerOutputStream extends OutputStream {

    private final OutputStream out;
    private final FrameLedger ledger;

    LedgerOutputStream(OutputStream out, FrameLedger ledger) {
        this.out = out;
        this.ledger = ledger;
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            ledger.writeFailed(e);
            throw e;
        }
    }

    /** One queued frame: {@code buffer.array(), 0, buffer.limit()}; it is written once this returns. */
    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ledger.writing(b, len);
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            ledger.writeFailed(e);
            throw e;
        }
        ledger.wrote(b);
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            ledger.writeFailed(e);
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}

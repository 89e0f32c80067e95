package io.github.wspool.core.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Queue;
import javax.net.ssl.SSLEngine;

/** TLS for one {@link SelectorConnection} through an {@link SSLEngine}. Not implemented yet. */
final class TlsSession {

    TlsSession(SSLEngine engine, SelectorConnection connection) {
        throw new UnsupportedOperationException("wss:// is not supported by the selector transport yet");
    }

    void begin() throws IOException {
    }

    void readable(ByteBuffer scratch) throws IOException {
    }

    boolean flush(Queue<ByteBuffer> frames) throws IOException {
        return true;
    }

    int interest(boolean readSuspended, boolean wantWrite) {
        return 0;
    }

    long bufferedBytes() {
        return 0;
    }

    void release() {
    }
}

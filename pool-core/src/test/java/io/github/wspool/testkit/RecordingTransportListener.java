package io.github.wspool.testkit;

import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Records one connection's transport callbacks, for tests that drive a transport directly. */
public final class RecordingTransportListener implements TransportListener {
    /** The connection, once open. */
    public final AtomicReference<TransportConnection> opened = new AtomicReference<>();
    /** Text messages, in order. */
    public final List<String> texts = new CopyOnWriteArrayList<>();
    /** Binary messages (copied), in order. */
    public final List<byte[]> binaries = new CopyOnWriteArrayList<>();
    /** Pongs received. */
    public final AtomicInteger pongs = new AtomicInteger();
    /** The pongs' application data (copied), in order. */
    public final List<byte[]> pongPayloads = new CopyOnWriteArrayList<>();
    /** Close callbacks (exactly one is expected). */
    public final AtomicInteger closes = new AtomicInteger();
    /** The close code, once closed. */
    public final AtomicReference<Integer> closedCode = new AtomicReference<>();
    /** The error the close reported, if any. */
    public final AtomicReference<Throwable> error = new AtomicReference<>();

    @Override
    public void onOpen(TransportConnection connection) {
        opened.set(connection);
    }

    @Override
    public void onText(String text) {
        texts.add(text);
    }

    @Override
    public void onBinary(ByteBuffer data) {
        byte[] b = new byte[data.remaining()];
        data.duplicate().get(b);
        binaries.add(b);
    }

    @Override
    public void onPong(ByteBuffer payload) {
        byte[] b = new byte[payload.remaining()];
        payload.duplicate().get(b);
        pongPayloads.add(b);
        pongs.incrementAndGet();
    }

    @Override
    public void onClosed(int code, String reason, boolean remote, Throwable e) {
        closes.incrementAndGet();
        error.set(e);
        closedCode.set(code);
    }
}

package io.github.wspool.testkit;

import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import java.nio.ByteBuffer;

/** Passes every callback to a delegate; tests that wrap a transport override only the callbacks they watch. */
public class ForwardingTransportListener implements TransportListener {

    private final TransportListener delegate;

    /** @param delegate receives every callback */
    public ForwardingTransportListener(TransportListener delegate) {
        this.delegate = delegate;
    }

    @Override
    public void onOpen(TransportConnection connection) {
        delegate.onOpen(connection);
    }

    @Override
    public void onText(String text) {
        delegate.onText(text);
    }

    @Override
    public void onBinary(ByteBuffer data) {
        delegate.onBinary(data);
    }

    @Override
    public void onPong(ByteBuffer payload) {
        delegate.onPong(payload);
    }

    @Override
    public void onClosed(int code, String reason, boolean remote, Throwable error) {
        delegate.onClosed(code, reason, remote, error);
    }
}

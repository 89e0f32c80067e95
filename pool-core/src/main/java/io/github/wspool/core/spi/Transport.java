package io.github.wspool.core.spi;

import java.net.URI;

/**
 * Opens WebSocket connections for a pool.
 *
 * <p>One transport instance serves one pool; the pool closes it on {@code close()}. Implementations must be
 * thread-safe. The default transport drives Java-WebSocket's protocol engine from a few shared NIO selector threads;
 * {@code WebSocketPoolBuilder.threadPerConnectionTransport()} selects Java-WebSocket's {@code WebSocketClient}.
 */
public interface Transport extends AutoCloseable {

    /**
     * Starts opening a connection and returns at once. Exactly one terminal callback follows on {@code listener}:
     * {@link TransportListener#onOpen(TransportConnection)} and later
     * {@link TransportListener#onClosed(int, String, boolean, Throwable)}, or {@code onClosed} alone when the
     * connection never opened. The pool enforces the connect timeout itself by calling
     * {@link TransportConnection#abort()}.
     *
     * @param uri      the {@code ws://} or {@code wss://} URI
     * @param options  connect options
     * @param listener receives this connection's callbacks
     * @return a handle that can abort the attempt before it opens
     */
    TransportConnection connect(URI uri, TransportOptions options, TransportListener listener);

    /**
     * Releases the transport's own resources (threads). Called by the pool after every connection is closed or
     * aborted. Waits a bounded time for the transport's threads to end.
     */
    @Override
    void close();
}

package io.github.wspool.core.spi;

import java.nio.ByteBuffer;

/**
 * One WebSocket connection as the transport exposes it to the pool. Methods may be called from any thread.
 */
public interface TransportConnection {

    /**
     * Queues a text message.
     *
     * @param text the message
     * @throws IllegalStateException if the connection is not open
     */
    void sendText(String text);

    /**
     * Queues a binary message with the buffer's remaining bytes, leaving the buffer's position unchanged.
     *
     * @param data the message
     * @throws IllegalStateException if the connection is not open
     */
    void sendBinary(ByteBuffer data);

    /**
     * Queues a text message and reports its outcome: {@link SendCallback#written()} once the whole frame has been
     * written to the socket, {@link SendCallback#notWritten} if the connection ends before that. Frames of
     * {@code sendText}, {@code sendBinary} and these tracked sends are written in the order they were queued.
     *
     * <p>The default sends with {@link #sendText(String)} and then reports the frame written: right for a transport
     * that writes synchronously; a transport that queues must override it (both built-in transports do).
     *
     * @param text     the message
     * @param callback told the outcome, once
     * @throws IllegalStateException if the connection is not open (the callback is then not called)
     */
    default void sendText(String text, SendCallback callback) {
        sendText(text);
        callback.written();
    }

    /**
     * The binary form of {@link #sendText(String, SendCallback)}, with the buffer's remaining bytes; the buffer's
     * position is left unchanged.
     *
     * @param data     the message
     * @param callback told the outcome, once
     * @throws IllegalStateException if the connection is not open (the callback is then not called)
     */
    default void sendBinary(ByteBuffer data, SendCallback callback) {
        sendBinary(data);
        callback.written();
    }

    /**
     * Queues a WebSocket ping whose application data is {@code payload}'s remaining bytes (at most 125), leaving the
     * buffer's position unchanged. The peer's pong echoes them (RFC 6455 5.5.3), and the transport passes every pong's
     * application data to {@link TransportListener#onPong(ByteBuffer)}, so that the pool counts only the pong that
     * answers its ping. Does nothing if the connection is not open.
     *
     * @param payload the ping's application data, at most 125 bytes
     */
    void ping(ByteBuffer payload);

    /**
     * Starts the closing handshake with {@code code} and {@code reason}; {@link TransportListener#onClosed} follows
     * when the socket is closed. Does nothing if already closing.
     *
     * @param code   the close code, e.g. 1000 or 1001
     * @param reason a short reason
     */
    void close(int code, String reason);

    /**
     * Closes the socket at once without a closing handshake (connect timeout, close timeout, shutdown).
     * {@link TransportListener#onClosed} follows.
     */
    void abort();

    /**
     * Bytes queued for the socket and not yet written: the frames of sent messages (headers included) and control
     * frames. The pool bounds each connection's outgoing buffer with it ({@code maxBufferedBytes}), so it must be
     * exact or an over-estimate, and cheap when little is queued. The default, 0, suits transports that write
     * synchronously; a transport that queues without bound and keeps the default disables the bound.
     *
     * @return bytes queued, 0 when nothing is or the connection is closed
     */
    default long bufferedBytes() {
        return 0;
    }

    /**
     * The subprotocol the server selected in its handshake response ({@code Sec-WebSocket-Protocol}).
     *
     * @return the subprotocol, or {@code ""} when none was selected (the default)
     */
    default String subprotocol() {
        return "";
    }

    /**
     * Whether this connection's callbacks run on an I/O thread it shares with other connections (a selector
     * thread). If so, the pool never blocks inside {@link TransportListener#onText}, {@link TransportListener#onBinary}
     * or {@link TransportListener#onPong}: it applies inbound backpressure with {@link #suspendReading()} and
     * {@link #resumeReading()}, which such a transport must implement, and completes request futures elsewhere. The
     * default, {@code false}, means a thread of this connection's own: the pool may then block it while the
     * connection's inbound queue is full, which stops reading this one socket.
     *
     * @return whether callbacks run on a shared I/O thread
     */
    default boolean sharesIoThread() {
        return false;
    }

    /**
     * Stops reading from the socket until {@link #resumeReading()}, so that TCP flow control slows the peer down.
     * Messages already read may still be delivered. Calls may come from any thread; the last one wins. The default
     * does nothing (a transport whose {@link #sharesIoThread()} is {@code false} is throttled by blocking instead).
     */
    default void suspendReading() {
    }

    /** Reads from the socket again after {@link #suspendReading()}. The default does nothing. */
    default void resumeReading() {
    }

    /**
     * Whether the WebSocket is open.
     *
     * @return {@code true} if open
     */
    boolean isOpen();
}

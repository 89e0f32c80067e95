package io.github.wspool.core.spi;

import io.github.wspool.MessageNotSentException;
import java.nio.ByteBuffer;

/**
 * Callbacks from a transport to the pool for one connection. The transport calls them on its own threads, one at a
 * time per connection, and calls {@link #onClosed} exactly once, last.
 */
public interface TransportListener {

    /**
     * The opening handshake completed.
     *
     * @param connection the open connection
     */
    void onOpen(TransportConnection connection);

    /**
     * A text message arrived.
     *
     * @param text the message
     */
    void onText(String text);

    /**
     * A binary message arrived.
     *
     * @param data the message; only valid during the call
     */
    void onBinary(ByteBuffer data);

    /**
     * A pong arrived: the answer to a {@linkplain TransportConnection#ping(ByteBuffer) ping} echoes its application
     * data; an unsolicited pong (RFC 6455 5.5.3) carries whatever the peer chose.
     *
     * @param payload the pong's application data (possibly empty); only valid during the call
     */
    void onPong(ByteBuffer payload);

    /**
     * Frames of untracked sends ({@link TransportConnection#sendText(String)}, {@code sendBinary}) that were queued
     * but not written when the connection ended: they are lost, and the pool reports them. Control frames are not
     * counted; tracked sends are reported through their {@link SendCallback}. May come from any of the transport's
     * threads, and, for a send that raced with the end of the connection, after {@link #onClosed}. The default does
     * nothing.
     *
     * @param messages how many messages
     * @param bytes    their bytes not written (frame headers included)
     * @param reason   why
     */
    default void onUndelivered(int messages, long bytes, MessageNotSentException.Reason reason) {
    }

    /**
     * The connection is finished: it closed after opening, or it never opened.
     *
     * @param code   the close code (for example 1000, 1001, 1006; -1 when no connection was made)
     * @param reason the close reason or failure description, never {@code null}
     * @param remote whether the peer initiated the close
     * @param error  the transport error that ended it, or {@code null} for an orderly close
     */
    void onClosed(int code, String reason, boolean remote, Throwable error);
}

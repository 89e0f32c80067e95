package io.github.wspool;

import java.util.Objects;

/**
 * A message given to {@link PooledConnection#sendAsync(String)} (or {@link PooledConnection#sendAsync(java.nio.ByteBuffer)})
 * was not written to the socket, entirely or at all: the future of that send fails with this exception. The
 * {@linkplain #reason() reason} says why, {@link #pendingBytes()} how many of the frame's bytes were not written.
 *
 * <p>The same outcome for a plain {@code send} that had already been queued is reported through
 * {@link io.github.wspool.event.MessageUndeliveredEvent} and the {@code wspool.messages.undelivered} meter.
 */
public class MessageNotSentException extends PoolException {

    private static final long serialVersionUID = 1L;

    /** Why a message was not written. */
    public enum Reason {
        /** The connection was not open when the message was sent (closed, closing, or released by the pool). */
        NOT_OPEN("not-open", "the connection was not open"),
        /** The outgoing buffer ({@code maxBufferedBytes}) had no room: nothing was queued. */
        BUFFER_FULL("buffer-full", "the outgoing buffer was full"),
        /** The server closed the connection before the frame was written. */
        CLOSED_BY_PEER("closed-by-peer", "the server closed the connection first"),
        /** The pool closed the connection and the server did not take the queued frames within {@code closeTimeout}. */
        CLOSE_TIMEOUT("close-timeout", "the server did not read it before the close timeout"),
        /**
         * The connection ended abnormally before the frame was written: an I/O error writing to the socket, a
         * protocol failure, a lost connection, or the pool shutting down its transport.
         */
        ABORTED("aborted", "the connection was aborted");

        private final String tagValue;
        private final String description;

        Reason(String tagValue, String description) {
            this.tagValue = tagValue;
            this.description = description;
        }

        /**
         * A lower-case name for metric tags and logs.
         *
         * @return e.g. {@code close-timeout}
         */
        public String tagValue() {
            return tagValue;
        }

        /**
         * A short description for messages.
         *
         * @return e.g. "the server closed the connection first"
         */
        public String description() {
            return description;
        }
    }

    private final String connectionId;
    private final Reason reason;
    private final long pendingBytes;

    /**
     * @param connectionId the connection
     * @param reason       why the message was not written
     * @param pendingBytes bytes of the message's frame (header included) not written to the socket
     * @param cause        the underlying failure, may be {@code null}
     */
    public MessageNotSentException(String connectionId, Reason reason, long pendingBytes, Throwable cause) {
        super("Message on connection " + connectionId + " was not sent: " + Objects.requireNonNull(reason, "reason")
                .description() + " (" + reason.tagValue() + "); " + pendingBytes + " byte(s) of its frame were"
                + " not written", cause);
        this.connectionId = connectionId;
        this.reason = reason;
        this.pendingBytes = pendingBytes;
    }

    /**
     * The connection the message was sent on.
     *
     * @return the connection id
     */
    public String connectionId() {
        return connectionId;
    }

    /**
     * Why it was not written.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }

    /**
     * Bytes of the message's frame (header included) that were not written to the socket.
     *
     * @return bytes
     */
    public long pendingBytes() {
        return pendingBytes;
    }
}

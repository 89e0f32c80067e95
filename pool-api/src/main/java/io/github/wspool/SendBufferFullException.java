package io.github.wspool;

/**
 * A send did not fit in the connection's bounded outgoing buffer ({@code maxBufferedBytes}): the peer (or the
 * network) is not taking bytes as fast as they are sent. Nothing of the message was queued. Depending on the pool's
 * configuration the send failed at once or after waiting for room.
 */
public class SendBufferFullException extends PoolException {

    private static final long serialVersionUID = 1L;

    private final long bufferedBytes;
    private final long limit;
    private final long messageBytes;

    /**
     * @param connectionId  the connection
     * @param bufferedBytes bytes queued when the send was refused
     * @param limit         the buffer limit
     * @param messageBytes  the refused message's size on the wire
     * @param waitedMillis  how long the send waited for room (0 = failed at once)
     */
    public SendBufferFullException(String connectionId, long bufferedBytes, long limit, long messageBytes,
                                   long waitedMillis) {
        super("Outgoing buffer of connection " + connectionId + " is full: " + bufferedBytes + " bytes queued, a "
                + messageBytes + "-byte message does not fit under maxBufferedBytes=" + limit
                + (waitedMillis > 0 ? " (waited " + waitedMillis + " ms for room)" : "")
                + "; the peer is reading slower than you send. Nothing was queued: slow down, retry later, or raise"
                + " maxBufferedBytes / sendBlockTimeout");
        this.bufferedBytes = bufferedBytes;
        this.limit = limit;
        this.messageBytes = messageBytes;
    }

    /**
     * Bytes that were queued when the send was refused.
     *
     * @return bytes
     */
    public long bufferedBytes() {
        return bufferedBytes;
    }

    /**
     * The connection's buffer limit.
     *
     * @return bytes
     */
    public long limit() {
        return limit;
    }

    /**
     * The refused message's size on the wire (payload plus frame header).
     *
     * @return bytes
     */
    public long messageBytes() {
        return messageBytes;
    }
}

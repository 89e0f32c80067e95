package io.github.wspool;

import java.nio.ByteBuffer;

/**
 * Matches replies to requests for {@link PooledConnection#request(String, java.time.Duration)}: it extracts a
 * correlation id from a message, and an inbound message whose id equals a pending request's id is that request's
 * reply.
 *
 * <p>The same function is applied to the outgoing request and to inbound messages, so a protocol that echoes the
 * request's id in its reply (as {@code {"type":"subscribe","messageId":"42"}} → {@code {"type":"subscribed",
 * "messageId":"42"}}) needs one method. The default, from {@code io.github.wspool.core.Correlators}, reads the
 * top-level JSON string field {@code messageId}.
 *
 * <p>Implementations must be thread-safe and fast: inbound messages are correlated on the transport's I/O thread,
 * and only while the connection has requests pending (or recently timed out).
 */
public interface MessageCorrelator {

    /**
     * The correlation id of a text message.
     *
     * @param text the message
     * @return its id, or {@code null} if it carries none
     */
    String correlationId(String text);

    /**
     * The correlation id of a binary message; by default none.
     *
     * @param data the message; read it without changing its position (use {@code duplicate()})
     * @return its id, or {@code null} if it carries none
     */
    default String correlationId(ByteBuffer data) {
        return null;
    }
}

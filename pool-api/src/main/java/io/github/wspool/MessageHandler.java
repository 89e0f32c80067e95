package io.github.wspool;

/**
 * Receives inbound WebSocket messages.
 *
 * <p>Attach one to a lease with {@link PooledConnection#onMessage(MessageHandler)} (it sees that connection's
 * messages while the lease is held) or to the whole pool on the builder (it sees the messages that no lease claims,
 * including those that arrive while a connection is not leased). Handlers run on the pool's message executor, never
 * on the transport's I/O thread, one message at a time per connection and in arrival order; a slow handler delays
 * only its own connection's messages. A handler that throws is logged and the next message is still delivered.
 */
@FunctionalInterface
public interface MessageHandler {

    /**
     * Called for one inbound message.
     *
     * @param message the message, with the connection it came on
     */
    void onMessage(InboundMessage message);
}

package io.github.wspool.core.internal.connect;

import io.github.wspool.EndpointConnectException;
import io.github.wspool.MessageNotSentException;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.ManagedConnection;
import java.nio.ByteBuffer;

/**
 * What the connector tells the rest of the engine about the connections it opens: the one narrow interface through
 * which transport callbacks come back up (the pool wires it to messaging, health, housekeeping and the lease
 * handoff). Calls come on the transport's threads, one at a time per connection.
 */
public interface ConnectionListener {

    /**
     * The handshake completed; {@code c} is still INITIALIZING: prepare it for service (timestamps, breaker,
     * keepalive schedule) before anyone can take it.
     *
     * @param c   the connection
     * @param now the ticker's time
     */
    void opening(ManagedConnection c, long now);

    /**
     * {@code c} is READY and nobody has it yet: hand it to a waiter, keep it, or recycle it.
     *
     * @param c the connection
     */
    void ready(ManagedConnection c);

    /**
     * A text message arrived.
     *
     * @param c    the connection
     * @param text the message
     */
    void text(ManagedConnection c, String text);

    /**
     * A binary message arrived.
     *
     * @param c    the connection
     * @param data the message, valid during the call only
     */
    void binary(ManagedConnection c, ByteBuffer data);

    /**
     * A pong arrived.
     *
     * @param c       the connection
     * @param payload its application data, valid during the call only
     */
    void pong(ManagedConnection c, ByteBuffer payload);

    /**
     * Messages queued on {@code c} by plain sends were not written (the connection ended first). The default
     * ignores them (for engines under test).
     *
     * @param c        the connection
     * @param messages how many
     * @param bytes    their bytes not written
     * @param reason   why
     */
    default void undelivered(ManagedConnection c, int messages, long bytes, MessageNotSentException.Reason reason) {
    }

    /**
     * An open connection finished (the transport will say nothing more of it).
     *
     * @param c      the connection
     * @param code   the close code
     * @param reason the close reason
     * @param remote whether the peer closed it
     * @param error  the transport error, or {@code null}
     */
    void closed(ManagedConnection c, int code, String reason, boolean remote, Throwable error);

    /**
     * A connect to an ejected endpoint succeeded: it is healthy again.
     *
     * @param e the endpoint
     */
    void endpointRecovered(EndpointState e);

    /**
     * Failed connects opened the endpoint's breaker: it is ejected.
     *
     * @param e        the endpoint
     * @param failure  the last failure
     * @param failures consecutive failures
     */
    void endpointEjected(EndpointState e, EndpointConnectException failure, int failures);

    /**
     * Failed connects made the endpoint known to be down while the ejection budget kept it in rotation: it can serve
     * no waiter, so waiters with no other endpoint left must fail now rather than at their timeouts.
     *
     * @param e the endpoint
     */
    default void endpointKnownDown(EndpointState e) {
    }
}

package io.github.wspool;

/**
 * The lifecycle state of one pooled connection.
 *
 * <pre>
 *             connect ok                acquire              release
 * [*] -&gt; INITIALIZING ----&gt; READY ---------------&gt; ACTIVE ------------&gt; READY
 *             | connect fail   | no activity for idleAfter      | probe/breaker fails, peer closed
 *             v                v                                v
 *           FAILED            IDLE --(acquire = activity)--&gt; ACTIVE   UNHEALTHY
 *             |                | idleTimeout above min,               |
 *             |                | maxLifetime reached                  v
 *             +------------&gt; RECYCLING &lt;------------------------------+
 *                                | close frame sent, socket closed
 *                                v
 *                              CLOSED
 * </pre>
 *
 * <p>A connection's state only ever changes along the edges of this diagram; the pool rejects any other change.
 */
public enum ConnectionState {
    /** The WebSocket opening handshake is in progress; the connection already holds a slot of {@code maxConnections}. */
    INITIALIZING,
    /** Open, available to {@code acquire()}, and used recently. */
    READY,
    /** Leased to a caller. */
    ACTIVE,
    /** Open and available, but unused for a while: keepalive pings run here and idle eviction picks from here. */
    IDLE,
    /** Closing: a close frame is sent (or the socket is already gone) and the slot is about to be freed. */
    RECYCLING,
    /** Found broken (peer closed, transport error, failed probe); it will be recycled and is never handed out again. */
    UNHEALTHY,
    /** The connect or the opening handshake failed; the connection never opened. */
    FAILED,
    /** Terminal: the socket is closed and the slot is free. */
    CLOSED;

    /**
     * Whether a connection in this state may be handed to an acquirer.
     *
     * @return {@code true} for {@link #READY} and {@link #IDLE}
     */
    public boolean isAvailable() {
        return this == READY || this == IDLE;
    }

    /**
     * Whether a connection in this state still holds one of the pool's {@code maxConnections} slots.
     *
     * @return {@code false} only for {@link #FAILED} and {@link #CLOSED}
     */
    public boolean holdsSlot() {
        return this != FAILED && this != CLOSED;
    }
}

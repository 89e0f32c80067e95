package io.github.wspool.event;

import java.util.Locale;

/** Why a connection was recycled (closed by the pool or found closed). */
public enum RecycleReason {
    /** Idle longer than {@code idleTimeout} while the pool was above {@code minConnections}. */
    IDLE,
    /** Reached its {@code maxLifetime}. */
    LIFETIME,
    /** Failed a health probe or its circuit breaker opened. */
    UNHEALTHY,
    /** The server closed the WebSocket. */
    PEER_CLOSED,
    /** The transport reported an error. */
    ERROR,
    /**
     * The server broke the WebSocket protocol and this client closed the connection: a message larger than
     * {@code maxMessageSize} (close code 1009), invalid data such as bad UTF-8 (1007), or a protocol error (1002).
     * Counted as a failure of the endpoint.
     */
    PROTOCOL_VIOLATION,
    /** The holder called {@code invalidate()} on the lease. */
    INVALIDATED,
    /** Released with {@code pooling(false)}: every lease gets a fresh connection. */
    NOT_POOLED,
    /** Its endpoint was removed from the pool. */
    ENDPOINT_REMOVED,
    /**
     * Its server said it is going away (a close with 1001, 1012 or 1013, or the pool's drain signal): closed by the
     * pool once its holder released it, after a replacement was started elsewhere.
     */
    SERVER_DRAIN,
    /**
     * An operator soft-evicted the pool's connections ({@code PoolControl.softEvict()}): available ones are closed at
     * once, leased ones when released, and the pool refills to {@code minConnections} with fresh ones.
     */
    SOFT_EVICTED,
    /**
     * {@code maxConnections} was lowered at runtime ({@code PoolControl.reconfigure}): the pool had more connections
     * than the new maximum, and this one (available, or released by its holder) was closed to get down to it.
     */
    RESIZED,
    /** The connect or opening handshake failed. */
    CONNECT_FAILED,
    /** The pool is closing. */
    SHUTDOWN;

    /** {@link #tagValue()}, made once: it is also every recycled connection's close reason. */
    private final String tag = name().toLowerCase(Locale.ROOT).replace('_', '-');

    /**
     * The lower-case, hyphenated form used in metric tags and logs, e.g. {@code peer-closed}.
     *
     * @return the tag value
     */
    public String tagValue() {
        return tag;
    }
}

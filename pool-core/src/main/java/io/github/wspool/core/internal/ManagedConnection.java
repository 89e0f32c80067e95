package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.core.spi.TransportConnection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One pooled connection: its lifecycle state, its transport handle and its timestamps.
 *
 * <p>The state changes only through {@link #transition}, a compare-and-set checked against
 * {@link ConnectionLifecycle}. Whoever wins the CAS to {@link ConnectionState#ACTIVE} owns the connection until it
 * moves it on; that is the whole of the exclusivity guarantee, so there is no lock here. Timestamps are written by
 * the owner or the housekeeper and read racily (volatile) by the other: a stale read only delays an expiry by one
 * maintenance round.
 */
final class ManagedConnection {

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ManagedConnection.class, "state", ConnectionState.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final String id;
    final EndpointState endpoint;
    private final ConnectionOwner owner;

    private volatile ConnectionState state = ConnectionState.INITIALIZING;

    /** The handle returned by {@code Transport.connect}, for aborting a connect in progress. */
    volatile TransportConnection handle;
    /** The open connection, set when the handshake completes. */
    volatile TransportConnection transport;
    /** Set once the transport reported {@code onClosed}: nothing more will come from it. */
    volatile boolean transportFinished;
    /** Set by the connect deadline before it aborts the handshake, so the failure says "timed out". */
    volatile boolean connectTimedOut;
    /** Set by {@code invalidate()} on a lease: recycle on release. */
    volatile boolean invalidated;
    /** Why the connection went UNHEALTHY, reported when it is recycled. */
    volatile RecycleReason brokenReason = RecycleReason.UNHEALTHY;

    volatile long expiresAt = Long.MAX_VALUE;
    volatile long lastUsedAt;
    volatile long nextPingAt = Long.MAX_VALUE;
    volatile long lastPingSentAt;
    /** A ping is out and its pong not back yet (housekeeper writes, transport thread clears). */
    volatile boolean awaitingPong;
    volatile long pongDeadline;
    /** Consecutive pings that got no pong in time; reset by any pong. */
    volatile int missedPongs;
    volatile int successfulPongs;
    /** The application probe in flight (its id), or {@code null}; its deadline; failures in a row; next due. */
    volatile String probeId;
    volatile long probeDeadline;
    volatile int probeFailures;
    volatile long nextProbeAt = Long.MAX_VALUE;
    /** Records this connection's send and ping outcomes; set when it opens. Open means unhealthy. */
    volatile io.github.resilience4j.circuitbreaker.CircuitBreaker breaker;

    ManagedConnection(String id, EndpointState endpoint, ConnectionOwner owner, long now) {
        this.id = id;
        this.endpoint = endpoint;
        this.owner = owner;
        this.lastUsedAt = now;
    }

    ConnectionOwner owner() {
        return owner;
    }

    ConnectionState state() {
        return state;
    }

    /**
     * Moves {@code from → to} if the connection is in {@code from} and the lifecycle allows it.
     *
     * @return {@code true} if this call made the change; {@code false} if the state was no longer {@code from}
     *         (another thread got there first) or the change is illegal (reported to the observer)
     */
    boolean transition(ConnectionState from, ConnectionState to) {
        if (!ConnectionLifecycle.isLegal(from, to)) {
            owner.onIllegalTransition(this, from, to);
            return false;
        }
        if (!STATE.compareAndSet(this, from, to)) {
            return false;
        }
        owner.onTransition(this, from, to);
        return true;
    }

    /** Whether the WebSocket is open right now. */
    boolean isOpen() {
        TransportConnection t = transport;
        return t != null && !transportFinished && t.isOpen();
    }

    @Override
    public String toString() {
        return id + "[" + state + "]";
    }
}

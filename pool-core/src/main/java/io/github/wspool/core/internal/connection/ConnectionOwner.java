package io.github.wspool.core.internal.connection;

import io.github.wspool.ConnectionState;
import io.github.wspool.core.internal.messaging.Messaging;

/**
 * The narrow interface through which a {@link ManagedConnection} and its {@link Lease}s reach the pool, instead of
 * holding the pool itself: transitions are reported here, releases and messaging go through here.
 */
public interface ConnectionOwner {

    /**
     * A transition happened (after the CAS, on the thread that made it).
     *
     * @param connection the connection
     * @param from       the state before
     * @param to         the state after
     */
    void onTransition(ManagedConnection connection, ConnectionState from, ConnectionState to);

    /**
     * Whether {@link #onTransition} has anything to do right now (a listener, a DEBUG log). The acquire/release moves
     * ask this <i>before</i> their compare-and-set and skip {@code onTransition} when it is {@code false}: reads after
     * a locked instruction wait for it, reads before it overlap with the read of the state word. A listener added or
     * a log level raised while such a move is under way sees the moves that start afterwards.
     *
     * @return {@code true} if transitions are to be reported
     */
    default boolean observesTransitions() {
        return true;
    }

    /**
     * Code asked for a transition the lifecycle table forbids: a bug in the pool.
     *
     * @param connection the connection
     * @param from       the state asked to leave
     * @param to         the state asked for
     */
    void onIllegalTransition(ManagedConnection connection, ConnectionState from, ConnectionState to);

    /**
     * A lease was closed; the owner makes sure it is released once (see {@link Lease}).
     *
     * @param lease the lease
     */
    void release(Lease lease);

    /**
     * The pool's messaging layer: sends, requests and handlers of its leases.
     *
     * @return the messaging layer
     */
    Messaging messaging();
}

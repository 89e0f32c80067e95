package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;

/**
 * The narrow interface through which a {@link ManagedConnection} and its {@link Lease} report upward (to the pool),
 * instead of holding the pool itself.
 */
interface ConnectionOwner {

    /** Called after a successful transition, on the thread that made it. */
    void onTransition(ManagedConnection connection, ConnectionState from, ConnectionState to);

    /** Called instead when code asked for a transition the lifecycle table forbids: a bug in the pool. */
    void onIllegalTransition(ManagedConnection connection, ConnectionState from, ConnectionState to);

    /** A lease was closed; the owner makes sure it is released once (see {@link Lease}). */
    void release(Lease lease);

    /** The pool's messaging layer: sends, requests and handlers of its leases. */
    Messaging messaging();
}

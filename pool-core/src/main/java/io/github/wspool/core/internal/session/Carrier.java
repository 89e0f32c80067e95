package io.github.wspool.core.internal.session;

import io.github.wspool.PooledConnection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A lease the subscriptions hold to carry channels: acquired like any other (so it counts against the pool's limits
 * and is ACTIVE while held), with a message handler that hands acknowledgements and data to the subscriptions. It
 * ends when its connection closes or fails (the subscriptions recover elsewhere), or retires when the pool wants the
 * connection back (lifetime, drain, soft-evict): then its subscriptions move to a successor first, and the lease is
 * released once the last has moved.
 */
final class Carrier {

    /** The affinity key its channels share ({@code ""} for none). */
    final String key;
    /** Set once acquired; {@code null} while the acquire is in flight. */
    volatile PooledConnection lease;
    /** Its connection's id, once acquired. */
    volatile String connectionId;
    /** Subscribes sent on it and not yet acknowledged, by message id. */
    final Map<String, PoolSubscription> pendingAcks = new ConcurrentHashMap<>();

    // guarded by the subscriptions' lock
    /** Gone: its connection closed, its acquire failed, or it was released. */
    boolean ended;
    /** Its connection is wanted back: no new channels; its channels are moving to a successor. */
    boolean retiring;
    /** Subscriptions placed on it (their {@code carrier} is this), or still on it while they move away. */
    final Set<PoolSubscription> subscriptions = new LinkedHashSet<>();

    Carrier(String key) {
        this.key = key;
    }

    /** Whether it can take channels: acquired or being acquired, not ended, not retiring. */
    boolean usable() {
        return !ended && !retiring;
    }

    @Override
    public String toString() {
        String id = connectionId;
        return "Carrier[" + (id != null ? id : "acquiring") + (key.isEmpty() ? "" : ", key " + key)
                + (retiring ? ", retiring" : "") + (ended ? ", ended" : "") + "]";
    }
}

package io.github.wspool.core.internal.lease;

import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connection.Lease;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.internal.messaging.Messaging;

/**
 * The release of a lease, exactly once however many times and from however many threads it is called: the lease is
 * marked released, its messaging detached, and the connection passed on by the {@link Handoff}.
 * Apart from {@link LeaseBroker} because it is the other half of the hot path and has a fast and a general form.
 *
 * <p><b>Fast</b> (the {@link FastPath} word is zero: an exclusive lease, nobody observing, pooling, not closing, not
 * above a lowered maximum): the lease is marked released with a plain store, and one CAS on the connection, which
 * expects the lease's token and the "recycle on release" bit clear, makes it READY ({@link Handoff#releaseFast}).
 * Every other reason to recycle (invalidated, peer closed, expired) sets that bit, so the CAS fails exactly when
 * there is something to look at, and then the general decision runs as it always did; nothing has moved by then.
 *
 * <p><b>General</b>: shared connections and observed pools claim the lease by CAS first (their release has effects
 * before it reaches the connection: events, leak bookkeeping, other shares), and the handoff decides with every check.
 */
final class Releases {

    private final boolean multiplexed;
    private final FastPath fast;
    private final Handoff handoff;
    private final Messaging messaging;
    private final PoolEvents events;
    private final Ticker ticker;
    private final LeakDetector leaks;
    private final boolean leakDetection;
    private final Shutdown shutdown;

    Releases(boolean multiplexed, FastPath fast, Handoff handoff, Messaging messaging, PoolEvents events,
             Ticker ticker, LeakDetector leaks, Shutdown shutdown) {
        this.multiplexed = multiplexed;
        this.fast = fast;
        this.handoff = handoff;
        this.messaging = messaging;
        this.events = events;
        this.ticker = ticker;
        this.leaks = leaks;
        this.leakDetection = leaks.enabled();
        this.shutdown = shutdown;
    }

    /**
     * Releases {@code lease}.
     *
     * @param lease the lease
     */
    void release(Lease lease) {
        if (fast.open()) {
            int token = lease.token();
            if (token < 0) {
                return;
            }
            lease.markReleased(); // no CAS: the first move on the connection expects the token, and succeeds once
            if (lease.usedMessaging()) {
                messaging.released(lease); // before the connection moves: nothing of this holder's may reach the next
            }
            ManagedConnection c = lease.connection;
            if (!handoff.releaseFast(c, token)) {
                handoff.dropShare(c, token); // something to look at: the general decision (nothing has moved yet)
                shutdown.progress();
            }
            return;
        }
        releaseGeneral(lease);
    }

    private void releaseGeneral(Lease lease) {
        ManagedConnection c = lease.connection;
        boolean timed = events.listening() || leakDetection;
        int token;
        if (multiplexed || timed) {
            // exactly-once right here: shares of one connection are told apart only by their leases, and events and
            // leak bookkeeping happen before the release reaches the connection
            token = lease.claim();
            if (token < 0) {
                return;
            }
        } else {
            token = lease.token();
            if (token < 0) {
                return;
            }
            lease.markReleased(); // no CAS: the first move on the connection expects the token, and succeeds once
        }
        messaging.released(lease); // before the connection moves: nothing of this holder's may reach the next one
        // No clock read unless someone looks at the time: the housekeeper timestamps the use (from the holdings the
        // take counted, ConnectionTimes.takeUsed) and marks expiry on its sweeps instead.
        if (timed) {
            long now = ticker.read();
            if (leakDetection) {
                leaks.released(lease, now);
            }
            events.released(c.id, c.endpoint, lease.acquiredAt == Lease.UNTIMED ? 0 : now - lease.acquiredAt);
        }
        handoff.dropShare(c, token);
        shutdown.progress();
    }
}

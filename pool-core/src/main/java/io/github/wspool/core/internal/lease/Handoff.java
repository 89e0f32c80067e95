package io.github.wspool.core.internal.lease;

import io.github.wspool.ConnectionState;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connect.Sizing;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.Lease;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.endpoint.EndpointSelector;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.event.RecycleReason;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Where connections meet callers: takes available connections for an acquire, makes leases, and passes a connection
 * whose lease ended (or that just opened) to the oldest waiter that can use it, back to READY, or to the recycler.
 *
 * <h2>How a connection moves</h2>
 * <ul>
 *   <li><b>Take</b>: first the connection the calling thread released last ({@link RecentConnection}: one CAS on a
 *       connection other threads rarely touch), then the endpoint's first available one by CAS (lowest index first,
 *       so a lightly loaded pool keeps reusing the same few connections and the surplus ages into IDLE). One that
 *       died without the pool hearing of it yet is recycled and the next one tried.</li>
 *   <li><b>Offer</b> (a release, or a connect opened for waiters) hands the connection straight to the oldest waiter
 *       that can use it (it stays ACTIVE), or makes it READY, or recycles it (expired, invalidated, broken, endpoint
 *       removed, not pooling, pool closing). Every move expects the releasing lease's holding token, so a release is
 *       exactly-once (see {@link ManagedConnection}).</li>
 *   <li><b>Bounded barging</b> (pooling with exclusive leases): a waiting caller first waits the barging window
 *       (50 µs) during which releases do not wait for it: they make their connection READY, and a running thread
 *       (usually the releasing one, straight back through its recent connection) takes it. A thread wake-up costs
 *       tens of microseconds, so a handoff to a parked waiter on every release would make every operation of a
 *       contended pool wait for one. Once past the window the waiter is <i>due</i>: it scans once more, and every
 *       release hands its connection to the oldest due waiter, as a strict FIFO would. So no waiter is passed over for
 *       longer than the window plus its own wake-up. Waiters without a thread to wake ({@code acquireAsync}) and
 *       connections opened for waiters are never barged.</li>
 * </ul>
 *
 * <h2>The handoff race</h2>
 * A releaser that finds no (due) waiter makes its connection READY and then looks for a (due) waiter again; a waiter
 * increments the pending count, enqueues, and then scans once more, and scans again right after it becomes due. With
 * volatile accesses on both sides one of them sees the other, so a connection never sits READY while a due waiter that
 * could use it sleeps (and a waiter in its window sleeps at most until the window ends).
 */
final class Handoff {

    private final boolean pooling;
    private final int maxLeases;
    private final boolean multiplexed;
    private final boolean threadAffine;
    private final WaitQueue waiters;
    private final EndpointRegistry endpoints;
    private final Recycler recycler;
    private final PoolEvents events;
    private final Ticker ticker;
    private final Shutdown shutdown;
    private final LeakDetector leaks;
    /** {@code leaks.enabled()}, read on every acquire and release: kept here, one load fewer. */
    private final boolean leakDetection;
    /** The wait queue's count, read on every release: kept here, one load fewer. */
    private final AtomicInteger pending;
    /** Whether the pool-wide cap allows one more connection. */
    private final BooleanSupplier poolHasRoom;
    /**
     * The pool's sizing, asked on every release whether the connection is one too many (the pool is above a lowered
     * {@code maxConnections}), which claims it for closing ({@link Sizing#shedOnRelease()}). The object itself, not
     * a method reference: one hop and one type check fewer on the release path.
     */
    private final Sizing sizing;
    /** Per thread, the connection it last released: its next acquire tries that one first. */
    private final RecentConnection recent;

    Handoff(LeaseSettings settings, WaitQueue waiters, EndpointRegistry endpoints, Recycler recycler, PoolEvents events,
            Ticker ticker, Shutdown shutdown, LeakDetector leaks, RecentConnection recent, BooleanSupplier poolHasRoom,
            Sizing sizing) {
        this.pooling = settings.pooling();
        this.maxLeases = settings.maxLeasesPerConnection();
        this.multiplexed = settings.multiplexed();
        this.threadAffine = settings.threadAffine();
        this.waiters = waiters;
        this.endpoints = endpoints;
        this.recycler = recycler;
        this.events = events;
        this.ticker = ticker;
        this.shutdown = shutdown;
        this.leaks = leaks;
        this.leakDetection = leaks.enabled();
        this.pending = waiters.pendingCount();
        this.recent = recent;
        this.poolHasRoom = poolHasRoom;
        this.sizing = sizing;
    }

    /** Whether acquire and release read the clock: someone looks at the times (listeners, leak detection). */
    boolean timed() {
        return events.listening() || leakDetection;
    }

    /** Forgets a closed connection wherever a thread's hint names it. */
    void forget(ManagedConnection c) {
        recent.forget(c);
    }

    // ------------------------------------------------------------------------------------------------ take

    /**
     * Takes an available connection of {@code e} that is still open: the one this thread released last if it is of
     * {@code e} and still available, else the first available in {@code e}'s array (with shared connections, else a
     * share of the least-shared one). A dead one is recycled and the next one tried.
     */
    ManagedConnection takeLive(EndpointState e) {
        while (true) {
            ManagedConnection c = takeRecent(e);
            if (c == null) {
                c = e.takeAvailable();
            }
            if (c == null) {
                return multiplexed ? joinShared(e) : null;
            }
            if (c.isOpen()) {
                if (multiplexed) {
                    c.setLeases(1);
                }
                return c;
            }
            recycler.retireDead(c);
        }
    }

    /** The connection this thread released last, taken (→ ACTIVE) if it belongs to {@code e} and is available. */
    private ManagedConnection takeRecent(EndpointState e) {
        ManagedConnection c = recent.get();
        return c != null && c.endpoint == e && c.lease() ? c : null;
    }

    /**
     * The waiter's scan. A caller pinned to an endpoint looks there only. Otherwise: when the strategy's endpoint
     * has room to open a connection, only there (the connect there is the point: it is how a new or recovered
     * endpoint gets its share); else on any healthy endpoint, the strategy's first.
     */
    private ManagedConnection takeAvailableFor(EndpointState preferred, EndpointState required) {
        if (required != null) {
            return takeLive(required);
        }
        if (preferred != null) {
            ManagedConnection c = takeLive(preferred);
            if (c != null || (poolHasRoom.getAsBoolean() && preferred.hasRoom())) {
                return c;
            }
        }
        for (EndpointState e : endpoints.array()) {
            if (e != preferred && e.healthy()) {
                ManagedConnection c = takeLive(e);
                if (c != null) {
                    return c;
                }
            }
        }
        return null;
    }

    /**
     * The waiter's own scan, to close the handoff race: hands {@code w} an available connection if there is one.
     *
     * @return whether a connection was found (handed to {@code w}, or given back if {@code w} had settled meanwhile)
     */
    boolean serveFromAvailable(Waiter w, EndpointState preferred, EndpointState required) {
        ManagedConnection c = takeAvailableFor(preferred, required);
        if (c == null) {
            return false;
        }
        int token = c.token();
        if (handOver(c, w, token)) {
            waiters.remove(w);
            if (multiplexed) {
                shareWithWaiters(c);
            }
        } else {
            dropShare(c, token); // the waiter settled meanwhile (timed out, cancelled): give it back
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------ shares

    /**
     * With shared connections: one more lease on the least-shared joinable connection of {@code e}, or {@code null}.
     * A connection that changed state while being joined is left again.
     */
    private ManagedConnection joinShared(EndpointState e) {
        while (true) {
            ManagedConnection best = null;
            for (ManagedConnection c : e.connections()) {
                if (joinable(c) && c.leases() < maxLeases && (best == null || c.leases() < best.leases())) {
                    best = c;
                }
            }
            if (best == null) {
                return null;
            }
            if (best.tryJoin(maxLeases)) {
                if (best.state() == ConnectionState.ACTIVE) {
                    return best;
                }
                undoJoin(best); // broken meanwhile
            }
        }
    }

    /** Whether another lease may share {@code c}: it is leased, healthy, open, not expiring, not marked. */
    private boolean joinable(ManagedConnection c) {
        return c.state() == ConnectionState.ACTIVE && c.leases() >= 1 && !c.invalidated() && !shutdown.begun()
                && !c.times().expired() && c.endpoint.healthy() && c.isOpen();
    }

    /** Leaves a share that was taken for nobody; if it was the last, the connection goes on as on release. */
    private void undoJoin(ManagedConnection c) {
        if (c.leaveShare() == 0) {
            lastLeaseGone(c, c.token()); // the last share: the holding is ours
        }
    }

    /** Hands spare shares of an ACTIVE shared connection to waiters, oldest first. */
    private void shareWithWaiters(ManagedConnection c) {
        while (pending.get() > 0 && joinable(c)) {
            if (!c.tryJoin(maxLeases)) {
                return;
            }
            Waiter w = waiters.nextFor(c.endpoint, false);
            if (w != null && handOver(c, w, c.token())) {
                continue;
            }
            undoJoin(c);
            if (w == null) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ leases

    /**
     * Leases an ACTIVE connection the caller owns to the calling thread, on the fast path: it did not wait, so the
     * time it started is the lease's start too (one clock read fewer per acquire).
     */
    Lease lease(ManagedConnection c, long start) {
        Lease lease = new Lease(c, start, c.token());
        acquired(c, start, start);
        if (leakDetection) {
            leaks.watch(lease);
        }
        return lease;
    }

    /**
     * Tries to hand an ACTIVE connection the caller owns (the holding {@code token}) to a waiter; {@code false} if
     * the waiter had settled, and the holding is still the caller's.
     */
    private boolean handOver(ManagedConnection c, Waiter w, int token) {
        if (w.isDone() || !w.accepts(c.endpoint)) {
            return false;
        }
        long now = timed() ? ticker.read() : Lease.UNTIMED;
        Lease lease = new Lease(c, now, token);
        if (leakDetection) {
            leaks.watch(lease); // before the waiter can see (and release) it
        }
        if (w.complete(lease)) {
            acquired(c, w.startedAt, now);
            return true;
        }
        leaks.unwatch(lease);
        return false;
    }

    private void acquired(ManagedConnection c, long start, long now) {
        // an untimed start means nobody listened when the acquire began (a listener added since misses this one)
        if (start != Lease.UNTIMED) {
            events.acquired(c.id, c.endpoint, now == Lease.UNTIMED ? 0 : now - start);
        }
    }

    // ------------------------------------------------------------------------------------------------ release

    /** One lease of {@code c} (of the holding {@code token}) ended: with shared connections, others may still hold it. */
    void dropShare(ManagedConnection c, int token) {
        if (multiplexed) {
            if (c.leaveShare() > 0) {
                if (pending.get() > 0) {
                    shareWithWaiters(c); // a share came free
                }
                return;
            }
        }
        lastLeaseGone(c, token);
    }

    /**
     * The fast path's release of an exclusive lease ({@link Releases}): READY by one CAS, when nobody waits, the
     * endpoint is healthy, and the connection is neither flagged for recycling nor moved by anyone else. Reads the
     * waiter count and the endpoint's health before the CAS; the pool-wide reasons (closing, not pooling, shedding) are
     * the caller's {@link FastPath} word. After READY it closes the handoff race exactly as {@link #offer} does.
     *
     * @return whether the release is done; {@code false} if nothing moved and the caller is to decide in full
     *         ({@link #dropShare})
     */
    boolean releaseFast(ManagedConnection c, int token) {
        if (pending.get() != 0 || !c.endpoint.healthy() || !c.releaseUnobserved(token)) {
            return false;
        }
        // READY. A waiter that queued meanwhile may have scanned before it: look again (see the class comment).
        int again;
        if (pending.get() != 0 && waiters.hasWaiterFor(c.endpoint, true) && (again = c.leaseToken()) >= 0) {
            if (offer(c, again, true)) {
                recent.put(c);
            }
            return true;
        }
        recent.put(c); // available again: this thread tries it first on its next acquire
        return true;
    }

    /**
     * Decides what happens to a connection whose last lease (of the holding {@code token}) ended: passed on, made
     * READY, or recycled. Every move here expects the token, so a second release of the same lease changes nothing.
     */
    private void lastLeaseGone(ManagedConnection c, int token) {
        if (c.isActive(token)) {
            RecycleReason reason = recycleReasonOnRelease(c);
            if (reason == null) {
                if (offer(c, token, threadAffine)) {
                    recent.put(c); // available again: this thread tries it first on its next acquire
                }
                return; // passed on: no longer ours to look at
            }
            if (recycler.recycleHolding(c, token, reason)) {
                return;
            }
            // broken while we decided
        }
        recycler.recycleIfBroken(c, token);
    }

    private RecycleReason recycleReasonOnRelease(ManagedConnection c) {
        if (shutdown.begun()) {
            return RecycleReason.SHUTDOWN;
        }
        if (!c.endpoint.healthy()) { // one read: draining is one of the things that make an endpoint unhealthy
            // removed, or ejected or failing its check: do not pass it on
            return c.endpoint.isDraining() ? RecycleReason.ENDPOINT_REMOVED : RecycleReason.UNHEALTHY;
        }
        if (!pooling) {
            return RecycleReason.NOT_POOLED;
        }
        if (c.invalidated()) {
            return RecycleReason.INVALIDATED;
        }
        if (c.finished()) {
            return RecycleReason.PEER_CLOSED; // (one that closed unannounced is caught by the next take's isOpen())
        }
        if (c.times().expired()) {
            return c.times().expiredReason(); // lifetime passed, server draining, soft-evicted: while it was leased
        }
        if (sizing.shedOnRelease()) {
            return RecycleReason.RESIZED; // maxConnections was lowered below what the pool holds
        }
        return null;
    }

    /**
     * Makes an ACTIVE connection that the caller owns available again: to the oldest waiter that can use it (it stays
     * ACTIVE), else READY. See the class comment for why waiters are looked for again after READY.
     *
     * <p>With {@code barge}, only a waiter past its barging window gets it; while the oldest waiter is still in its
     * window the connection goes READY, for whichever running thread asks first (the releasing thread, usually).
     *
     * <p>The caller holds the connection as the holding {@code token}; the first move here expects it (a new holding
     * for a waiter, or READY), so only one release of a lease gets past it.
     *
     * @return whether it was made READY (not handed to a waiter, not found broken, not released twice)
     */
    private boolean offer(ManagedConnection c, int token, boolean barge) {
        while (true) {
            if (pending.get() > 0 && (!barge || waiters.hasWaiterFor(c.endpoint, true))) {
                int next = c.handOn(token); // a new holding for the waiter; the connection stays ACTIVE
                if (next < 0) {
                    recycler.recycleIfBroken(c, token); // broken meanwhile; or not ours at all (a second release)
                    return false;
                }
                token = next;
                Waiter w;
                while (c.isActive(token) && (w = waiters.nextFor(c.endpoint, barge)) != null) {
                    if (multiplexed) {
                        c.setLeases(1); // before the waiter can see (and release) it
                    }
                    if (handOver(c, w, token)) {
                        if (multiplexed) {
                            shareWithWaiters(c);
                        }
                        return false;
                    }
                    if (multiplexed && c.leaveShare() > 0) {
                        return false; // someone joined meanwhile: theirs now, their release decides
                    }
                }
            }
            if (!c.release(token)) {
                // Broken meanwhile (the peer closed it): it is still ours, and nobody else will recycle it. (Or, on a
                // second release of the same lease, not ours at all: then this does nothing.)
                recycler.recycleIfBroken(c, token);
                return false;
            }
            if (pending.get() == 0 || !waiters.hasWaiterFor(c.endpoint, barge) || (token = c.leaseToken()) < 0) {
                return true;
            }
            // a (due) waiter arrived between the search and READY, and we took the connection back: hand it over
        }
    }

    /**
     * A connection just opened (READY, nobody has it): to the waiters it was opened for (no barging), kept READY
     * with pooling, or recycled (pool closing, endpoint being removed, its server going away while another endpoint
     * can serve, not pooling and nobody waits).
     *
     * @return whether it stays in the pool
     */
    boolean opened(ManagedConnection c) {
        if (shutdown.begun() || c.endpoint.isDraining()) {
            recycler.recycleIfAvailable(c, shutdown.begun() ? RecycleReason.SHUTDOWN : RecycleReason.ENDPOINT_REMOVED);
            return false;
        }
        if (c.endpoint.goingAway() && EndpointSelector.avoidPassedOver(endpoints.array())) {
            // its connect started before its server said it is going away, and another endpoint can serve
            recycler.retire(c, RecycleReason.SERVER_DRAIN);
            return false;
        }
        int token;
        if (waiters.hasWaiterFor(c.endpoint, false) && (token = c.leaseToken()) >= 0) {
            offer(c, token, false); // opened for waiters: theirs, no barging; READY again or not, no matter
            return true;
        }
        return pooling || !recycler.recycleIfAvailable(c, RecycleReason.NOT_POOLED);
    }
}

package io.github.wspool.core.internal.lease;

import io.github.wspool.core.internal.connection.EndpointState;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The callers waiting for a connection, oldest first, with their count. {@code pending} is incremented before a
 * waiter is queued and decremented when it settles (before the caller wakes), so that demand accounting and the
 * handoff race see a waiter for exactly as long as it can still take a connection.
 */
final class WaitQueue implements Waiter.Owner {

    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    /** Callers waiting: incremented before a waiter is queued, decremented when it settles. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Waiters that need one particular endpoint (sticky affinity); while zero, handoff is a plain poll. */
    private final AtomicInteger constrained = new AtomicInteger();

    /** Where the latest caller to wait wants its connection (see {@code Demand.preferred()}); a hint, never cleared. */
    private volatile EndpointState preferred;

    /** Records where the caller about to wait wants its connection. */
    void preferring(EndpointState e) {
        if (e != null && preferred != e) {
            preferred = e;
        }
    }

    /** Where the latest caller to wait wants its connection, or {@code null}. */
    EndpointState preferred() {
        return preferred;
    }

    /** Callers counted as waiting (may briefly include one about to be rejected). */
    int pending() {
        return pending.get();
    }

    /** The count itself, for the release path to read without going through the queue. */
    AtomicInteger pendingCount() {
        return pending;
    }

    /** Counts one more caller as waiting, unless {@code limit} are already: then counts nothing. */
    boolean admit(int limit) {
        if (pending.incrementAndGet() > limit) {
            pending.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Queues a waiter counted by {@link #admit}. */
    void add(Waiter w) {
        if (w.required != null) {
            constrained.incrementAndGet();
        }
        waiters.add(w);
    }

    boolean remove(Waiter w) {
        return waiters.remove(w);
    }

    @Override
    public void waiterSettled(Waiter waiter, boolean fulfilled) {
        pending.decrementAndGet();
        if (waiter.required != null) {
            constrained.decrementAndGet();
        }
        if (!fulfilled) {
            waiters.remove(waiter);
        }
    }

    /**
     * The oldest waiter that can use a connection of {@code e}, removed from the queue; {@code null} if none, or,
     * with {@code dueOnly}, if that oldest one is still in its barging window (younger ones are not served first).
     */
    Waiter nextFor(EndpointState e, boolean dueOnly) {
        if (constrained.get() == 0) {
            while (true) {
                Waiter w = waiters.peek();
                if (w == null || (dueOnly && !w.due)) {
                    return null;
                }
                if (!w.accepts(e)) {
                    break; // a pinned waiter slipped in meanwhile: search
                }
                if (waiters.remove(w)) { // the head: found at once
                    return w;
                }
            }
        }
        for (Waiter w : waiters) {
            if (!w.isDone() && w.accepts(e)) {
                if (dueOnly && !w.due) {
                    return null;
                }
                if (waiters.remove(w)) {
                    return w;
                }
            }
        }
        return null;
    }

    /** Whether a waiter can use a connection of {@code e}; with {@code dueOnly}, whether the oldest that can is due. */
    boolean hasWaiterFor(EndpointState e, boolean dueOnly) {
        if (pending.get() == 0) {
            return false;
        }
        if (constrained.get() == 0) {
            if (!dueOnly) {
                return true;
            }
            Waiter w = waiters.peek(); // due is set only once a waiter is queued: the head tells
            return w != null && w.due;
        }
        for (Waiter w : waiters) {
            if (!w.isDone() && w.accepts(e)) {
                return !dueOnly || w.due;
            }
        }
        return false;
    }

    /** Waiters pinned to {@code e} and still waiting. */
    int requiring(EndpointState e) {
        int n = 0;
        for (Waiter w : waiters) {
            if (!w.isDone() && w.required == e) {
                n++;
            }
        }
        return n;
    }

    /** Runs {@code action} on every queued waiter (the queue may change meanwhile). */
    void forEach(Consumer<Waiter> action) {
        waiters.forEach(action);
    }

    /** Removes and returns the oldest waiter, or {@code null}. */
    Waiter poll() {
        return waiters.poll();
    }
}

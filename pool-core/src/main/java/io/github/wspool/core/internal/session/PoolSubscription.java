package io.github.wspool.core.internal.session;

import io.github.wspool.ChannelMessage;
import io.github.wspool.PoolException;
import io.github.wspool.Subscription;
import io.github.wspool.SubscriptionListener;
import io.github.wspool.SubscriptionState;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription: its positions, its order of delivery, and where it is placed.
 *
 * <h2>Once and in order, whatever carried it</h2>
 * Data can reach a subscription from two connections at once: while it moves from a retiring connection to its
 * successor, both send (the successor replays from the last accepted position). So admission is one decision under a
 * lock: a position at or below the last <em>accepted</em> one is a duplicate and dropped; one past the next expected
 * position is a hole the server could not fill, queued as a gap before the message; anything else is accepted. What
 * was accepted goes into an outbox that one thread at a time drains to the listener (whoever finds it idle), so the
 * listener runs outside the lock, one call at a time, in position order. The position given to a re-subscribe is the
 * last accepted one: everything up to it is in the outbox or delivered, so nothing is asked for twice or skipped.
 *
 * <p>{@link #position()} is the last <em>delivered</em> one (the listener returned), which is also what the session
 * store keeps, so a restarted process resumes after what it really processed.
 */
final class PoolSubscription implements Subscription {

    private static final Logger log = LoggerFactory.getLogger(PoolSubscription.class);

    final String channel;
    final String affinityKey;
    private final SubscriptionListener listener;
    private final Subscriptions owner;

    private final ReentrantLock lock = new ReentrantLock();
    /** The highest position accepted for delivery, or -1 (guarded by {@link #lock}). */
    private long accepted;
    /** Whether a position was known before the first message (a start position or a stored one). */
    private final boolean hadStart;
    private volatile SubscriptionState state = SubscriptionState.SUBSCRIBING;
    private volatile long delivered;
    private volatile int recoveries;
    /** Whether the server acknowledged any subscribe of this subscription yet. */
    private volatile boolean everAcked;

    private final Queue<Object> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger draining = new AtomicInteger();

    // placement, guarded by the owner's lock
    /** The connection that carries it now (or will, once acquired); {@code null} while waiting to retry. */
    Carrier carrier;
    /** The carrier that last acknowledged it. */
    Carrier acknowledgedBy;
    /** Failed placements in a row (acquire failed, connection lost before the acknowledgement, no acknowledgement). */
    int failedPlacements;

    PoolSubscription(String channel, String affinityKey, long start, SubscriptionListener listener,
                     Subscriptions owner) {
        this.channel = channel;
        this.affinityKey = affinityKey;
        this.listener = listener;
        this.owner = owner;
        this.accepted = start;
        this.delivered = start;
        this.hadStart = start >= 0;
    }

    @Override
    public String channel() {
        return channel;
    }

    @Override
    public SubscriptionState state() {
        return state;
    }

    @Override
    public long position() {
        return delivered;
    }

    @Override
    public int recoveries() {
        return recoveries;
    }

    @Override
    public void close() {
        owner.close(this);
    }

    /** The position to re-subscribe from: the last accepted one, or none before the first message. */
    OptionalLong since() {
        lock.lock();
        try {
            return accepted >= 0 ? OptionalLong.of(accepted) : OptionalLong.empty();
        } finally {
            lock.unlock();
        }
    }

    boolean isClosed() {
        return state == SubscriptionState.CLOSED;
    }

    /**
     * Moves to {@code next} unless closed.
     *
     * @return the state before, or {@code null} if it was closed
     */
    SubscriptionState moveTo(SubscriptionState next) {
        lock.lock();
        try {
            SubscriptionState before = state;
            if (before == SubscriptionState.CLOSED) {
                return null;
            }
            state = next;
            return before;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The server acknowledged a subscribe.
     *
     * @return {@code true} if it was the first acknowledgement (a subscribe), {@code false} for a re-subscribe, and
     *         {@code null} if the subscription is closed
     */
    Boolean acknowledged(boolean recovered) {
        lock.lock();
        try {
            if (state == SubscriptionState.CLOSED) {
                return null;
            }
            state = SubscriptionState.ACTIVE;
            boolean first = !everAcked;
            everAcked = true;
            if (!first && recovered) {
                recoveries++;
            }
            return first;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A data message arrived (on any connection that carries this subscription): accepted, queued after a gap, or
     * dropped as a duplicate. Delivers what is queued if no other thread is delivering.
     *
     * @param connectionId the connection it came on
     */
    void offer(long position, String payload, String connectionId) {
        long gapFrom = -1;
        long gapTo = -1;
        boolean duplicate = false;
        lock.lock();
        try {
            if (state == SubscriptionState.CLOSED) {
                return;
            }
            long last = accepted;
            if (position <= last) {
                duplicate = true; // reported below, outside the lock
            } else {
                if ((last >= 0 || hadStart) && position > last + 1) {
                    gapFrom = last + 1;
                    gapTo = position - 1;
                    outbox.add(new Gap(gapFrom, gapTo));
                }
                accepted = position;
                outbox.add(new ChannelMessage(channel, position, payload));
            }
        } finally {
            lock.unlock();
        }
        if (duplicate) {
            owner.duplicateDropped(this, position, connectionId);
            return;
        }
        if (gapFrom >= 0) {
            owner.gap(this, gapFrom, gapTo, connectionId);
        }
        deliver();
    }

    /** A hole in the stream, delivered to the listener in its place. */
    private record Gap(long from, long to) {
    }

    /** Drains the outbox to the listener, one thread at a time; the others leave their messages to it. */
    private void deliver() {
        if (draining.getAndIncrement() != 0) {
            return;
        }
        VirtualMachineError fatal = null;
        do {
            Object next;
            while ((next = outbox.poll()) != null) {
                if (state == SubscriptionState.CLOSED) {
                    outbox.clear();
                    break;
                }
                try {
                    if (next instanceof ChannelMessage m) {
                        try {
                            listener.onMessage(m);
                        } finally {
                            delivered = m.position();
                            owner.delivered(this, m.position());
                        }
                    } else {
                        Gap g = (Gap) next;
                        listener.onGap(channel, g.from, g.to);
                    }
                } catch (VirtualMachineError e) {
                    fatal = fatal != null ? fatal : e; // keep delivering what is queued; rethrown once drained
                    owner.listenerFailed(this, e);
                } catch (Throwable t) {
                    owner.listenerFailed(this, t);
                }
            }
        } while (draining.decrementAndGet() != 0);
        if (fatal != null) {
            throw fatal;
        }
    }

    /** Final: no more deliveries. */
    boolean markClosed() {
        lock.lock();
        try {
            if (state == SubscriptionState.CLOSED) {
                return false;
            }
            state = SubscriptionState.CLOSED;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Tells the listener the subscription ended without the application's close. */
    void notifyClosed(PoolException cause) {
        try {
            listener.onClosed(channel, cause);
        } catch (Throwable t) {
            log.warn("subscription listener of channel '{}' threw from onClosed", channel, t);
            if (t instanceof VirtualMachineError e) {
                throw e;
            }
        }
    }

    @Override
    public String toString() {
        return "Subscription[" + channel + ", " + state + ", position " + delivered + "]";
    }
}

package io.github.wspool.core.internal.connection;

import io.github.wspool.ConnectionState;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.event.RecycleReason;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes connections out of service and closes them: every way a connection leaves the pool ends here. A connection
 * moved to RECYCLING gets a close frame ({@code 1001 going away} when the pool or its endpoint goes, else
 * {@code 1000}), and its socket is aborted if the peer does not answer within {@code closeTimeout}. Once the transport
 * reports it finished, it moves RECYCLING → CLOSED, leaves its endpoint, and the {@link Listener} hears of it (which
 * frees its slot).
 *
 * <p>The {@code recycleIf…} methods make one named move and, if it was theirs, recycle: callers never pair a move
 * with a recycle themselves.
 */
public final class Recycler {

    private static final Logger log = LoggerFactory.getLogger(Recycler.class);
    private static final int NORMAL_CLOSURE = 1000;
    private static final int GOING_AWAY = 1001;

    /** Told when a recycled connection is finally closed. */
    @FunctionalInterface
    public interface Listener {
        /**
         * {@code c} reached CLOSED and left its endpoint's array; its slot is still counted.
         *
         * @param c the connection
         */
        void connectionClosed(ManagedConnection c);

        /**
         * The pool wants {@code c} back while it is leased (its lifetime passed, its server is draining): a holder
         * that keeps its lease for long (a subscription's carrier) should move off it and release it.
         *
         * @param c the connection, ACTIVE
         */
        default void retiring(ManagedConnection c) {
        }
    }

    private final String pool;
    private final PoolEvents events;
    private final PoolScheduler scheduler;
    private final long closeTimeoutNanos;
    private final Listener listener;

    /**
     * @param pool              the pool's name, for logs
     * @param events            where recycles are reported
     * @param scheduler         runs the close timeout
     * @param closeTimeoutNanos how long the peer has to answer a close frame
     * @param listener          told when a connection is closed
     */
    public Recycler(String pool, PoolEvents events, PoolScheduler scheduler, long closeTimeoutNanos,
                    Listener listener) {
        this.pool = pool;
        this.events = events;
        this.scheduler = scheduler;
        this.closeTimeoutNanos = closeTimeoutNanos;
        this.listener = listener;
    }

    /**
     * Closes a connection the caller moved to RECYCLING. Its slot is freed when the transport reports it closed.
     *
     * @param c      the connection
     * @param reason why
     */
    public void recycle(ManagedConnection c, RecycleReason reason) {
        Closing closing = c.recycledFor(reason); // before the close: the connect's verdict on a young one reads it
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} recycling: {}", pool, c.id, reason.tagValue());
        }
        events.recycled(c.id, c.endpoint, reason);
        if (!c.finished()) {
            TransportConnection t = c.transportOrHandle();
            if (t != null) {
                int code = reason == RecycleReason.SHUTDOWN || reason == RecycleReason.ENDPOINT_REMOVED
                        ? GOING_AWAY : NORMAL_CLOSURE;
                try {
                    t.close(code, reason.tagValue());
                } catch (RuntimeException e) {
                    log.debug("[{}] {} close failed, aborting", pool, c.id, e);
                    t.abort();
                }
                if (!c.finished()) {
                    closing.timer(scheduler.schedule(() -> abortIfUnanswered(c, t), closeTimeoutNanos));
                }
            }
        }
        finishIfRecycling(c);
    }

    private void abortIfUnanswered(ManagedConnection c, TransportConnection t) {
        if (!c.finished()) {
            log.debug("[{}] {} peer did not answer the close within {} ms, closing the socket", pool, c.id,
                    TimeUnit.NANOSECONDS.toMillis(closeTimeoutNanos));
            t.abort();
        }
    }

    /**
     * RECYCLING → CLOSED once the transport is finished; the connection leaves its endpoint and the listener hears.
     *
     * @param c the connection
     */
    public void finishIfRecycling(ManagedConnection c) {
        if (c.finished() && c.state() == ConnectionState.RECYCLING && c.markClosed()) {
            c.endpoint.remove(c);
            listener.connectionClosed(c);
        }
    }

    /**
     * Recycles {@code c} if it is available (READY or IDLE).
     *
     * @param c      the connection
     * @param reason why
     * @return whether this call recycled it
     */
    public boolean recycleIfAvailable(ManagedConnection c, RecycleReason reason) {
        if (c.recycleIfAvailable()) {
            recycle(c, reason);
            return true;
        }
        return false;
    }

    /**
     * The pool wants {@code c} back: it is marked expired (its next release recycles it), recycled at once if it is
     * available, and, if it is leased, the listener hears once that it is {@link Listener#retiring retiring}.
     *
     * @param c      the connection
     * @param reason why, if it is recycled here
     * @return whether this call recycled it
     */
    public boolean retire(ManagedConnection c, RecycleReason reason) {
        boolean first = c.times().markExpired(reason); // before the move: whoever wins it recycles the connection on release
        if (c.state() != ConnectionState.ACTIVE && recycleIfAvailable(c, reason)) {
            return true;
        }
        if (first && c.state() == ConnectionState.ACTIVE) {
            listener.retiring(c);
        }
        return false;
    }

    /**
     * Recycles {@code c} if it is IDLE.
     *
     * @param c      the connection
     * @param reason why
     * @return whether this call recycled it
     */
    public boolean recycleIfIdle(ManagedConnection c, RecycleReason reason) {
        if (c.recycleIfIdle()) {
            recycle(c, reason);
            return true;
        }
        return false;
    }

    /**
     * Recycles {@code c} whoever holds it (forced drain, shutdown); a connect still in progress is aborted instead.
     *
     * @param c      the connection
     * @param reason why
     * @return whether this call recycled it (started its close)
     */
    public boolean recycleIfOpen(ManagedConnection c, RecycleReason reason) {
        if (c.recycleIfOpen()) {
            recycle(c, reason);
            return true;
        }
        c.abortConnect();
        return false;
    }

    /**
     * Recycles {@code c} at the end of the holding {@code token}.
     *
     * @param c      the connection
     * @param token  the holding's token
     * @param reason why
     * @return whether this call recycled it (not if it broke meanwhile, or the holding is over)
     */
    public boolean recycleHolding(ManagedConnection c, int token, RecycleReason reason) {
        if (c.recycleHolding(token)) {
            recycle(c, reason);
            return true;
        }
        return false;
    }

    /**
     * Recycles {@code c} if it went UNHEALTHY during the holding {@code token}: nobody else will.
     *
     * @param c     the connection
     * @param token the holding's token
     */
    public void recycleIfBroken(ManagedConnection c, int token) {
        if (c.recycleBroken(token)) {
            recycle(c, c.brokenReason());
        }
    }

    /**
     * Recycles a connection the caller just took (ACTIVE, its own) and found closed.
     *
     * @param c the connection
     */
    public void retireDead(ManagedConnection c) {
        if (c.recycleTaken()) {
            recycle(c, RecycleReason.PEER_CLOSED);
        }
    }

    /**
     * Takes a connection out of service because it broke: an available one is recycled now, a leased one is marked
     * UNHEALTHY and recycled when its holder releases it. Connections still connecting are the connector's, and
     * those on their way out are left alone.
     *
     * @param c      the connection
     * @param reason what broke it
     */
    public void markBroken(ManagedConnection c, RecycleReason reason) {
        while (true) {
            ConnectionState s = c.state();
            if (s == ConnectionState.ACTIVE) {
                if (c.markUnhealthy(reason)) {
                    return;
                }
            } else if (s.isAvailable()) {
                if (recycleIfAvailable(c, reason)) {
                    return;
                }
            } else {
                return;
            }
        }
    }
}

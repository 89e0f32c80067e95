package io.github.wspool.core.internal.connection;

import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.concurrent.VarHandles;
import io.github.wspool.event.RecycleReason;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A recycled connection's close: why the pool recycles it, and the timer that aborts its socket if the peer does not
 * answer the close frame within {@code closeTimeout} ({@link Recycler}). The timer is withdrawn as soon as the
 * connection is closed instead of waiting out the timeout: closing 19,000 connections would otherwise keep 19,000
 * timers (five objects each) live for the whole {@code closeTimeout}, young, for the garbage collector to copy.
 * Made when the connection is recycled, so that the timer is stored into this young object, not into the (old)
 * connection.
 */
public final class Closing {

    private static final VarHandle TIMER = VarHandles.field(MethodHandles.lookup(), Closing.class, "timer",
            PoolScheduler.Cancellable.class);
    private static final PoolScheduler.Cancellable ENDED = () -> { };

    private final RecycleReason reason;
    /** The close timeout's timer, {@code null} before it is kept, {@link #ENDED} once the close ended. */
    @SuppressWarnings("unused") // through TIMER
    private volatile PoolScheduler.Cancellable timer;

    Closing(RecycleReason reason) {
        this.reason = reason;
    }

    /**
     * Why the pool recycles the connection.
     *
     * @return the reason
     */
    public RecycleReason reason() {
        return reason;
    }

    /**
     * Keeps the close timeout's timer; withdraws it at once if the close ended meanwhile.
     *
     * @param t the timer
     */
    void timer(PoolScheduler.Cancellable t) {
        if (TIMER.getAndSet(this, t) == ENDED) {
            TIMER.setVolatile(this, ENDED);
            t.cancel();
        }
    }

    /**
     * The close ended: withdraws its timer (idempotent; a timer kept later is withdrawn as it is kept).
     *
     * @param closing the connection's close, or {@code null} if it was never recycled
     */
    static void ended(Closing closing) {
        if (closing != null) {
            closing.ended();
        }
    }

    /** The close ended: withdraws the timer (idempotent; a timer kept later is withdrawn as it is kept). */
    void ended() {
        PoolScheduler.Cancellable t = (PoolScheduler.Cancellable) TIMER.getAndSet(this, ENDED);
        if (t != null && t != ENDED) {
            t.cancel();
        }
    }
}

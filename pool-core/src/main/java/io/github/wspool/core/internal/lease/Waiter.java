package io.github.wspool.core.internal.lease;

import io.github.wspool.PooledConnection;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.connection.EndpointState;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A caller waiting for a connection, in the pool's FIFO wait queue.
 *
 * <p>Ownership is decided by the future itself: whoever completes it first (a release handing over a connection,
 * the timeout, close(), or the caller cancelling) wins, and every completion path goes through {@link #settled} once,
 * which is where the pool's pending count is kept. {@link #isDone()} may lag a successful claim by an instant;
 * a losing {@code complete} always returns {@code false}.
 */
final class Waiter extends CompletableFuture<PooledConnection> {

    /** Told once when a waiter stops waiting, however that happened. */
    interface Owner {
        void waiterSettled(Waiter waiter, boolean fulfilled);
    }

    private final Owner owner;
    final long startedAt;
    /** The endpoint whose connection this caller needs (sticky affinity), or {@code null} for any. */
    final EndpointState required;
    /**
     * Set once this waiter has waited past the pool's barging window (at once for waiters that have no thread of
     * their own to wake, and where the pool does not barge): from then on a release hands its connection to the
     * oldest such waiter instead of letting a running thread take it.
     */
    volatile boolean due;
    volatile PoolScheduler.Cancellable timeoutTask;
    private final AtomicBoolean settled = new AtomicBoolean();

    Waiter(Owner owner, long startedAt, EndpointState required, boolean due) {
        this.owner = owner;
        this.startedAt = startedAt;
        this.required = required;
        this.due = due;
    }

    /** Whether a connection to {@code endpoint} can serve this caller. */
    boolean accepts(EndpointState endpoint) {
        return required == null || required == endpoint;
    }

    @Override
    public boolean complete(PooledConnection value) {
        return claim(true) && super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        return claim(false) && super.completeExceptionally(ex);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return claim(false) && super.cancel(mayInterruptIfRunning);
    }

    /**
     * Decides who settles this waiter, and tells the owner before the result is published: a caller woken by the
     * result must already see the pool's pending count without itself.
     */
    private boolean claim(boolean fulfilled) {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        PoolScheduler.Cancellable t = timeoutTask;
        if (t != null) {
            t.cancel();
        }
        owner.waiterSettled(this, fulfilled);
        return true;
    }
}

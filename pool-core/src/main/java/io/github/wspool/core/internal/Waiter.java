package io.github.wspool.core.internal;

import io.github.wspool.PooledConnection;
import java.util.concurrent.CompletableFuture;

/**
 * A caller waiting for a connection, in the pool's FIFO wait queue.
 *
 * <p>Ownership is decided by the future itself: whoever completes it first (a release handing over a connection,
 * the timeout, close(), or the caller cancelling) wins, and every completion path goes through {@link #settled} once,
 * which is where the pool's pending count is kept.
 */
final class Waiter extends CompletableFuture<PooledConnection> {

    /** Told once when a waiter stops waiting, however that happened. */
    interface Owner {
        void waiterSettled(Waiter waiter, boolean fulfilled);
    }

    private final Owner owner;
    final long startedAt;
    final long timeoutNanos;
    volatile PoolScheduler.Cancellable timeoutTask;

    Waiter(Owner owner, long startedAt, long timeoutNanos) {
        this.owner = owner;
        this.startedAt = startedAt;
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public boolean complete(PooledConnection value) {
        if (super.complete(value)) {
            settled(true);
            return true;
        }
        return false;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        if (super.completeExceptionally(ex)) {
            settled(false);
            return true;
        }
        return false;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (super.cancel(mayInterruptIfRunning)) {
            settled(false);
            return true;
        }
        return false;
    }

    private void settled(boolean fulfilled) {
        PoolScheduler.Cancellable t = timeoutTask;
        if (t != null) {
            t.cancel();
        }
        owner.waiterSettled(this, fulfilled);
    }
}

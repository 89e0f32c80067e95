package io.github.wspool.core.internal.concurrent;

/**
 * Runs the pool's timed work: housekeeping, connect deadlines, close timeouts, async acquire timeouts.
 *
 * <p>Production uses one daemon thread per pool ({@link ExecutorPoolScheduler}); tests substitute a manual scheduler
 * that runs tasks only when told, together with a fake ticker.
 */
public interface PoolScheduler {

    /** A scheduled task that can be withdrawn. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    /**
     * Runs {@code task} after {@code delayNanos} (at once if zero or less).
     *
     * @return a handle to withdraw it; after {@link #shutdown} the task is dropped and the handle does nothing
     */
    Cancellable schedule(Runnable task, long delayNanos);

    /** Drops pending tasks and waits up to {@code timeoutNanos} for a running one to finish. */
    void shutdown(long timeoutNanos);
}

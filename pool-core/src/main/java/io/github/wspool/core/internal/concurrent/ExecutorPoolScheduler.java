package io.github.wspool.core.internal.concurrent;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link PoolScheduler} on one daemon thread named {@code wspool-<pool>-housekeeper}. */
public final class ExecutorPoolScheduler implements PoolScheduler {

    private static final Logger log = LoggerFactory.getLogger(ExecutorPoolScheduler.class);
    private static final Cancellable NOOP = () -> { };

    private final String poolName;
    private final ScheduledThreadPoolExecutor executor;
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    /**
     * @param poolName names the thread
     */
    public ExecutorPoolScheduler(String poolName) {
        this.poolName = poolName;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "wspool-" + poolName + "-housekeeper");
            t.setDaemon(true);
            threads.add(t);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        try {
            ScheduledFuture<?> f = executor.schedule(() -> runGuarded(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return NOOP; // shut down: the pool is closing and no longer needs timed work
        }
    }

    private void runGuarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            // A failing task must not kill the housekeeping thread (that would silently stop expiry and refills).
            log.error("[{}] housekeeping task failed", poolName, e);
        }
    }

    /**
     * Stops the executor and joins its thread: {@code awaitTermination} alone returns while the worker thread is
     * still on its way out, and "no pool thread after close()" means the thread is gone.
     */
    @Override
    public void shutdown(long timeoutNanos) {
        executor.shutdownNow();
        if (!DaemonThreads.joinAll(threads, System.nanoTime() + timeoutNanos).isEmpty()) {
            log.warn("[{}] housekeeper did not stop within {} ms", poolName, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        }
    }
}

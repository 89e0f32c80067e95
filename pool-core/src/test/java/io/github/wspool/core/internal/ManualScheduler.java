package io.github.wspool.core.internal;

import io.github.wspool.core.internal.concurrent.PoolScheduler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link PoolScheduler} on a {@link FakeTicker}: tasks run only when the test calls {@link #runDue()}, and only
 * those whose time on the fake ticker has come. Makes housekeeping, connect deadlines and timeouts deterministic.
 */
public final class ManualScheduler implements PoolScheduler {

    private final FakeTicker ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Task> tasks = new ArrayList<>();
    private boolean shutdown;
    private long sequence;

    public ManualScheduler(FakeTicker ticker) {
        this.ticker = ticker;
    }

    private final class Task implements Cancellable {
        final long due;
        final long order;
        final Runnable runnable;

        Task(long due, long order, Runnable runnable) {
            this.due = due;
            this.order = order;
            this.runnable = runnable;
        }

        @Override
        public void cancel() {
            lock.lock();
            try {
                tasks.remove(this);
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        lock.lock();
        try {
            if (shutdown) {
                return () -> { };
            }
            Task t = new Task(ticker.read() + Math.max(0, delayNanos), sequence++, task);
            tasks.add(t);
            return t;
        } finally {
            lock.unlock();
        }
    }

    /** Runs every task due now (including tasks those tasks schedule for now), in due order. */
    public int runDue() {
        int ran = 0;
        while (true) {
            Task next;
            lock.lock();
            try {
                next = tasks.stream()
                        .filter(t -> t.due - ticker.read() <= 0)
                        .min(Comparator.<Task>comparingLong(t -> t.due).thenComparingLong(t -> t.order))
                        .orElse(null);
                if (next != null) {
                    tasks.remove(next);
                }
            } finally {
                lock.unlock();
            }
            if (next == null) {
                return ran;
            }
            next.runnable.run();
            ran++;
            if (ran > 10_000) {
                throw new AssertionError("runaway scheduling: over 10,000 tasks due at one instant");
            }
        }
    }

    /** Nanoseconds from the ticker's now until the earliest pending task is due, or {@code Long.MAX_VALUE} for none. */
    public long nextDueIn() {
        lock.lock();
        try {
            return tasks.stream().mapToLong(t -> t.due - ticker.read()).min().orElse(Long.MAX_VALUE);
        } finally {
            lock.unlock();
        }
    }

    public int pendingTasks() {
        lock.lock();
        try {
            return tasks.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void shutdown(long timeoutNanos) {
        lock.lock();
        try {
            shutdown = true;
            tasks.clear();
        } finally {
            lock.unlock();
        }
    }
}

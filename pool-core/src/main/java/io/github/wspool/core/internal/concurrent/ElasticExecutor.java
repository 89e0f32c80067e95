package io.github.wspool.core.internal.concurrent;

import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A thread pool that starts a thread rather than queue a task behind busy ones: the pool for work that may block
 * (user message handlers, header suppliers, DNS), where a fixed pool lets a few blocked tasks starve every other.
 *
 * <p>Tomcat's {@code TaskQueue} idea on a {@link ThreadPoolExecutor}: its queue takes a task only when an idle thread
 * is waiting for it; otherwise it refuses, and the executor starts a new thread, up to {@code maxThreads}. Only at
 * that cap are tasks queued behind busy threads (without bound: nothing is rejected while the executor runs). Unlike
 * Tomcat's, the count of idle threads and the queue are kept under one lock, so a task is never queued for a thread
 * that is at that moment timing out and leaving (which would strand it behind blocked threads until the next
 * submission): a waiting thread leaves only when it finds the queue empty, under the same lock. Every thread ends
 * after {@code idleSeconds} without work, core threads too; the first {@code coreThreads} tasks each start a thread,
 * as in any {@code ThreadPoolExecutor}.
 *
 * <p>Threads are daemons named {@code namePrefix + N}, tracked in a set while they live so that the owner can join
 * them when it closes.
 */
public final class ElasticExecutor extends ThreadPoolExecutor {

    /**
     * The cap on threads used by the pool's own elastic executors: far above what non-blocking work needs (a
     * handler that does not block frees its thread in microseconds), high enough that a few hundred handlers blocked
     * at once do not starve the others, and low enough that a handler which blocks on every message, on thousands of
     * connections, cannot make the process start thousands of threads (each reserving its stack). Beyond it, tasks
     * wait in order; inbound queues then fill and suspend reading, which pushes back on the servers instead of
     * losing anything. Tomcat and Jetty default to 200 request threads for the same reasons.
     */
    public static final int DEFAULT_MAX_THREADS = 256;

    private final HandOffQueue queue;

    private ElasticExecutor(int coreThreads, int maxThreads, long idleSeconds, HandOffQueue queue, String namePrefix,
                            Set<Thread> tracked) {
        super(coreThreads, maxThreads, idleSeconds, TimeUnit.SECONDS, queue,
                DaemonThreads.trackedFactory(namePrefix, tracked),
                (task, executor) -> ((ElasticExecutor) executor).overflow(task));
        this.queue = queue;
        allowCoreThreadTimeOut(true);
    }

    /**
     * An elastic executor.
     *
     * @param coreThreads threads started for the first tasks whatever the idle ones (at least 1)
     * @param maxThreads  the most threads at once (at least {@code coreThreads})
     * @param idleSeconds how long an idle thread lives (positive)
     * @param namePrefix  thread names, before the sequence number
     * @param tracked     receives each thread while it lives
     * @return the executor; its owner shuts it down
     */
    public static ElasticExecutor create(int coreThreads, int maxThreads, long idleSeconds, String namePrefix,
                                         Set<Thread> tracked) {
        if (coreThreads < 1 || maxThreads < coreThreads || idleSeconds < 1) {
            throw new IllegalArgumentException("core " + coreThreads + ", max " + maxThreads + ", idle "
                    + idleSeconds + " s");
        }
        return new ElasticExecutor(coreThreads, maxThreads, idleSeconds, new HandOffQueue(), namePrefix, tracked);
    }

    /** No idle thread took the task and no thread could be started (the cap): it waits in the queue. */
    private void overflow(Runnable task) {
        if (isShutdown()) {
            throw new RejectedExecutionException("executor shut down");
        }
        queue.force(task);
        if (getPoolSize() == 0) {
            prestartCoreThread(); // starting a thread failed (out of threads, say) and none is left to take it
        }
    }

    /**
     * Threads waiting for work right now.
     *
     * @return the count
     */
    public int idleThreads() {
        return queue.idle();
    }

    /**
     * The work queue: takes a task only for an idle thread (or, forced, at the cap). Waiting threads are counted
     * under the same lock that decides, so a task is queued only when a waiting thread is sure to take it.
     */
    private static final class HandOffQueue extends LinkedBlockingQueue<Runnable> {

        private static final long serialVersionUID = 1L;

        private final ReentrantLock lock = new ReentrantLock();
        private final Condition available = lock.newCondition();
        /** Threads waiting in poll/take (guarded by {@link #lock}). */
        private int idle;

        int idle() {
            lock.lock();
            try {
                return idle;
            } finally {
                lock.unlock();
            }
        }

        /** Takes the task only if a waiting thread is free to run it; else the executor starts a thread. */
        @Override
        public boolean offer(Runnable task) {
            lock.lock();
            try {
                if (idle <= super.size()) {
                    return false;
                }
                super.offer(task);
                available.signal();
                return true;
            } finally {
                lock.unlock();
            }
        }

        void force(Runnable task) {
            lock.lock();
            try {
                super.offer(task);
                available.signal();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
            long nanos = unit.toNanos(timeout);
            lock.lockInterruptibly();
            try {
                idle++;
                try {
                    Runnable task;
                    while ((task = super.poll()) == null) {
                        if (nanos <= 0) {
                            return null; // the queue is empty: leaving strands nothing
                        }
                        nanos = available.awaitNanos(nanos);
                    }
                    return task;
                } finally {
                    idle--;
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Runnable take() throws InterruptedException {
            Runnable task;
            while ((task = poll(Long.MAX_VALUE, TimeUnit.NANOSECONDS)) == null) {
                // ~292 years passed: wait again
            }
            return task;
        }
    }
}

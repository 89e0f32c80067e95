package io.github.wspool.core.internal.concurrent;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pool's helper threads: executors of named daemon threads, started as tasks come, ended when idle, tracked for
 * joins; and the one bounded join of such threads when their owner closes.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /**
     * Up to {@code threads} daemon threads named {@code namePrefix + N}, each started for a task and ended after
     * {@code idleSeconds} without one. Live threads are kept in {@code tracked}, so that the owner can join them
     * when it closes.
     *
     * @param threads     the most threads at once
     * @param idleSeconds how long an idle thread lives
     * @param namePrefix  thread names, before the sequence number
     * @param tracked     receives each thread while it lives
     * @return the executor; its owner shuts it down
     */
    public static ThreadPoolExecutor idleEnding(int threads, long idleSeconds, String namePrefix, Set<Thread> tracked) {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, idleSeconds, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), trackedFactory(namePrefix, tracked));
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    /**
     * Daemon threads named {@code namePrefix + N}, each in {@code tracked} while it lives (so that its owner can join
     * it at close).
     *
     * @param namePrefix thread names, before the sequence number
     * @param tracked    receives each thread while it lives
     * @return the factory
     */
    public static ThreadFactory trackedFactory(String namePrefix, Set<Thread> tracked) {
        AtomicInteger sequence = new AtomicInteger();
        return r -> {
            Thread t = new Thread(() -> {
                try {
                    r.run();
                } finally {
                    tracked.remove(Thread.currentThread());
                }
            }, namePrefix + sequence.incrementAndGet());
            t.setDaemon(true);
            tracked.add(t);
            return t;
        };
    }

    /**
     * Waits until each of {@code threads} has ended or the deadline has passed, and tells which are still alive.
     *
     * <ul>
     *   <li>The calling thread is skipped: a close called from a callback on one of the threads would otherwise
     *       wait for itself (that thread ends once the callback returns).</li>
     *   <li>Once the deadline has passed, the remaining threads are only looked at, not waited for: a close that
     *       is already late does not wait longer for each thread still to come.</li>
     *   <li>An interrupt stops the waiting at once; the interrupt status is set again before this returns, so the
     *       caller sees it (and so does a later wait of its own, which then returns at once).</li>
     * </ul>
     *
     * @param threads       the threads to join; a live concurrent set will do (they are iterated once)
     * @param deadlineNanos when to stop waiting, a {@link System#nanoTime()} value
     * @return the threads still alive after their wait, in iteration order (empty if all ended; after an interrupt,
     *         only among the threads looked at before it); never the calling thread
     */
    public static List<Thread> joinAll(Collection<Thread> threads, long deadlineNanos) {
        Thread self = Thread.currentThread();
        List<Thread> alive = new ArrayList<>(0);
        for (Thread t : threads) {
            if (t == self) {
                continue;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedJoin(t, left);
                } catch (InterruptedException e) {
                    self.interrupt();
                    break;
                }
            }
            if (t.isAlive()) {
                alive.add(t);
            }
        }
        return alive;
    }
}

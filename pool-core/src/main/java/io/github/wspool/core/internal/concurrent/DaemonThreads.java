package io.github.wspool.core.internal.concurrent;

import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The pool's helper executors: named daemon threads, started as tasks come, ended when idle, tracked for joins. */
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
        AtomicInteger sequence = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, idleSeconds, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
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
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}

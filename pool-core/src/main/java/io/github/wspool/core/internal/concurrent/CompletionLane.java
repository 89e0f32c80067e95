package io.github.wspool.core.internal.concurrent;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the completions whose dependent stages may be the caller's code (a reply's future, a tracked send's outcome)
 * off the threads that must not run them, with as few thread wake-ups as the load allows.
 *
 * <p>Tasks go into one queue. While there is work, one thread of {@code threads} drains it: a burst of replies read in
 * one selector pass, or a stream of them under load, costs one wake-up of one thread, not one per reply (which is what
 * handing each to a thread pool costs: a futex wake and a context switch per message, ~40% of the client's CPU in an
 * asynchronous request chain). The drainer leaves when the queue is empty; the next task starts one again.
 *
 * <p>A stage that blocks holds its drainer. So that it never holds the completions queued behind it until it returns,
 * a task queued behind a running drainer arms a watch on {@code scheduler}: if no task started for {@code stallNanos}
 * while tasks wait, the watch writes off the drainers stuck in a task (they no longer count, so the next completion
 * starts a drainer at once) and starts another drainer, and keeps watching while tasks wait. Stuck means waiting
 * (parked, sleeping, on a lock); a drainer that is RUNNABLE (computing, preempted on a busy machine, or blocked in a
 * socket read) is written off only after {@link #PATIENCE} periods in a row, so that a busy machine does not add
 * threads to itself. A stage that blocks thus delays the completions queued at that moment by about {@code
 * stallNanos} (four times that in a native read), and none after; under steady load the watch costs one scheduler
 * wake-up per period. The watch runs on the scheduler's one thread. A drainer leaves when the queue is empty; a written-off one when its
 * stage returns and the queue is empty. Once {@code threads} refuses work (the pool closed), a task is drained on the
 * calling thread: completed late rather than never.
 */
public final class CompletionLane implements Executor {

    private static final Logger log = LoggerFactory.getLogger(CompletionLane.class);
    private static final int COUNTED = 0;
    private static final int LEFT = 1;
    private static final int WRITTEN_OFF = 2;
    /** Stall periods in a row after which a drainer in a task is written off even if RUNNABLE. */
    private static final int PATIENCE = 4;

    private final String pool;
    private final Executor threads;
    private final PoolScheduler scheduler;
    private final long stallNanos;
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** Drainers started and not yet left. */
    private final AtomicInteger drainers = new AtomicInteger();
    /** Tasks started so far: the watch's sign of progress. */
    private final AtomicLong started = new AtomicLong();
    private final AtomicBoolean watching = new AtomicBoolean();
    /** Watches in a row that saw no progress while tasks waited (the watch's own, one at a time). */
    private int stalledChecks;
    /** Drainers running now, counted or written off. */
    private final Set<Drainer> running = ConcurrentHashMap.newKeySet();

    /**
     * @param pool       the pool's name, for logs
     * @param threads    where drainers run (the pool's completion threads)
     * @param scheduler  runs the watch
     * @param stallNanos how long tasks may wait with none started before another drainer starts (positive)
     */
    public CompletionLane(String pool, Executor threads, PoolScheduler scheduler, long stallNanos) {
        if (stallNanos <= 0) {
            throw new IllegalArgumentException("stallNanos must be positive: " + stallNanos);
        }
        this.pool = pool;
        this.threads = threads;
        this.scheduler = scheduler;
        this.stallNanos = stallNanos;
    }

    /**
     * Queues a completion; starts a drainer if none is running, else makes sure the watch is armed.
     *
     * @param task the completion
     */
    @Override
    public void execute(Runnable task) {
        queue.offer(task);
        if (drainers.get() == 0 && drainers.compareAndSet(0, 1)) {
            start();
        } else {
            watch();
        }
    }

    /** Runs a drainer already counted in {@link #drainers}. */
    private void start() {
        Drainer d = new Drainer();
        try {
            threads.execute(d);
        } catch (RejectedExecutionException e) {
            d.run(); // the pool closed: here, late rather than never
        }
    }

    /** One drainer's run: counted in {@link #drainers} until it leaves, or until the watch writes it off as stuck. */
    private final class Drainer implements Runnable {
        /** The {@link #started} number of the task it runs, 0 between tasks. */
        volatile long inTask;
        /** The thread it runs on. */
        volatile Thread thread;
        /** COUNTED → LEFT (by itself) or COUNTED → WRITTEN_OFF (by the watch): whoever moves it uncounts it. */
        final AtomicInteger state = new AtomicInteger(COUNTED);

        @Override
        public void run() {
            thread = Thread.currentThread();
            running.add(this);
            try {
                for (;;) {
                    Runnable task;
                    while ((task = queue.poll()) != null) {
                        inTask = started.incrementAndGet();
                        try {
                            CompletionLane.this.run(task);
                        } finally {
                            inTask = 0;
                        }
                    }
                    uncount();
                    if (queue.isEmpty() || !rejoin()) {
                        return; // empty, or another drainer takes what came meanwhile
                    }
                    state.set(COUNTED);
                }
            } finally {
                running.remove(this);
                if (uncount() && !queue.isEmpty() && rejoin()) {
                    start(); // a fatal error unwound this drainer: another takes the rest
                }
            }
        }

        /** Leaves the count, unless it already left or was written off; whether this call did. */
        private boolean uncount() {
            if (state.compareAndSet(COUNTED, LEFT)) {
                drainers.decrementAndGet();
                return true;
            }
            return false;
        }

        /**
         * The watch gives up on it when it is in a task and waiting (parked, sleeping, on a lock), or in a task for
         * {@code patient} periods whatever its state (a stage blocked in a socket read is RUNNABLE): it no longer
         * counts, so a new completion starts a drainer. A drainer only preempted (RUNNABLE) on a busy machine is given
         * those periods, so that the machine's load does not add threads to it.
         */
        void writeOffIfStuck(boolean patient) {
            Thread t = thread;
            boolean waiting = t != null && t.getState() != Thread.State.RUNNABLE;
            if (inTask != 0 && (waiting || patient) && state.compareAndSet(COUNTED, WRITTEN_OFF)) {
                drainers.decrementAndGet();
            }
        }
    }

    /** A task came after a drainer found the queue empty: drain again unless another drainer is counted. */
    private boolean rejoin() {
        for (;;) {
            int d = drainers.get();
            if (d > 0) {
                watch(); // that drainer may be the one stuck in a stage
                return false;
            }
            if (drainers.compareAndSet(0, 1)) {
                return true;
            }
        }
    }

    private void run(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            Fatal.rethrowIfFatal(t);
            log.error("[{}] a completion failed", pool, t);
        }
    }

    private void watch() {
        if (watching.compareAndSet(false, true)) {
            long seen = started.get();
            scheduler.schedule(() -> check(seen), stallNanos);
        }
    }

    /**
     * The watch: tasks waited {@code stallNanos} with none started since {@code seen}? Then every drainer in a task
     * is stuck: written off (no longer counted, so from now on a completion starts a drainer at once, instead of
     * waiting behind it), and another drainer starts.
     */
    private void check(long seen) {
        watching.set(false);
        if (queue.isEmpty() || started.get() != seen) {
            stalledChecks = 0;
        }
        if (queue.isEmpty()) {
            return; // a task queued from now on arms the watch again
        }
        if (started.get() == seen) {
            boolean patient = ++stalledChecks >= PATIENCE;
            running.forEach(d -> d.writeOffIfStuck(patient));
            if (drainers.get() == 0 && drainers.compareAndSet(0, 1)) {
                log.debug("[{}] completions waited {} µs behind a completion thread stuck in a stage: starting"
                        + " another", pool, stallNanos / 1_000);
                start();
            }
        }
        watch();
    }

    /**
     * Drainers running now (for tests and diagnostics).
     *
     * @return the count
     */
    public int drainers() {
        return drainers.get();
    }
}

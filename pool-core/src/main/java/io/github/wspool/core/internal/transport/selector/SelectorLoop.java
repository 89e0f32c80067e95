package io.github.wspool.core.internal.transport.selector;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One selector thread of the {@link SelectorTransport}: it owns a {@link Selector}, the channels registered with it
 * and one heap read buffer shared by all of them (the protocol engine copies what it keeps).
 *
 * <p>Other threads talk to it only through {@link #execute(Runnable)}, which queues a task and wakes the selector
 * (once per batch of tasks). Everything else here is touched by the loop thread alone. Nothing run on it may block.
 */
final class SelectorLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(SelectorLoop.class);
    /** The shared read buffer: large enough for many frames per read, allocated once per selector. */
    static final int READ_BUFFER_SIZE = 64 * 1024;
    private static final long MAX_SELECT_MILLIS = 1000;

    /** Cancelled deadlines are dropped from the queue once they are more than half of it (and more than this). */
    private static final int COMPACT_AT = 64;

    /**
     * Something to run at {@code at} (nanoTime): it checks itself whether it is still needed; or, once
     * {@linkplain #cancel cancelled}, nothing (its action is let go at once: a connection's connect deadline would
     * otherwise keep what its action refers to alive for the whole connect timeout after the connection opened).
     */
    static final class Deadline {
        private final long at;
        private Runnable action; // loop only; null once cancelled

        private Deadline(long at, Runnable action) {
            this.at = at;
            this.action = action;
        }
    }

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER_SIZE);
    /** Scratch array for gathering writes, so that several queued frames go out in one system call. Loop only. */
    private final ByteBuffer[] writeBatch = new ByteBuffer[16];
    private ByteBuffer tlsNet; // loop only
    private ByteBuffer tlsApp; // loop only
    private ByteBuffer discard; // loop only
    /** Close and connect deadlines, earliest first. Loop only. */
    private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>((a, b) -> Long.signum(a.at - b.at));
    /** How many of {@link #deadlines} are cancelled. Loop only. */
    private int cancelledDeadlines;
    private volatile boolean stopping;
    private volatile boolean stopped;

    SelectorLoop(String threadName) throws IOException {
        this.selector = Selector.open();
        this.thread = new Thread(this, threadName);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    Selector selector() {
        return selector;
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    boolean isStopping() {
        return stopping;
    }

    /**
     * Queues a task for the loop thread.
     *
     * @return {@code false} if the loop has stopped and will never run it (the caller must then act itself)
     */
    boolean execute(Runnable task) {
        tasks.add(task);
        if (stopped && tasks.remove(task)) {
            return false;
        }
        if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
        return true;
    }

    /**
     * The loop's buffer for encrypted output, allocated on first use (a loop without TLS connections has none).
     *
     * @param packetSize the engine's largest record, at least this much room is given
     */
    ByteBuffer tlsNetBuffer(int packetSize) {
        if (tlsNet == null || tlsNet.capacity() < 2 * packetSize) {
            tlsNet = ByteBuffer.allocate(Math.max(READ_BUFFER_SIZE, 2 * packetSize));
        }
        return tlsNet;
    }

    /**
     * The loop's buffer for decrypted input, allocated on first use.
     *
     * @param applicationSize the engine's largest plaintext record
     */
    ByteBuffer tlsAppBuffer(int applicationSize) {
        if (tlsApp == null || tlsApp.capacity() < applicationSize) {
            tlsApp = ByteBuffer.allocate(Math.max(READ_BUFFER_SIZE, applicationSize));
        }
        return tlsApp;
    }

    /**
     * A buffer for input read only to be thrown away (before a close), allocated on first use; a fresh small one
     * off the loop thread (the loop is gone then).
     */
    ByteBuffer discardBuffer() {
        if (!inLoop()) {
            return ByteBuffer.allocate(1024);
        }
        if (discard == null) {
            discard = ByteBuffer.allocate(READ_BUFFER_SIZE);
        }
        return discard;
    }

    /** The scratch array for a gathering write. Loop thread only; cleared by the caller after use. */
    ByteBuffer[] writeBatch() {
        return writeBatch;
    }

    /**
     * Runs {@code action} on this loop at {@code at} (nanoTime), or soon after. Loop thread only.
     *
     * @param at     when
     * @param action what; it must check whether it is still needed (the connection may have finished meanwhile)
     * @return the deadline, to {@linkplain #cancel cancel} once it is not needed
     */
    Deadline deadline(long at, Runnable action) {
        Deadline d = new Deadline(at, action);
        deadlines.add(d);
        return d;
    }

    /**
     * Lets go of a deadline's action: it will not run. The deadline itself leaves the queue when it is due, or
     * sooner, when cancelled ones are over half of the queue. Loop thread only.
     *
     * @param d the deadline, or {@code null} (nothing to do)
     */
    void cancel(Deadline d) {
        if (d == null || d.action == null) {
            return;
        }
        d.action = null;
        if (++cancelledDeadlines > COMPACT_AT && cancelledDeadlines > deadlines.size() / 2) {
            deadlines.removeIf(x -> x.action == null);
            cancelledDeadlines = 0;
        }
    }

    /** How many deadlines are queued, cancelled ones included (tests). Loop thread only. */
    int queuedDeadlines() {
        return deadlines.size();
    }

    /** How many queued deadlines will still run their action (tests). Loop thread only. */
    int liveDeadlines() {
        return (int) deadlines.stream().filter(d -> d.action != null).count();
    }

    /** Asks the loop to close every channel it holds, report their connections closed, and end. */
    void stop() {
        stopping = true;
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                wakeupPending.set(false); // before running tasks: a task queued after this wakes the next select
                runTasks();
                long timeout = selectTimeoutMillis();
                // the action forms: no selected-key set to fill and iterate (a set node and an iterator per wakeup)
                if (tasks.isEmpty()) {
                    selector.select(processKey, timeout);
                } else {
                    selector.selectNow(processKey);
                }
                expireDeadlines();
            }
        } catch (IOException | RuntimeException | Error e) {
            log.error("selector loop {} failed; its connections are closed", thread.getName(), e);
        } finally {
            shutdown();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("selector task failed", e);
            }
        }
    }

    private long selectTimeoutMillis() {
        Deadline first = deadlines.peek();
        if (first == null) {
            return MAX_SELECT_MILLIS;
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(first.at - System.nanoTime()) + 1;
        return Math.max(1, Math.min(MAX_SELECT_MILLIS, millis));
    }

    /** {@link #process}, bound once. */
    private final Consumer<SelectionKey> processKey = this::process;

    private void process(SelectionKey key) {
        SelectorConnection c = (SelectorConnection) key.attachment();
        try {
            if (!key.isValid()) {
                return;
            }
            int ready = key.readyOps();
            if ((ready & SelectionKey.OP_CONNECT) != 0) {
                c.connectPhase().connectable();
            }
            if (key.isValid() && (ready & SelectionKey.OP_WRITE) != 0) {
                c.writable();
            }
            if (key.isValid() && (ready & SelectionKey.OP_READ) != 0) {
                c.readable(readBuffer);
            }
        } catch (CancelledKeyException e) {
            // closed meanwhile: its close was reported where it was cancelled
        } catch (IOException | RuntimeException e) {
            c.failed(e);
        }
    }

    private void expireDeadlines() {
        if (deadlines.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        Deadline d;
        while ((d = deadlines.peek()) != null && now - d.at >= 0) {
            deadlines.poll();
            Runnable action = d.action;
            if (action == null) {
                cancelledDeadlines--;
                continue;
            }
            d.action = null;
            try {
                action.run();
            } catch (RuntimeException e) {
                log.warn("selector deadline task failed", e);
            }
        }
    }

    /** Closes every channel still registered and reports its connection closed; runs what was queued until then. */
    private void shutdown() {
        stopped = true;
        try {
            for (SelectionKey key : new java.util.ArrayList<>(selector.keys())) {
                if (key.attachment() instanceof SelectorConnection c) {
                    c.shutdown();
                }
            }
            runTasks(); // tasks queued before stopped was set: each sees the loop stopping and finishes its connection
            selector.close();
        } catch (IOException | RuntimeException e) {
            log.debug("closing selector {} failed", thread.getName(), e);
        }
    }

    /** Whether the loop still runs tasks (for a connection that wants to know whether to finish by itself). */
    boolean isStopped() {
        return stopped;
    }
}

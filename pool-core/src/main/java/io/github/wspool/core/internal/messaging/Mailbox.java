package io.github.wspool.core.internal.messaging;

import io.github.wspool.InboundMessage;
import io.github.wspool.core.spi.TransportConnection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection's inbound messages on their way to application handlers: a queue drained by at most one executor
 * task at a time, so a connection's messages are handled one by one in arrival order while different connections'
 * messages run in parallel. A task handles a batch and then re-submits itself, so one busy connection cannot hold an
 * executor thread forever.
 *
 * <p>Bounded in bytes: when the queue is full the transport thread that delivers (the producer) waits for room.
 * With a thread-per-connection transport that stops reading this one socket, and TCP flow control slows the server
 * down: a peer that floods faster than handlers consume cannot grow the heap without bound. The wait ends when the
 * connection is being closed; what does not fit then is dropped and reported.
 *
 * <p>A transport whose I/O thread serves many connections ({@link TransportConnection#sharesIoThread()}, the selector
 * transport) must never be blocked: there the full queue takes the delivery anyway and
 * {@linkplain TransportConnection#suspendReading() suspends reading} on that one connection, and the handlers resume
 * it once they have drained the queue to half the bound. The bound is then exceeded by at most what the transport had
 * already read (one read buffer, or one message up to {@code maxMessageSize}).
 */
final class Mailbox implements Runnable {

    private static final int BATCH = 64;
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** One message and where it goes: the listed holders' handlers, or the pool handler when {@code targets} is null. */
    record Delivery(InboundMessage message, Holder[] targets) {
        /** Heap bytes the message holds: 2 per character of text, 1 per byte of binary. */
        long size() {
            return message.isText() ? 2L * message.size() : message.size();
        }
    }

    /** Delivers one message on an executor thread; drops it (with a reason) when the executor refused the task. */
    interface Sink {
        void deliver(Channel c, Delivery d);

        void rejected(Channel c, Delivery d);

        /**
         * Reading from the connection stopped because the queue is full, or went on again. Called in the order the
         * mailbox decided, under its lock.
         *
         * @param c      the connection
         * @param paused whether reading is paused from now on
         */
        default void readingPaused(Channel c, boolean paused) {
        }
    }

    private final Channel connection;
    private final Sink sink;
    private final Executor executor;
    private final long maxBytes;
    private final ConcurrentLinkedQueue<Delivery> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private volatile boolean producerWaiting;
    /** Reading is suspended at the transport (shared I/O thread only); written under {@link #lock}. */
    private volatile boolean readingSuspended;

    Mailbox(Channel connection, Sink sink, Executor executor, long maxBytes) {
        this.connection = connection;
        this.sink = sink;
        this.executor = executor;
        this.maxBytes = maxBytes;
    }

    /**
     * Queues a delivery, waiting for room while the queue is full and the connection is live.
     *
     * @return {@code false} if it was not queued (the connection is closing and the queue stayed full)
     */
    boolean post(Delivery d) {
        if (queuedBytes.get() + d.size() > maxBytes) {
            TransportConnection t = connection.transport();
            if (t != null && t.sharesIoThread()) {
                suspendReading(t); // before the bytes count: a drain that follows sees the suspension and resumes
            } else if (!awaitRoom(d.size())) {
                return false;
            }
        }
        queuedBytes.addAndGet(d.size());
        queue.add(d);
        schedule();
        return true;
    }

    /**
     * Waits until the delivery fits (or the queue is empty: one oversize message may pass alone). The waiting thread
     * is the connection's reader: while it waits nothing is read, and the sink hears of it as paused reading.
     */
    private boolean awaitRoom(long size) {
        lock.lock();
        boolean paused = false;
        try {
            producerWaiting = true;
            while (queuedBytes.get() + size > maxBytes && queuedBytes.get() > 0) {
                if (!connection.isLive()) {
                    return false;
                }
                if (!paused) {
                    paused = true;
                    sink.readingPaused(connection, true);
                }
                room.awaitNanos(WAIT_SLICE_NANOS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            producerWaiting = false;
            try {
                if (paused) {
                    sink.readingPaused(connection, false);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private void suspendReading(TransportConnection t) {
        lock.lock();
        try {
            if (!readingSuspended) {
                readingSuspended = true;
                sink.readingPaused(connection, true); // before the transport stops: no pong is judged meanwhile
                t.suspendReading();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock, so that a suspension and a resumption reach the transport in the order they were decided. */
    private void resumeReadingIfDrained() {
        lock.lock();
        try {
            TransportConnection t = connection.transport();
            if (readingSuspended && queuedBytes.get() <= maxBytes / 2 && t != null) {
                readingSuspended = false;
                t.resumeReading();
                sink.readingPaused(connection, false); // after: deadlines count from when reading is possible again
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether reading is paused because the queue is full: suspended at the transport, or the reader thread waiting
     * for room.
     *
     * @return {@code true} while paused
     */
    boolean readingPaused() {
        return readingSuspended || producerWaiting;
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this);
            } catch (RejectedExecutionException e) {
                Delivery d;
                while ((d = queue.poll()) != null) {
                    taken(d);
                    sink.rejected(connection, d);
                }
                scheduled.set(false);
            }
        }
    }

    /**
     * Delivers a batch. Whatever a delivery throws (the sink guards user code, but rethrows a
     * {@link VirtualMachineError} once its own bookkeeping is done), the mailbox is left consistent: the message is
     * accounted as taken and the rest are scheduled again, so one {@code Error} never wedges a connection's inbound
     * queue.
     */
    @Override
    public void run() {
        try {
            for (int n = 0; n < BATCH; n++) {
                Delivery d = queue.poll();
                if (d == null) {
                    break;
                }
                try {
                    sink.deliver(connection, d);
                } finally {
                    taken(d);
                }
            }
        } finally {
            scheduled.set(false);
            if (!queue.isEmpty()) {
                schedule(); // more arrived, the batch ended, or a delivery threw: go round again
            }
        }
    }

    private void taken(Delivery d) {
        long left = queuedBytes.addAndGet(-d.size());
        if (readingSuspended && left <= maxBytes / 2) {
            resumeReadingIfDrained();
        }
        if (producerWaiting) {
            lock.lock();
            try {
                room.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}

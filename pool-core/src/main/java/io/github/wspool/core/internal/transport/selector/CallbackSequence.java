package io.github.wspool.core.internal.transport.selector;

import io.github.wspool.core.internal.concurrent.Fatal;
import io.github.wspool.core.internal.concurrent.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's callbacks to the pool, in order, for the selector transport.
 *
 * <p>Callbacks that may block or run user code (open, close) are {@linkplain #offload offloaded} to an executor;
 * the frequent, non-blocking ones (messages, pongs) run {@linkplain #inline inline} on the selector thread, unless
 * an offloaded callback is still queued or running, in which case they queue behind it: order is kept either way.
 *
 * <p>Only one thread produces (the connection's selector thread, or the single thread that fails a connection
 * that never reached a selector), so "nothing pending" seen by the producer stays true while it runs a callback
 * inline: only the producer starts executor work.
 *
 * <p>A queue exists only while callbacks wait behind an offloaded one. A callback offloaded with nothing pending
 * goes to the executor inside its own task, without a queue (the open, the close); only a callback that arrives while
 * one is queued or running needs the queue, which the producer makes then and lets go of once it finds nothing
 * pending (the executor is done with it then: its last act is the decrement to zero). So an open connection keeps
 * no queue, and its close writes nothing into the connection's long-lived objects here (a reference stored into an
 * old object is a card the next young pause has to scan, for each of 19,000 closing connections).
 */
final class CallbackSequence implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(CallbackSequence.class);
    private static final VarHandle PENDING = VarHandles.field(MethodHandles.lookup(), CallbackSequence.class,
            "pending", int.class);

    private final Executor executor;
    /** The offloaded callbacks, or {@code null} while none is pending. Written by the producer only. */
    private volatile ConcurrentLinkedQueue<Runnable> queue;
    /** Callbacks queued or running on the executor (changed through PENDING: no AtomicInteger per connection). */
    private volatile int pending;

    CallbackSequence(Executor executor) {
        this.executor = executor;
    }

    /** Runs {@code callback} now if nothing is queued before it, else behind what is. Producer thread only. */
    void inline(Runnable callback) {
        if (pending == 0) {
            if (queue != null) {
                queue = null; // the executor is done with it
            }
            guarded(callback);
        } else {
            offload(callback);
        }
    }

    /** Runs {@code callback} on the executor after everything queued before it. Producer thread only. */
    void offload(Runnable callback) {
        if (pending == 0) {
            // nothing queued or running (the executor's last act was the decrement to zero): this one goes alone
            if (queue != null) {
                queue = null;
            }
            pending = 1;
            submit(() -> drain(callback));
            return;
        }
        ConcurrentLinkedQueue<Runnable> q = queue;
        if (q == null) {
            q = new ConcurrentLinkedQueue<>(); // published before the increment below, which the executor reads
            queue = q;
        }
        q.add(callback);
        if ((int) PENDING.getAndAdd(this, 1) == 0) {
            submit(this); // the executor finished meanwhile: a new drain takes it from the queue
        }
    }

    private void submit(Runnable drain) {
        try {
            executor.execute(drain);
        } catch (RejectedExecutionException e) {
            drain.run(); // the transport is shutting down: deliver here rather than lose the close
        }
    }

    /** Whether a queue is kept (tests). */
    boolean holdsQueue() {
        return queue != null;
    }

    @Override
    public void run() {
        drain(null);
    }

    /** Runs {@code first} (if any), then the queued callbacks, until nothing is pending. Executor thread. */
    private void drain(Runnable first) {
        Runnable next = first;
        do {
            if (next == null) {
                next = queue.poll();
            }
            if (next != null) {
                try {
                    guarded(next);
                } catch (VirtualMachineError e) {
                    // counted as done, and the rest rescheduled: an Error never wedges this connection's callbacks
                    if ((int) PENDING.getAndAdd(this, -1) - 1 > 0) {
                        reschedule();
                    }
                    throw e;
                }
                next = null;
            }
        } while ((int) PENDING.getAndAdd(this, -1) - 1 > 0);
    }

    private void reschedule() {
        try {
            executor.execute(this);
        } catch (RejectedExecutionException e) {
            log.debug("callbacks not rescheduled: the transport is shutting down", e);
        }
    }

    /** Runs a callback; anything it throws is logged, a fatal error ({@link Fatal}) then rethrown. */
    private static void guarded(Runnable callback) {
        try {
            callback.run();
        } catch (Throwable e) {
            log.warn("a transport callback failed; the connection carries on", e);
            Fatal.rethrowIfFatal(e);
        }
    }
}

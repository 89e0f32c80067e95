package io.github.wspool.core.internal.concurrent;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Whether a pool is closing, and the wait of {@code close()} for its leases and connections to be done. Every
 * component reads {@link #begun()} (one volatile read) to stop starting new work; the components that finish work
 * (a release, a connection reaching CLOSED) call {@link #progress()} while the pool closes, so that the closing
 * thread re-checks at once instead of at its next poll.
 */
public final class Shutdown {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private volatile boolean begun;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition progress = lock.newCondition();
    /** Told once closing has begun (the lease broker's fast-path word); set while the pool is wired. */
    private volatile Runnable onBegin = () -> { };

    /**
     * Whether closing has begun.
     *
     * @return {@code true} once {@link #begin()} was called
     */
    public boolean begun() {
        return begun;
    }

    /**
     * Marks the pool closing.
     *
     * @return {@code true} for the one caller that began it
     */
    public boolean begin() {
        if (!claimed.compareAndSet(false, true)) {
            return false;
        }
        begun = true;
        onBegin.run();
        return true;
    }

    /**
     * What to run on the thread that begins closing, right after {@link #begun()} turns {@code true}.
     *
     * @param r the hook (one per pool: the last one set wins)
     */
    public void onBegin(Runnable r) {
        onBegin = r;
    }

    /** Wakes a closing thread waiting in {@link #await}; does nothing while the pool is open. */
    public void progress() {
        if (!begun) {
            return;
        }
        lock.lock();
        try {
            progress.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@code done} holds or {@code timeoutNanos} pass, in real time (not the pool's ticker: a close must
     * end even under a frozen fake ticker).
     *
     * @param done         the condition, re-checked on every {@link #progress()} and at least every 50 ms
     * @param timeoutNanos the bound
     * @return whether {@code done} holds
     */
    public boolean await(BooleanSupplier done, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        lock.lock();
        try {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // progress is signalled, but a short bound also covers a transport that reports a close late
                progress.awaitNanos(Math.min(left, POLL_NANOS));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return done.getAsBoolean();
        } finally {
            lock.unlock();
        }
    }
}

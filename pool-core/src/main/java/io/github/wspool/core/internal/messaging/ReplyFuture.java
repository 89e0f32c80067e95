package io.github.wspool.core.internal.messaging;

import io.github.wspool.core.internal.concurrent.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The future of a {@code request(...)}: a {@link CompletableFuture} that can tell, when the reply arrives on a shared
 * selector thread, whether completing it there would run any of the caller's code.
 *
 * <p>The first thread to block in {@link #join()}, {@link #get()} or {@link #get(long, TimeUnit)} parks in a slot of
 * its own instead of registering with {@code CompletableFuture} as a dependent (further waiters, and threads of a
 * {@code ForkJoinPool}, which need its managed blocking, wait the usual way). {@link #completeIfOnlyWaiter} then
 * completes the future on the calling thread only if that thread is the only one to wake: someone waits in the slot,
 * no dependent is registered, and no stage was ever derived from this future. Otherwise it refuses, and the pool
 * completes the future on its completion threads, so that {@code thenApply} and the like never run on the selector
 * (nor, for a timeout, on the pool's scheduler).
 * Deriving a stage ({@code thenApply}, {@code whenComplete}, …) and the inline completion exclude each other; a
 * dependent that reaches this future without deriving from it ({@code allOf}, {@code anyOf}, or
 * {@code other.thenCombine(this, …)}) and is added from another thread in the very instant the reply completes it
 * may still run on the selector thread.
 *
 * <p>Every way to complete it (complete, exceptionally, cancel, obtrude, async, timeouts) wakes the parked waiter.
 * Stages derived from it are plain {@code CompletableFuture}s.
 *
 * @param <T> the reply type
 */
final class ReplyFuture<T> extends CompletableFuture<T> {

    private static final VarHandle WAITER = VarHandles.field(MethodHandles.lookup(), ReplyFuture.class, "waiter",
            Thread.class);


    /** The thread parked in this future's own wait, or {@code null}. */
    private volatile Thread waiter;
    /** Whether a stage was ever derived from this future (guarded by {@code this}). */
    private boolean derived;

    /**
     * Completes the future on the calling thread if that only wakes a caller blocked in join/get: none of the
     * caller's stages can run here.
     *
     * @param value the reply
     * @return whether it completed the future; if not, nothing changed
     */
    boolean completeIfOnlyWaiter(T value) {
        return settleIfOnlyWaiter(value, null);
    }

    /**
     * Fails the future on the calling thread if that only wakes a caller blocked in join/get (a request's timeout,
     * on the scheduler's thread).
     *
     * @param failure why
     * @return whether it completed the future; if not, nothing changed
     */
    boolean completeExceptionallyIfOnlyWaiter(Throwable failure) {
        return settleIfOnlyWaiter(null, failure);
    }

    private boolean settleIfOnlyWaiter(T value, Throwable failure) {
        return settleInline(value, failure, true);
    }

    /**
     * Completes the future on the calling thread if that runs none of the caller's code: no stage was ever derived
     * from it and no dependent is registered (a caller blocked in join/get is only woken, if there is one).
     *
     * @param value   the value, if {@code failure} is {@code null}
     * @param failure the failure, or {@code null}
     * @return whether it completed the future; if not, nothing changed
     */
    boolean completeIfNoStages(T value, Throwable failure) {
        return settleInline(value, failure, false);
    }

    /** The one inline completion: under the monitor that {@link #newIncompleteFuture} takes, so derivation waits. */
    private boolean settleInline(T value, Throwable failure, boolean requireWaiter) {
        Thread w;
        synchronized (this) { // held for a few field reads and the completion itself: nothing here blocks
            w = waiter;
            if ((requireWaiter && w == null) || derived || getNumberOfDependents() != 0 || isDone()) {
                return false;
            }
            if (failure != null) {
                super.completeExceptionally(failure);
            } else {
                super.complete(value);
            }
        }
        if (w != null) {
            LockSupport.unpark(w);
        }
        return true;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        synchronized (this) {
            derived = true;
        }
        return new CompletableFuture<>(); // derived stages wait the usual way
    }

    /** Parks in the slot until done; {@code false} if the slot is taken (wait the usual way). */
    private boolean awaitInSlot(boolean interruptible, long deadline) throws InterruptedException {
        Thread me = Thread.currentThread();
        if (me instanceof ForkJoinWorkerThread || !WAITER.compareAndSet(this, null, me)) {
            return false;
        }
        boolean interrupted = false;
        try {
            while (!isDone()) { // the slot is set before this read; a completer reads the slot after its write
                if (deadline != 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    LockSupport.parkNanos(this, left);
                } else {
                    LockSupport.park(this);
                }
                if (Thread.interrupted()) {
                    if (interruptible) {
                        throw new InterruptedException();
                    }
                    interrupted = true; // join() is not interruptible, like CompletableFuture's
                }
            }
        } finally {
            waiter = null;
            if (interrupted) {
                me.interrupt();
            }
        }
        return true;
    }

    @Override
    public T join() {
        if (!isDone()) {
            try {
                awaitInSlot(false, 0);
            } catch (InterruptedException e) {
                throw new AssertionError("not interruptible", e);
            }
        }
        return super.join(); // at once when done; else the usual wait
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (!isDone()) {
            awaitInSlot(true, 0);
        }
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!isDone()) {
            long nanos = unit.toNanos(timeout);
            if (awaitInSlot(true, System.nanoTime() + Math.max(1, nanos)) && !isDone()) {
                throw new TimeoutException();
            }
            return super.get(Math.max(0, nanos), TimeUnit.NANOSECONDS); // at once when done; else the usual wait
        }
        return super.get();
    }

    private void wake() {
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    @Override
    public boolean complete(T value) {
        boolean done = super.complete(value);
        wake();
        return done;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        boolean done = super.completeExceptionally(ex);
        wake();
        return done;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean done = super.cancel(mayInterruptIfRunning);
        wake();
        return done;
    }

    @Override
    public void obtrudeValue(T value) {
        super.obtrudeValue(value);
        wake();
    }

    @Override
    public void obtrudeException(Throwable ex) {
        super.obtrudeException(ex);
        wake();
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        Objects.requireNonNull(supplier, "supplier");
        Objects.requireNonNull(executor, "executor");
        executor.execute(() -> {
            try {
                complete(supplier.get());
            } catch (Throwable e) { // as CompletableFuture's own: whatever the supplier throws completes the future
                completeExceptionally(e);
            }
        });
        return this;
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        return completeAsync(supplier, defaultExecutor());
    }
}

package io.github.wspool.core.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The future of a {@code request(...)}: a {@link CompletableFuture} whose blocking waits ({@link #join()},
 * {@link #get()}, {@link #get(long, TimeUnit)}) do not register as dependents, so that the pool can tell, when the
 * reply arrives on a shared selector thread, whether completing the future there would run any code of the caller.
 *
 * <p>{@link #hasNoDependents()} is true when nothing but blocked waiters (or nobody) waits: the reply completes the
 * future right on the selector thread, which wakes a waiter directly, with no hop through the message executor.
 * Otherwise a dependent stage ({@code thenApply}, {@code whenComplete}, {@code allOf} over it …) would run there, so
 * the pool completes it on the message executor instead (see {@code Messaging}).
 *
 * <p>Every way to complete it (complete, exceptionally, cancel, obtrude, async, timeouts) wakes the waiters. Stages
 * derived from it are plain {@code CompletableFuture}s.
 *
 * @param <T> the reply type
 */
final class ReplyFuture<T> extends CompletableFuture<T> {

    /** Threads blocked in a wait of this future (guarded by {@code this}; read without it as a hint). */
    private volatile int waiters;

    /**
     * Whether completing this future now would run no dependent stage: only blocked waiters, if anyone, are woken.
     *
     * @return true if it has no dependents right now
     */
    boolean hasNoDependents() {
        return getNumberOfDependents() == 0;
    }

    @Override
    public T join() {
        if (!isDone()) {
            boolean interrupted = false;
            synchronized (this) {
                waiters++;
                try {
                    while (!isDone()) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            interrupted = true; // join() is not interruptible, like CompletableFuture's
                        }
                    }
                } finally {
                    waiters--;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (!isDone()) {
            synchronized (this) {
                waiters++;
                try {
                    while (!isDone()) {
                        wait();
                    }
                } finally {
                    waiters--;
                }
            }
        }
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!isDone()) {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            synchronized (this) {
                waiters++;
                try {
                    long left;
                    while (!isDone() && (left = deadline - System.nanoTime()) > 0) {
                        TimeUnit.NANOSECONDS.timedWait(this, left);
                    }
                } finally {
                    waiters--;
                }
            }
            if (!isDone()) {
                throw new TimeoutException();
            }
        }
        return super.get();
    }

    private void wake() {
        if (waiters > 0) { // a waiter counts itself before it looks at isDone(): it sees the result or is woken
            synchronized (this) {
                notifyAll();
            }
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
        executor.execute(() -> {
            try {
                complete(supplier.get());
            } catch (RuntimeException | Error e) {
                completeExceptionally(e);
            }
        });
        return this;
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        return completeAsync(supplier, defaultExecutor());
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>(); // derived stages wait the usual way
    }
}

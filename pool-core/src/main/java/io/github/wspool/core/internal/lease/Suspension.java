package io.github.wspool.core.internal.lease;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.PoolException;
import io.github.wspool.PooledConnection;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.concurrent.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * The operator's suspension of acquisition ({@code PoolControl.suspend()}/{@code resume()}): while suspended, a gate
 * future that acquires started meanwhile (sync and async) wait on, within their own timeout, counted as pending; on
 * resume they go on into the lease broker's normal path with the time they have left. Waiters already queued,
 * releases, refills and health checks are not affected. Apart from {@link LeaseBroker} because it is a state of the
 * pool that an acquire passes before it looks for a connection, not part of finding one; the broker asks for the
 * gate once per acquire ({@link #gate()}: one volatile read, {@code null} while not suspended).
 */
final class Suspension {

    private static final VarHandle GATE = VarHandles.field(MethodHandles.lookup(), Suspension.class, "gate",
            CompletableFuture.class);


    private final String pool;
    private final Ticker ticker;
    private final PoolScheduler scheduler;
    private final AcquireFailures failures;
    /**
     * While acquisition is suspended, completed by {@link #resume()}: acquires started meanwhile wait for it;
     * {@code null} while not suspended (one volatile read per acquire).
     */
    @SuppressWarnings("unused") // written through GATE
    private volatile CompletableFuture<Void> gate;
    /** Callers waiting for the pool to resume (not yet in the wait queue). */
    private final AtomicInteger waiting = new AtomicInteger();

    /**
     * @param pool      the pool's name, for messages
     * @param ticker    the pool's time source
     * @param scheduler runs async acquires' timeouts
     * @param failures  how a waiting acquire fails
     */
    Suspension(String pool, Ticker ticker, PoolScheduler scheduler, AcquireFailures failures) {
        this.pool = pool;
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.failures = failures;
    }

    /**
     * The gate an acquire waits on while acquisition is suspended.
     *
     * @return the gate, or {@code null} while not suspended
     */
    CompletableFuture<Void> gate() {
        return gate;
    }

    /**
     * Callers waiting for the pool to resume.
     *
     * @return the count
     */
    int waiting() {
        return waiting.get();
    }

    /**
     * Suspends acquisition: acquires started from now on wait for {@link #resume()} (within their own timeout)
     * before they look for a connection.
     *
     * @return whether this call suspended it (it was not suspended)
     */
    boolean suspend() {
        return GATE.compareAndSet(this, null, new CompletableFuture<Void>());
    }

    /**
     * Resumes acquisition: the callers waiting for it go on at once.
     *
     * @return whether this call resumed it (it was suspended)
     */
    @SuppressWarnings("unchecked")
    boolean resume() {
        CompletableFuture<Void> g = (CompletableFuture<Void>) GATE.getAndSet(this, null);
        if (g == null) {
            return false;
        }
        g.complete(null);
        return true;
    }

    /**
     * Whether acquisition is suspended.
     *
     * @return {@code true} between {@link #suspend()} and {@link #resume()}
     */
    boolean suspended() {
        return gate != null;
    }

    /**
     * Waits for the pool to resume (again, if it was suspended again meanwhile) within the caller's timeout.
     *
     * @param g            the gate the caller found
     * @param timeoutNanos the caller's timeout
     * @param timeout      the same, as the caller gave it
     * @return the time left of the timeout ({@code Long.MAX_VALUE} for none)
     * @throws PoolException (reported) if the timeout passed or the wait was interrupted
     */
    long awaitResume(CompletableFuture<Void> g, long timeoutNanos, Duration timeout) {
        long start = ticker.read();
        long began = System.nanoTime();
        while (g != null) {
            long left = left(timeoutNanos, began);
            waiting.incrementAndGet();
            try {
                g.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw failures.report(start, failures.timedOutSuspended(timeout));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failures.report(start, new PoolException("Pool '" + pool + "': interrupted while waiting for"
                        + " the suspended pool to resume", e));
            } catch (ExecutionException e) {
                throw failures.report(start, failures.asPoolException(e.getCause()));
            } finally {
                waiting.decrementAndGet();
            }
            g = gate; // suspended again meanwhile: wait again
        }
        return left(timeoutNanos, began);
    }

    /**
     * Without a thread to block: the future completes once the pool resumed and {@code acquire}, given the time left
     * of the caller's timeout, found a connection, or with the timeout. Cancelling it withdraws the request.
     *
     * @param g            the gate the caller found
     * @param timeoutNanos the caller's timeout
     * @param shown        the same, as the caller gave it
     * @param acquire      the broker's async acquire, given the time left
     * @return the future lease
     */
    CompletableFuture<PooledConnection> acquireAsyncAfterResume(
            CompletableFuture<Void> g, long timeoutNanos, Duration shown,
            LongFunction<CompletableFuture<PooledConnection>> acquire) {
        long start = ticker.read();
        long began = System.nanoTime();
        CompletableFuture<PooledConnection> result = new CompletableFuture<>();
        AtomicBoolean counted = new AtomicBoolean(true);
        waiting.incrementAndGet();
        Runnable stopCounting = () -> {
            if (counted.compareAndSet(true, false)) {
                waiting.decrementAndGet();
            }
        };
        PoolScheduler.Cancellable timer = scheduler.schedule(() -> {
            AcquireTimeoutException ex = failures.timedOutSuspended(shown);
            if (result.completeExceptionally(ex)) {
                stopCounting.run();
                failures.report(start, ex);
            }
        }, timeoutNanos);
        result.whenComplete((c, e) -> {
            if (result.isCancelled()) {
                stopCounting.run();
                timer.cancel();
            }
        });
        g.whenComplete((ignored, never) -> {
            stopCounting.run();
            if (result.isDone()) {
                return;
            }
            timer.cancel();
            CompletableFuture<PooledConnection> inner = acquire.apply(left(timeoutNanos, began));
            inner.whenComplete((c, e) -> {
                boolean taken = e != null ? result.completeExceptionally(e instanceof CompletionException
                        && e.getCause() != null ? e.getCause() : e) : result.complete(c);
                if (!taken && c != null) {
                    c.close(); // cancelled meanwhile: give it back
                }
            });
            result.whenComplete((c, e) -> {
                if (result.isCancelled()) {
                    inner.cancel(false);
                }
            });
        });
        return result;
    }

    /** What is left of {@code timeoutNanos} since {@code began} ({@code System.nanoTime()}). */
    private static long left(long timeoutNanos, long began) {
        return timeoutNanos == Long.MAX_VALUE ? Long.MAX_VALUE
                : Math.max(0, timeoutNanos - (System.nanoTime() - began));
    }
}

package io.github.wspool.core.internal.connection;

import java.util.function.LongUnaryOperator;

/**
 * Reconnect backoff of one endpoint: exponential with full jitter (AWS Architecture Blog, "Exponential Backoff and
 * Jitter"). After the n-th consecutive failure the next attempt waits a delay drawn uniformly from
 * {@code [0, min(max, initial * multiplier^(n-1))]}; a success resets it.
 *
 * <p>A connect whose handshake completed is not yet a success: the failures keep counting, and only once the
 * connection has proved itself (see {@code ConnectAttempt}: it stayed open for the minimum lifetime, or the pool
 * itself closed it) does {@link #onSuccess()} reset them. A connection that dies before then is one more {@link #onFailure}, so a server that
 * completes every handshake and then drops the connection meets a growing delay, not a reset one.
 *
 * <p>Not thread-safe: the owning {@link EndpointState} guards it with its lock.
 */
public final class Backoff {

    private final long initialNanos;
    private final long maxNanos;
    private final double multiplier;
    private final LongUnaryOperator jitter;

    private int failures;
    private long nextAttemptAt;
    private boolean waiting;

    /**
     * @param jitter maps an upper bound {@code b} to a delay in {@code [0, b]}; production draws it at random
     */
    public Backoff(long initialNanos, long maxNanos, double multiplier, LongUnaryOperator jitter) {
        this.initialNanos = initialNanos;
        this.maxNanos = maxNanos;
        this.multiplier = multiplier;
        this.jitter = jitter;
    }

    /** Records a failed attempt at {@code now}; returns the delay before the next attempt. */
    public long onFailure(long now) {
        long bound = bound(failures);
        failures++;
        long delay = Math.max(0, Math.min(bound, jitter.applyAsLong(bound)));
        nextAttemptAt = now + delay;
        waiting = true;
        return delay;
    }

    /** The upper bound of the delay after {@code priorFailures + 1} consecutive failures. */
    public long bound(int priorFailures) {
        double b = initialNanos * Math.pow(multiplier, priorFailures);
        return b >= maxNanos ? maxNanos : (long) b;
    }

    /** The connection proved itself: the failures are forgotten. */
    public void onSuccess() {
        failures = 0;
        waiting = false;
    }

    /** Whether an attempt may start at {@code now}. */
    public boolean allows(long now) {
        return !waiting || now - nextAttemptAt >= 0;
    }

    /** When the next attempt may start, if it must wait; {@code Long.MAX_VALUE} semantics are the caller's. */
    public long nextAttemptAt() {
        return nextAttemptAt;
    }

    public boolean isWaiting() {
        return waiting;
    }

    public int failures() {
        return failures;
    }
}

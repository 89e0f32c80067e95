package io.github.wspool.core.internal.connection;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A connects-per-second limit as a generic cell rate algorithm (the token bucket written as one timestamp): permits
 * are spaced {@code 1/rate} apart, and up to {@code burst} may be taken at once after a quiet spell. One CAS per
 * permit, no allocation, driven by the pool's ticker so tests control time.
 */
public final class ConnectRate {

    private final long intervalNanos;
    private final long toleranceNanos; // (burst - 1) intervals: how far ahead of now the schedule may run
    private final AtomicLong theoreticalArrival = new AtomicLong(Long.MIN_VALUE);

    /**
     * @param perSecond permits per second, positive
     */
    public ConnectRate(double perSecond) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive, but was " + perSecond);
        }
        this.intervalNanos = Math.max(1, (long) (TimeUnit.SECONDS.toNanos(1) / perSecond));
        long burst = Math.max(1, (long) Math.floor(perSecond / 10)); // a tenth of a second's worth
        this.toleranceNanos = (burst - 1) * intervalNanos;
    }

    /** {@code null} for zero (unlimited), else a limiter. */
    public static ConnectRate of(double perSecond) {
        return perSecond > 0 ? new ConnectRate(perSecond) : null;
    }

    /**
     * Takes a permit if one is free at {@code now}.
     *
     * @param now the ticker's time
     * @return 0 if taken, else the nanoseconds until one is free
     */
    public long tryAcquire(long now) {
        while (true) {
            long tat = theoreticalArrival.get();
            long start = tat == Long.MIN_VALUE || tat - now < 0 ? now : tat;
            long wait = start - toleranceNanos - now;
            if (wait > 0) {
                return wait;
            }
            if (theoreticalArrival.compareAndSet(tat, start + intervalNanos)) {
                return 0;
            }
        }
    }

    /** Gives back a permit just taken (another limit refused the connect). */
    public void refund() {
        theoreticalArrival.addAndGet(-intervalNanos);
    }
}

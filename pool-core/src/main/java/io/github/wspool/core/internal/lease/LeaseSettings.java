package io.github.wspool.core.internal.lease;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * How a pool hands out connections: the builder's {@code pooling}, {@code maxLeasesPerConnection},
 * {@code maxPendingAcquires}, {@code acquireTimeout} and {@code leakDetectionThreshold}, validated there.
 *
 * @param pooling                whether released connections are kept for the next acquire
 * @param maxLeasesPerConnection leases sharing one connection at once (1 = exclusive; always 1 without pooling)
 * @param maxPendingAcquires     callers allowed to wait at once
 * @param acquireTimeout         the wait of {@code acquire()}
 * @param leakDetectionThreshold leases held longer are reported; zero disables
 * @param bargingWindowNanos     how long a waiting caller lets running threads take released connections first
 */
public record LeaseSettings(boolean pooling, int maxLeasesPerConnection, int maxPendingAcquires,
                            Duration acquireTimeout, Duration leakDetectionThreshold, long bargingWindowNanos) {

    /**
     * The barging window: tens of microseconds, about one thread wake-up (see {@link Handoff}).
     */
    public static final long BARGING_WINDOW_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    /** Checks the parts; without pooling every lease is exclusive. */
    public LeaseSettings {
        Objects.requireNonNull(acquireTimeout, "acquireTimeout");
        Objects.requireNonNull(leakDetectionThreshold, "leakDetectionThreshold");
        if (!pooling) {
            maxLeasesPerConnection = 1;
        }
    }

    /**
     * These settings with another barging window (tests drive each side of it).
     *
     * @param nanos the window
     * @return a copy
     */
    public LeaseSettings withBargingWindow(long nanos) {
        return new LeaseSettings(pooling, maxLeasesPerConnection, maxPendingAcquires, acquireTimeout,
                leakDetectionThreshold, nanos);
    }

    /**
     * Whether connections are shared by several leases.
     *
     * @return {@code maxLeasesPerConnection > 1}
     */
    public boolean multiplexed() {
        return maxLeasesPerConnection > 1;
    }

    /**
     * Pooling with exclusive leases: a thread's acquire may take the connection it released last, and waiters barge.
     *
     * @return whether leases are thread-affine
     */
    public boolean threadAffine() {
        return pooling && !multiplexed();
    }
}

package io.github.wspool.core.internal.lease;

import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.connection.Lease;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leak detection ({@code leakDetectionThreshold}): a lease held longer than the threshold is reported at WARN with the
 * stack of its acquire, and its late return at INFO. Off (and never touched) when the threshold is zero.
 */
final class LeakDetector {

    private static final Logger log = LoggerFactory.getLogger(LeakDetector.class);

    /** A lease under watch: where it was acquired, and the task that reports it if it is held too long. */
    private static final class Watch {
        final Throwable acquiredAt = new Throwable("the lease was acquired here");
        volatile PoolScheduler.Cancellable task;
        volatile boolean reported;
    }

    private final String pool;
    private final PoolScheduler scheduler;
    private final long thresholdNanos;
    private final Map<Lease, Watch> watches = new ConcurrentHashMap<>();

    LeakDetector(String pool, PoolScheduler scheduler, long thresholdNanos) {
        this.pool = pool;
        this.scheduler = scheduler;
        this.thresholdNanos = thresholdNanos;
    }

    /** Whether leak detection is on. */
    boolean enabled() {
        return thresholdNanos > 0;
    }

    /** Starts watching a lease (before its holder can see, and release, it). */
    void watch(Lease lease) {
        Watch watch = new Watch();
        watches.put(lease, watch);
        watch.task = scheduler.schedule(() -> {
            if (watches.containsKey(lease)) {
                watch.reported = true;
                log.warn("[{}] possible connection leak: {} has been leased for more than {} ms without being"
                        + " released; close() every PooledConnection, e.g. with try-with-resources", pool,
                        lease.connection.id, TimeUnit.NANOSECONDS.toMillis(thresholdNanos), watch.acquiredAt);
            }
        }, thresholdNanos);
    }

    /** Stops watching a lease that never reached its holder. */
    void unwatch(Lease lease) {
        Watch watch = watches.remove(lease);
        if (watch != null && watch.task != null) {
            watch.task.cancel();
        }
    }

    /** Stops watching a released lease; one reported as a leak is reported returned. */
    void released(Lease lease, long now) {
        Watch watch = watches.remove(lease);
        if (watch == null) {
            return;
        }
        if (watch.task != null) {
            watch.task.cancel();
        }
        if (watch.reported) {
            log.info("[{}] {} previously reported as a possible leak was returned after {} ms", pool,
                    lease.connection.id, TimeUnit.NANOSECONDS.toMillis(now - lease.acquiredAt));
        }
    }
}

package io.github.wspool;

/**
 * The acquire was refused at once because {@code maxPendingAcquires} callers are already waiting.
 *
 * <p>This is back-pressure: the pool is saturated and queueing more callers would only make every one of them wait
 * longer. Either the pool is too small for the load, or leases are held too long (or never closed).
 */
public class AcquireRejectedException extends PoolException {

    private static final long serialVersionUID = 1L;

    /**
     * @param poolName the pool's name
     * @param limit    the configured {@code maxPendingAcquires}
     * @param stats    the pool's counts at the time
     */
    public AcquireRejectedException(String poolName, int limit, PoolStats stats) {
        super("Pool '" + poolName + "': acquire rejected, already " + limit + " callers waiting (maxPendingAcquires="
                + limit + "; " + stats + "). The pool is saturated: raise maxConnections or maxPendingAcquires,"
                + " or check for leases that are held too long or never closed.");
    }
}

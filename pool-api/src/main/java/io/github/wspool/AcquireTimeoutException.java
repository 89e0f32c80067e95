package io.github.wspool;

import java.time.Duration;
import java.util.Objects;

/**
 * No connection became available within the acquire timeout.
 *
 * <p>The message names the pool and carries {@code total/active/idle/pending}; the {@linkplain #getCause() cause} is
 * the last connect failure the pool saw while the caller waited (for example the server's {@code 401} status line or
 * {@code Connection refused}), or {@code null} if every connect succeeded and the pool was simply busy.
 */
public class AcquireTimeoutException extends PoolException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final Duration timeout;
    private final transient PoolStats stats;
    private final boolean suspended;

    /**
     * @param poolName    the pool's name
     * @param timeout     how long the caller waited
     * @param stats       the pool's state when the wait ended
     * @param lastFailure the last connect failure, or {@code null}
     */
    public AcquireTimeoutException(String poolName, Duration timeout, PoolStats stats, Throwable lastFailure) {
        this(poolName, timeout, stats, lastFailure, false);
    }

    /**
     * @param poolName    the pool's name
     * @param timeout     how long the caller waited
     * @param stats       the pool's state when the wait ended
     * @param lastFailure the last connect failure, or {@code null}
     * @param suspended   whether the wait ended while the pool was suspended ({@link PoolControl#suspend()}): the
     *                    message then says so
     */
    public AcquireTimeoutException(String poolName, Duration timeout, PoolStats stats, Throwable lastFailure,
                                   boolean suspended) {
        super(message(poolName, timeout, stats, lastFailure, suspended), lastFailure);
        this.poolName = poolName;
        this.timeout = timeout;
        this.stats = stats;
        this.suspended = suspended;
    }

    /**
     * For subclasses that say more precisely why nothing was available.
     *
     * @param message     the whole message
     * @param poolName    the pool's name
     * @param timeout     how long the caller waited
     * @param stats       the pool's state when the wait ended
     * @param lastFailure the last connect failure, or {@code null}
     */
    protected AcquireTimeoutException(String message, String poolName, Duration timeout, PoolStats stats,
                                      Throwable lastFailure) {
        super(message, lastFailure);
        this.poolName = poolName;
        this.timeout = timeout;
        this.stats = stats;
        this.suspended = false;
    }

    private static String message(String poolName, Duration timeout, PoolStats stats, Throwable lastFailure,
                                  boolean suspended) {
        String msg = "Pool '" + poolName + "': no connection available within " + timeout.toMillis() + " ms ("
                + Objects.requireNonNull(stats, "stats") + ")";
        if (suspended) {
            msg += "; the pool is suspended (PoolControl.suspend()): acquires wait until PoolControl.resume()";
        } else if (lastFailure != null) {
            msg += "; last connect failure: " + lastFailure.getMessage();
        } else if (stats.active() >= stats.total() && stats.total() > 0) {
            msg += "; every connection is leased: raise maxConnections, shorten leases, or check for leases that are never closed";
        }
        return msg;
    }

    /**
     * @return the name of the pool that timed out
     */
    public String poolName() {
        return poolName;
    }

    /**
     * @return how long the caller waited
     */
    public Duration timeout() {
        return timeout;
    }

    /**
     * @return whether the caller timed out because the pool was suspended
     */
    public boolean suspended() {
        return suspended;
    }

    /**
     * @return the pool's connection counts when the wait ended ({@code null} after deserialization)
     */
    public PoolStats stats() {
        return stats;
    }
}

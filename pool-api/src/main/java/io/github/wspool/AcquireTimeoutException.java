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

    /**
     * @param poolName    the pool's name
     * @param timeout     how long the caller waited
     * @param stats       the pool's state when the wait ended
     * @param lastFailure the last connect failure, or {@code null}
     */
    public AcquireTimeoutException(String poolName, Duration timeout, PoolStats stats, Throwable lastFailure) {
        super(message(poolName, timeout, stats, lastFailure), lastFailure);
        this.poolName = poolName;
        this.timeout = timeout;
        this.stats = stats;
    }

    private static String message(String poolName, Duration timeout, PoolStats stats, Throwable lastFailure) {
        String msg = "Pool '" + poolName + "': no connection available within " + timeout.toMillis() + " ms ("
                + Objects.requireNonNull(stats, "stats") + ")";
        if (lastFailure != null) {
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
     * @return the pool's connection counts when the wait ended ({@code null} after deserialization)
     */
    public PoolStats stats() {
        return stats;
    }
}

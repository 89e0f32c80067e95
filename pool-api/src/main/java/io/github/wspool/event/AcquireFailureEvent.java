package io.github.wspool.event;

import io.github.wspool.PoolException;
import java.time.Duration;

/**
 * An acquire failed.
 *
 * @param pool    the pool's name
 * @param waited  how long the caller waited before failing
 * @param failure what the caller got ({@link io.github.wspool.AcquireTimeoutException} for a timeout, …)
 */
public record AcquireFailureEvent(String pool, Duration waited, PoolException failure) {
}

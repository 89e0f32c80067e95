package io.github.wspool;

import java.time.Duration;
import java.util.Objects;

/**
 * An acquire waited its whole timeout on a pool that has no endpoint yet: the pool was built with an
 * {@link EndpointResolver} and no endpoint of its own, and the resolver has not given it any endpoint so far (a DNS
 * name that does not resolve yet, a registry that is still empty or unreachable). A kind of
 * {@link AcquireTimeoutException}, so code that handles timeouts handles this one too.
 */
public class NoEndpointDiscoveredException extends AcquireTimeoutException {

    private static final long serialVersionUID = 1L;

    private final String resolver;

    /**
     * @param poolName the pool's name
     * @param timeout  how long the caller waited
     * @param stats    the pool's state when the wait ended
     * @param resolver the resolver the pool waits for, as its {@code toString()} describes it
     */
    public NoEndpointDiscoveredException(String poolName, Duration timeout, PoolStats stats, String resolver) {
        super("Pool '" + poolName + "': no connection available within " + timeout.toMillis()
                + " ms: no endpoint discovered yet from " + Objects.requireNonNull(resolver, "resolver")
                + " (the pool has no endpoint of its own; acquires wait for the resolver's first endpoint set)",
                poolName, timeout, stats, null);
        this.resolver = resolver;
    }

    /**
     * @return the resolver the pool is waiting for, as its {@code toString()} describes it
     */
    public String resolver() {
        return resolver;
    }
}

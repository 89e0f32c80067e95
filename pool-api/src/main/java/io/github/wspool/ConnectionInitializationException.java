package io.github.wspool;

import java.net.URI;

/**
 * A connect failed because the pool's {@link ConnectionInitializer} failed on the new connection: it threw (the
 * {@linkplain #getCause() cause} is what it threw), it did not finish within its deadline ({@link #timedOut()}), or the
 * connection closed or misbehaved while it ran. Like any {@link EndpointConnectException} it counts for the endpoint's
 * backoff and connect breaker, and an {@link AcquireTimeoutException} or {@link NoHealthyEndpointException} carries
 * it as the last connect failure.
 */
public class ConnectionInitializationException extends EndpointConnectException {

    private static final long serialVersionUID = 1L;

    private final boolean timedOut;

    /**
     * @param endpoint the endpoint
     * @param detail   what failed, e.g. {@code "IllegalStateException: denied"} or {@code "timed out after 500 ms"}
     * @param timedOut whether the initializer's deadline passed
     * @param cause    what the initializer threw, may be {@code null}
     */
    public ConnectionInitializationException(URI endpoint, String detail, boolean timedOut, Throwable cause) {
        super(endpoint, "connection initializer failed: " + detail, 0, cause);
        this.timedOut = timedOut;
    }

    /**
     * Whether the initializer was given up at its deadline.
     *
     * @return {@code true} if it timed out
     */
    public boolean timedOut() {
        return timedOut;
    }
}

package io.github.wspool;

import java.time.Duration;

/**
 * No text message arrived within the timeout of {@link InitializingConnection#receive(Duration)}. Unchecked (a
 * {@link PoolException}); a {@link ConnectionInitializer} normally lets it propagate, which fails the connect with a
 * {@link ConnectionInitializationException} caused by it.
 */
public class ReceiveTimeoutException extends PoolException {

    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    /**
     * @param connectionId the connection that was waiting
     * @param timeout      the timeout that passed
     */
    public ReceiveTimeoutException(String connectionId, Duration timeout) {
        super("No text message on connection " + connectionId + " within " + timeout.toMillis() + " ms");
        this.timeout = timeout;
    }

    /**
     * The timeout that passed.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return timeout;
    }
}

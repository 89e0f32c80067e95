package io.github.wspool;

import java.time.Duration;

/**
 * No reply to a {@link PooledConnection#request request} arrived within its timeout. The timeout counts against the
 * connection's circuit breaker; a reply that arrives later is dropped (and reported as a late reply), never delivered
 * to another request or handler.
 */
public class RequestTimeoutException extends PoolException {

    private static final long serialVersionUID = 1L;

    private final String correlationId;
    private final Duration timeout;

    /**
     * @param connectionId  the connection the request was sent on
     * @param correlationId the request's correlation id
     * @param timeout       the timeout that passed
     */
    public RequestTimeoutException(String connectionId, String correlationId, Duration timeout) {
        super("No reply to request '" + correlationId + "' on connection " + connectionId + " within "
                + timeout.toMillis() + " ms; the server is slow, or it did not echo the correlation id in its reply");
        this.correlationId = correlationId;
        this.timeout = timeout;
    }

    /**
     * The request's correlation id.
     *
     * @return the id
     */
    public String correlationId() {
        return correlationId;
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

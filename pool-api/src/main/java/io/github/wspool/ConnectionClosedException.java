package io.github.wspool;

/**
 * A send was attempted on a leased connection whose WebSocket is no longer open (the peer closed it, or the
 * transport failed). The pool has already marked the connection unhealthy; release the lease and acquire another.
 */
public class ConnectionClosedException extends PoolException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, naming the connection
     * @param cause   the transport's error, may be {@code null}
     */
    public ConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.github.wspool;

/**
 * Base of the one unchecked exception family wspool throws for pool-level failures.
 *
 * <p>Subtypes say what went wrong ({@link AcquireTimeoutException}, {@link PoolClosedException}, …); the cause chain
 * keeps the real I/O error where there was one. Misuse of the API (for example using a lease after releasing it)
 * is reported with {@link IllegalStateException}, and bad configuration with {@link IllegalArgumentException}.
 */
public class PoolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, naming the pool
     */
    public PoolException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the pool
     * @param cause   the underlying failure, may be {@code null}
     */
    public PoolException(String message, Throwable cause) {
        super(message, cause);
    }
}

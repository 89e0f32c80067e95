package io.github.wspool;

/**
 * The pool was closed: thrown by {@code acquire} after {@code close()}, and delivered to callers that were still
 * waiting when the pool closed.
 */
public class PoolClosedException extends PoolException {

    private static final long serialVersionUID = 1L;

    /**
     * @param poolName the pool's name
     */
    public PoolClosedException(String poolName) {
        super("Pool '" + poolName + "' is closed: acquire() was called after close(), or the pool closed while the caller"
                + " was waiting. Check that the pool is not closed while the application still uses it.");
    }
}

package io.github.wspool;

/**
 * A {@link PooledConnection#request request} was still waiting for its reply when its lease was released. Its reply,
 * if it still comes, is dropped: it never reaches the connection's next holder.
 */
public class RequestCancelledException extends PoolException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, naming the connection and the request
     */
    public RequestCancelledException(String message) {
        super(message);
    }
}

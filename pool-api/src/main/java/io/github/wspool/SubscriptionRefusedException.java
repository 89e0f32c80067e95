package io.github.wspool;

/**
 * The server answered a subscribe with an error; the subscription is closed. The message names the channel and
 * carries the server's error payload.
 */
public class SubscriptionRefusedException extends PoolException {

    private static final long serialVersionUID = 1L;

    private final String channel;
    private final String error;

    /**
     * @param message what happened, naming the pool and the channel
     * @param channel the channel
     * @param error   the server's error payload (JSON text), or {@code null}
     */
    public SubscriptionRefusedException(String message, String channel, String error) {
        super(message);
        this.channel = channel;
        this.error = error;
    }

    /**
     * The channel the server refused.
     *
     * @return the channel
     */
    public String channel() {
        return channel;
    }

    /**
     * What the server said.
     *
     * @return its error payload, or {@code null}
     */
    public String error() {
        return error;
    }
}

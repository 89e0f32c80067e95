package io.github.wspool;

/**
 * A channel subscription that the pool owns and keeps alive: it survives the connection that carries it. When that
 * connection fails, is recycled (idle, lifetime, soft-evict) or its server drains, the pool re-subscribes on another
 * connection from the last position delivered, and the listener sees every message once and in order; a hole the
 * server cannot fill is reported to {@link SubscriptionListener#onGap}, never silent.
 *
 * <p>Get one from {@link WebSocketPool#subscribe(String, SubscriptionListener)}. Thread-safe.
 */
public interface Subscription extends AutoCloseable {

    /**
     * The channel.
     *
     * @return the channel name
     */
    String channel();

    /**
     * Where it stands now.
     *
     * @return the state
     */
    SubscriptionState state();

    /**
     * The position of the last message delivered to the listener (the listener returned), or {@code -1} if none
     * was delivered yet and no start position was given.
     *
     * @return the last delivered position
     */
    long position();

    /**
     * How many re-subscribes the server acknowledged as recovered (it replayed what was missed).
     *
     * @return the count
     */
    int recoveries();

    /**
     * Unsubscribes: sends the protocol's unsubscribe on the connection that carries it (best effort; a connection
     * that is gone needs none), stops delivery, and forgets the stored position. Idempotent.
     */
    @Override
    void close();
}

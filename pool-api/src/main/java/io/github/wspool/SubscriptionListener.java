package io.github.wspool;

/**
 * Receives a subscription's messages: each once, in position order, across reconnects, recycling and server drains.
 *
 * <p>Called on the pool's message executor, one call at a time per subscription (never concurrently for one
 * subscription; different subscriptions may be called in parallel). A listener that throws is logged and counted,
 * and the message counts as delivered: the subscription goes on.
 *
 * <pre>{@code
 * Subscription sub = pool.subscribe("prices.EURUSD", m -> book.apply(m.position(), m.payload()));
 * }</pre>
 */
@FunctionalInterface
public interface SubscriptionListener {

    /**
     * The next message of the channel: its position is greater than every position delivered before.
     *
     * @param message the message
     */
    void onMessage(ChannelMessage message);

    /**
     * The server could not replay some messages after a reconnect (its history no longer holds them): positions
     * {@code from} to {@code to}, both included, will never be delivered. Called before the first message after the
     * hole. The default does nothing; override it to resynchronise (reload a snapshot, say).
     *
     * @param channel the channel
     * @param from    the first missing position
     * @param to      the last missing position ({@code >= from})
     */
    default void onGap(String channel, long from, long to) {
    }

    /**
     * The subscription ended without the application closing it: the server refused it (an error reply to the
     * subscribe), or the pool closed. The default does nothing; the subscription's state is then
     * {@link SubscriptionState#CLOSED}.
     *
     * @param channel the channel
     * @param cause   why: a {@link SubscriptionRefusedException} or a {@link PoolClosedException}
     */
    default void onClosed(String channel, PoolException cause) {
    }
}

package io.github.wspool.core.internal.messaging;

import io.github.wspool.MessageHandler;

/**
 * One holder of a channel as the messaging layer sees it (a lease): it may attach a message handler and own pending
 * requests, both of which end when it is released.
 */
public interface Holder {

    /**
     * The channel held.
     *
     * @return the channel
     */
    Channel channel();

    /**
     * The handler this holder attached.
     *
     * @return the handler, or {@code null}
     */
    MessageHandler messageHandler();

    /**
     * Whether a handler is attached. The release path asks this, not {@link #messageHandler()}: a call whose
     * signature names {@code MessageHandler} is not inlined while that interface is unloaded (no handler was ever
     * set), and the lease would then escape and be allocated on every acquire.
     *
     * @return {@code true} if a handler is attached
     */
    boolean hasMessageHandler();

    /**
     * Sets the handler; called by {@link Messaging} only.
     *
     * @param handler the handler, or {@code null} to detach
     */
    void messageHandler(MessageHandler handler);

    /**
     * Whether the holder let go of the channel.
     *
     * @return {@code true} once released
     */
    boolean isReleased();
}

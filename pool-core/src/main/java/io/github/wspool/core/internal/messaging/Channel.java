package io.github.wspool.core.internal.messaging;

import io.github.wspool.Endpoint;
import io.github.wspool.core.spi.TransportConnection;

/**
 * One connection as the messaging layer sees it: where its frames go and whether it is still open. The engine's
 * connections implement it; messaging knows nothing of leases, lifecycles or endpoints' health.
 */
public interface Channel {

    /**
     * A short id, unique within the pool, for messages and events.
     *
     * @return the id
     */
    String id();

    /**
     * The endpoint this channel is open to.
     *
     * @return the endpoint
     */
    Endpoint endpoint();

    /**
     * The open transport connection.
     *
     * @return the connection, or {@code null} before the opening handshake completed
     */
    TransportConnection transport();

    /**
     * Whether the transport reported the connection finished: nothing more comes from it and nothing more can go.
     *
     * @return {@code true} once finished
     */
    boolean finished();

    /**
     * Open and not on its way out: a producer may wait for room in its inbound queue.
     *
     * @return {@code true} while live
     */
    boolean isLive();

    /**
     * This channel's messaging state: its send lock and buffer estimate, pending requests, handlers and inbound
     * queue. Created with the channel, owned by {@link Messaging}.
     *
     * @return the state
     */
    ChannelState messaging();

    /**
     * The message counters of this channel's endpoint (shared by every channel to it).
     *
     * @return the counters
     */
    Traffic traffic();
}

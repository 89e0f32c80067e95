package io.github.wspool.event;

import io.github.wspool.Endpoint;

/**
 * A send was refused because the connection's outgoing buffer was full
 * ({@link io.github.wspool.SendBufferFullException}).
 *
 * @param pool          the pool's name
 * @param connectionId  the connection
 * @param endpoint      its endpoint
 * @param messageBytes  the refused message's size on the wire
 * @param bufferedBytes bytes queued at the time
 * @param limit         the buffer limit
 */
public record SendRejectedEvent(String pool, String connectionId, Endpoint endpoint, long messageBytes,
                                long bufferedBytes, long limit) {
}

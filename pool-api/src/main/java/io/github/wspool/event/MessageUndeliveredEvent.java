package io.github.wspool.event;

import io.github.wspool.Endpoint;
import io.github.wspool.MessageNotSentException;

/**
 * Outgoing messages the pool had accepted were not written to the socket: frames still queued when the connection
 * ended (the server closed it, the close timeout passed, the connection was aborted), and every failed
 * {@code sendAsync}. One event may cover several messages of one connection.
 *
 * @param pool         the pool's name
 * @param connectionId the connection
 * @param endpoint     its endpoint
 * @param reason       why they were not written
 * @param messages     how many messages
 * @param bytes        their bytes on the wire not written (frame headers included)
 */
public record MessageUndeliveredEvent(String pool, String connectionId, Endpoint endpoint,
                                      MessageNotSentException.Reason reason, int messages, long bytes) {
}

package io.github.wspool.event;

import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;

/**
 * A connection moved from one lifecycle state to another.
 *
 * @param pool         the pool's name
 * @param connectionId the connection's id
 * @param endpoint     the connection's endpoint
 * @param from         the state before
 * @param to           the state after
 */
public record ConnectionStateChange(String pool, String connectionId, Endpoint endpoint,
                                    ConnectionState from, ConnectionState to) {
}

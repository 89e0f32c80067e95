package io.github.wspool.event;

import io.github.wspool.Endpoint;

/**
 * A connection is being recycled.
 *
 * @param pool         the pool's name
 * @param connectionId the connection's id
 * @param endpoint     its endpoint
 * @param reason       why
 */
public record RecycleEvent(String pool, String connectionId, Endpoint endpoint, RecycleReason reason) {
}

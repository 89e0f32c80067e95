package io.github.wspool.event;

import io.github.wspool.Endpoint;

/**
 * An endpoint was added to or removed from a pool (removal: once its drain is over and its last connection closed).
 *
 * @param pool     the pool's name
 * @param endpoint the endpoint
 */
public record EndpointEvent(String pool, Endpoint endpoint) {
}

package io.github.wspool.event;

import io.github.wspool.Endpoint;

/**
 * An endpoint became unhealthy (no leases, no connections but probes) or healthy again.
 *
 * @param pool     the pool's name
 * @param endpoint the endpoint
 * @param healthy  its new health
 * @param cause    what made it unhealthy (its last failure), or {@code null} when it became healthy
 */
public record EndpointHealthEvent(String pool, Endpoint endpoint, boolean healthy, Throwable cause) {
}

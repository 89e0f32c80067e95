package io.github.wspool.event;

import io.github.wspool.Endpoint;
import java.time.Duration;

/**
 * A lease was given back.
 *
 * @param pool         the pool's name
 * @param connectionId the connection's id
 * @param endpoint     its endpoint
 * @param held         how long the lease was held
 */
public record ReleaseEvent(String pool, String connectionId, Endpoint endpoint, Duration held) {
}

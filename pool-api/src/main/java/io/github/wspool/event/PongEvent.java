package io.github.wspool.event;

import io.github.wspool.Endpoint;
import java.time.Duration;

/**
 * A keepalive pong arrived.
 *
 * @param pool         the pool's name
 * @param connectionId the connection's id
 * @param endpoint     its endpoint
 * @param roundTrip    time from the ping to its pong
 */
public record PongEvent(String pool, String connectionId, Endpoint endpoint, Duration roundTrip) {
}

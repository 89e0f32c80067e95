package io.github.wspool.event;

import io.github.wspool.Endpoint;
import java.time.Duration;

/**
 * A caller got a lease.
 *
 * @param pool         the pool's name
 * @param connectionId the leased connection's id
 * @param endpoint     its endpoint
 * @param waited       how long the caller waited
 */
public record AcquireEvent(String pool, String connectionId, Endpoint endpoint, Duration waited) {
}

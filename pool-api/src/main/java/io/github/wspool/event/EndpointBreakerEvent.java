package io.github.wspool.event;

import io.github.wspool.Endpoint;

/**
 * An endpoint's circuit breaker changed state.
 *
 * @param pool     the pool's name
 * @param endpoint the endpoint
 * @param from     the state before, lower-case ({@code closed}, {@code open}, {@code half_open}, …)
 * @param to       the state after
 */
public record EndpointBreakerEvent(String pool, Endpoint endpoint, String from, String to) {
}

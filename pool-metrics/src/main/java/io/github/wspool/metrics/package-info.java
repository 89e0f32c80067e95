/**
 * Binds a {@link io.github.wspool.WebSocketPool} to a Micrometer {@code MeterRegistry}:
 * {@code new WebSocketPoolMetrics(pool).bindTo(registry)}.
 */
package io.github.wspool.metrics;

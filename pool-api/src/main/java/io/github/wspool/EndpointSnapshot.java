package io.github.wspool;

import java.net.URI;
import java.time.Duration;

/**
 * An immutable snapshot of one endpoint: its identity (an {@link Endpoint}) with its health, connections, leases,
 * latency and breaker state at the moment it was taken.
 *
 * <p>{@link PoolStats#endpoints()} and {@link PoolControl#endpoints()} return these. Unlike the live
 * {@link EndpointView} a {@link LoadBalancingStrategy} sees, a snapshot never changes after it is taken: read it,
 * log it, keep it.
 *
 * @param uri         the endpoint's URI as configured (print it with {@link Endpoint#describe(URI)})
 * @param weight      its weight
 * @param healthy     whether it takes leases
 * @param open        connections holding a slot (opening, open or closing)
 * @param active      leases held
 * @param available   connections available without waiting
 * @param lastFailure its last connect failure while it is failing, else {@code null}
 * @param latency     its round-trip estimate, {@link Duration#ZERO} before the first sample
 * @param breakerState its circuit breaker's state, lower-case ({@code closed}, {@code open}, {@code half_open}, …)
 */
public record EndpointSnapshot(URI uri, int weight, boolean healthy, int open, int active, int available,
                               Throwable lastFailure, Duration latency, String breakerState) implements Endpoint {

    /** Reads like {@code ws://127.0.0.1:8080/feed healthy open=2 active=1 available=1 latency=0.4ms}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(Endpoint.describe(uri));
        if (weight != 1) {
            sb.append(" weight=").append(weight);
        }
        sb.append(healthy ? " healthy" : " UNHEALTHY");
        if (!"closed".equals(breakerState)) {
            sb.append(" breaker=").append(breakerState);
        }
        sb
                .append(" open=").append(open)
                .append(" active=").append(active)
                .append(" available=").append(available);
        if (!latency.isZero()) {
            sb.append(" latency=").append(String.format(java.util.Locale.ROOT, "%.1fms", latency.toNanos() / 1e6));
        }
        if (lastFailure != null) {
            sb.append(" lastFailure=\"").append(lastFailure.getMessage()).append('"');
        }
        return sb.toString();
    }
}

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
 * @param messagesIn  messages received from the endpoint since it was added (data messages handed to the pool's
 *                    messaging: replies, handled and unhandled messages; not the connection initializer's or the
 *                    health probe's)
 * @param messagesOut messages the pool accepted for sending to it since it was added ({@code send},
 *                    {@code sendAsync}, {@code request}); those then not written also count in
 *                    {@code wspool.messages.undelivered}
 * @param bytesIn     payload bytes of {@code messagesIn} (UTF-8 for text; frame headers not counted)
 * @param bytesOut    payload bytes of {@code messagesOut} (likewise)
 */
public record EndpointSnapshot(URI uri, int weight, boolean healthy, int open, int active, int available,
                               Throwable lastFailure, Duration latency, String breakerState,
                               long messagesIn, long messagesOut, long bytesIn, long bytesOut) implements Endpoint {

    /**
     * A snapshot without traffic figures (all zero).
     *
     * @param uri          the endpoint's URI
     * @param weight       its weight
     * @param healthy      whether it takes leases
     * @param open         connections holding a slot
     * @param active       leases held
     * @param available    connections available without waiting
     * @param lastFailure  its last connect failure while it is failing, else {@code null}
     * @param latency      its round-trip estimate
     * @param breakerState its circuit breaker's state, lower-case
     */
    public EndpointSnapshot(URI uri, int weight, boolean healthy, int open, int active, int available,
                            Throwable lastFailure, Duration latency, String breakerState) {
        this(uri, weight, healthy, open, active, available, lastFailure, latency, breakerState, 0, 0, 0, 0);
    }

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

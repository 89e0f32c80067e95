package io.github.wspool;

import java.net.URI;

/**
 * A read-only, live view of one endpoint, as a {@link LoadBalancingStrategy} sees it.
 *
 * <p>Values are read without locks while the pool runs, so two reads may disagree slightly; strategies must treat
 * them as estimates.
 */
public interface EndpointView {

    /**
     * The endpoint.
     *
     * @return the endpoint
     */
    Endpoint endpoint();

    /**
     * Shortcut for {@code endpoint().uri()}.
     *
     * @return the URI
     */
    default URI uri() {
        return endpoint().uri();
    }

    /**
     * Shortcut for {@code endpoint().weight()}; may change at runtime.
     *
     * @return the weight, at least 1
     */
    default int weight() {
        return endpoint().weight();
    }

    /**
     * Whether the pool currently considers the endpoint healthy.
     *
     * @return {@code true} if healthy
     */
    boolean healthy();

    /**
     * Connections to this endpoint that hold a slot (open or opening).
     *
     * @return the count
     */
    int openConnections();

    /**
     * Leases currently held on this endpoint's connections.
     *
     * @return the count
     */
    int activeLeases();

    /**
     * Connections to this endpoint available without waiting.
     *
     * @return the count
     */
    int availableConnections();

    /**
     * The state of the endpoint's circuit breaker, lower-case ({@code closed}, {@code open}, {@code half_open}, …);
     * {@code closed} for views without one.
     *
     * @return the breaker state name
     */
    default String breakerState() {
        return "closed";
    }

    /**
     * An estimate of the round-trip time to this endpoint in nanoseconds, or 0 when nothing was measured yet.
     *
     * @return the latency estimate
     */
    long latencyNanos();
}

package io.github.wspool;

/**
 * A read-only, live view of one endpoint, as a {@link LoadBalancingStrategy} sees it: the endpoint itself
 * ({@link #uri()}, {@link #weight()}) with its current health, connections, leases and latency.
 *
 * <p>Values are read without locks while the pool runs, so two reads may disagree slightly; strategies must treat
 * them as estimates. The view is the endpoint object: the same endpoint is the same view for as long as it is in the
 * pool, so a strategy may key per-endpoint state on it. Code outside a strategy reads immutable
 * {@link EndpointSnapshot}s instead ({@link PoolControl#endpoints()}, {@link PoolStats#endpoints()}).
 */
public interface EndpointView extends Endpoint {

    /**
     * {@inheritDoc}
     *
     * <p>May change at runtime ({@link PoolControl#updateWeight}); a strategy reads it on every pick.
     *
     * @return the weight, at least 1
     */
    @Override
    int weight();

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

    /**
     * Connections to this endpoint's server across the whole fleet: every instance of the application that shares
     * its state (fleet mode, {@code RedisFleet}), this pool's own {@link #openConnections()} included. The other
     * instances' part is as fresh as the fleet's last exchange (about a second); this pool's part is live. Without
     * fleet mode it is {@link #openConnections()}.
     *
     * @return the count, at least {@link #openConnections()}
     */
    default int fleetConnections() {
        return openConnections();
    }
}

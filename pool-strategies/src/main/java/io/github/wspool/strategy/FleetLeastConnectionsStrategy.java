package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * The endpoint whose server has the fewest connections per unit of weight across the whole fleet
 * ({@link EndpointView#fleetConnections()}: every instance sharing fleet state, this pool's own connections live), for
 * leases and for where new connections open alike. Ties are broken by rotation, so equal servers fill evenly. Without
 * fleet mode, {@code fleetConnections()} is the pool's own open connections and this is a local least-connections by
 * open connections.
 *
 * <p>One pass over the candidates, no allocation, no I/O (the engine puts the fleet's counts in the view).
 */
final class FleetLeastConnectionsStrategy implements LoadBalancingStrategy {

    private static final ToIntFunction<EndpointView> LOAD = EndpointView::fleetConnections;

    private final AtomicLong tieBreaker;

    FleetLeastConnectionsStrategy(long start) {
        this.tieBreaker = new AtomicLong(start);
    }

    @Override
    public EndpointView select(List<? extends EndpointView> candidates) {
        return Loads.leastPerWeight(candidates, LOAD, tieBreaker);
    }

    /** New connections go where the fleet has fewest: the point of this strategy. */
    @Override
    public EndpointView place(List<? extends EndpointView> candidates) {
        return select(candidates);
    }

    @Override
    public String toString() {
        return "fleetLeastConnections";
    }
}

package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * The endpoint with the fewest active leases per unit of weight. Ties are broken by rotation (a counter picks the
 * n-th of the tied endpoints), never "always the first", so equal endpoints fill evenly: 12 sequential leases over
 * three equal endpoints land 4/4/4.
 *
 * <p>One pass over the candidates, no allocation, one atomic increment only when there is a tie.
 */
final class LeastConnectionsStrategy implements LoadBalancingStrategy {

    private static final ToIntFunction<EndpointView> LOAD = EndpointView::activeLeases;

    private final AtomicLong tieBreaker;

    LeastConnectionsStrategy(long start) {
        this.tieBreaker = new AtomicLong(start);
    }

    @Override
    public EndpointView select(List<? extends EndpointView> candidates) {
        return Loads.leastPerWeight(candidates, LOAD, tieBreaker);
    }

    /** New connections are left to the pool's spread by weight; this strategy is for leases. */
    @Override
    public EndpointView place(List<? extends EndpointView> candidates) {
        return null;
    }

    @Override
    public String toString() {
        return "leastConnections";
    }
}

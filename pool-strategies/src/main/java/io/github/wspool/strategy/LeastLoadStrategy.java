package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * The endpoint with the least load per unit of weight, for one measure of load: active leases
 * ({@link Strategies#leastConnections()}) or the fleet's connections to the server
 * ({@link Strategies#fleetLeastConnections()}). Ties are broken by rotation (a counter picks the n-th of the tied
 * endpoints), never "always the first", so equal endpoints fill evenly: 12 sequential leases over three equal endpoints
 * land 4/4/4.
 *
 * <p>One pass over the candidates, no allocation, one atomic increment only when there is a tie. No I/O: the engine
 * puts the fleet's counts in the view.
 */
final class LeastLoadStrategy implements LoadBalancingStrategy {

    private final String name;
    private final ToIntFunction<EndpointView> load;
    private final boolean placesConnections;
    private final AtomicLong tieBreaker;

    /**
     * @param name              for {@link #toString()}
     * @param load              the load of one endpoint
     * @param placesConnections whether new connections go where it picks too ({@link #place}), or are left to the
     *                          pool's spread by weight
     * @param start             the tie breaker's first value (random per instance)
     */
    LeastLoadStrategy(String name, ToIntFunction<EndpointView> load, boolean placesConnections, long start) {
        this.name = name;
        this.load = load;
        this.placesConnections = placesConnections;
        this.tieBreaker = new AtomicLong(start);
    }

    static LeastLoadStrategy leastConnections(long start) {
        return new LeastLoadStrategy("leastConnections", EndpointView::activeLeases, false, start);
    }

    static LeastLoadStrategy fleetLeastConnections(long start) {
        return new LeastLoadStrategy("fleetLeastConnections", EndpointView::fleetConnections, true, start);
    }

    @Override
    public EndpointView select(List<? extends EndpointView> candidates) {
        return Loads.leastPerWeight(candidates, load, tieBreaker);
    }

    /** The fleet's strategy places new connections by the fleet's counts; by leases, the pool's spread does better. */
    @Override
    public EndpointView place(List<? extends EndpointView> candidates) {
        return placesConnections ? select(candidates) : null;
    }

    @Override
    public String toString() {
        return name;
    }
}

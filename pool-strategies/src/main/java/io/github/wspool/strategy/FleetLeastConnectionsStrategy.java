package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

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

    private final AtomicLong tieBreaker;

    FleetLeastConnectionsStrategy(long start) {
        this.tieBreaker = new AtomicLong(start);
    }

    @Override
    public EndpointView select(List<? extends EndpointView> candidates) {
        int size = candidates.size();
        EndpointView best = candidates.get(0);
        int ties = 1;
        for (int i = 1; i < size; i++) {
            EndpointView e = candidates.get(i);
            int cmp = compare(e, best);
            if (cmp < 0) {
                best = e;
                ties = 1;
            } else if (cmp == 0) {
                ties++;
            }
        }
        if (ties == 1) {
            return best;
        }
        int n = (int) Math.floorMod(tieBreaker.getAndIncrement(), (long) ties);
        for (int i = 0; i < size; i++) {
            EndpointView e = candidates.get(i);
            if (compare(e, best) == 0 && n-- == 0) {
                return e;
            }
        }
        return best;
    }

    /** New connections go where the fleet has fewest: the point of this strategy. */
    @Override
    public EndpointView place(List<? extends EndpointView> candidates) {
        return select(candidates);
    }

    /** {@code fleetConnections / weight}, by cross-multiplication. */
    private static int compare(EndpointView a, EndpointView b) {
        return Long.compare((long) a.fleetConnections() * b.weight(), (long) b.fleetConnections() * a.weight());
    }

    @Override
    public String toString() {
        return "fleetLeastConnections";
    }
}

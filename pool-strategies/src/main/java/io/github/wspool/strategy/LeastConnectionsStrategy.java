package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The endpoint with the fewest active leases per unit of weight. Ties are broken by rotation (a counter picks the
 * n-th of the tied endpoints), never "always the first", so equal endpoints fill evenly: 12 sequential leases over
 * three equal endpoints land 4/4/4.
 *
 * <p>One pass over the candidates, no allocation, one atomic increment only when there is a tie.
 */
final class LeastConnectionsStrategy implements LoadBalancingStrategy {

    private final AtomicLong tieBreaker;

    LeastConnectionsStrategy(long start) {
        this.tieBreaker = new AtomicLong(start);
    }

    @Override
    public EndpointView select(List<? extends EndpointView> candidates) {
        int size = candidates.size();
        EndpointView best = candidates.get(0);
        int ties = 1;
        for (int i = 1; i < size; i++) {
            EndpointView e = candidates.get(i);
            int cmp = Loads.compareLeasesPerWeight(e, best);
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
        // Second pass only on a tie: take the n-th endpoint of the minimum, n rotating.
        int n = (int) Math.floorMod(tieBreaker.getAndIncrement(), (long) ties);
        for (int i = 0; i < size; i++) {
            EndpointView e = candidates.get(i);
            if (Loads.compareLeasesPerWeight(e, best) == 0 && n-- == 0) {
                return e;
            }
        }
        return best; // loads changed between the passes: the first minimum is as good an answer
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

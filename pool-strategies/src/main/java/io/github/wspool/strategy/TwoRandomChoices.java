package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The power-of-two-choices skeleton: draw two distinct candidates uniformly at random, keep the cheaper by
 * {@link #compare}, and break a tie at random. O(1) per pick, no allocation, no shared state.
 */
abstract class TwoRandomChoices implements LoadBalancingStrategy {

    /** Negative if {@code a} is the better choice, positive if {@code b} is, zero for a tie. */
    abstract int compare(EndpointView a, EndpointView b);

    @Override
    public final EndpointView select(List<? extends EndpointView> candidates) {
        int size = candidates.size();
        if (size == 1) {
            return candidates.get(0);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int i = random.nextInt(size);
        int j = random.nextInt(size - 1);
        if (j >= i) {
            j++; // distinct from i, uniformly
        }
        EndpointView a = candidates.get(i);
        EndpointView b = candidates.get(j);
        int cmp = compare(a, b);
        if (cmp == 0) {
            return random.nextBoolean() ? a : b;
        }
        return cmp < 0 ? a : b;
    }
    /** New connections are left to the pool's spread by weight; this strategy is for leases. */
    @Override
    public EndpointView place(List<? extends EndpointView> candidates) {
        return null;
    }

}

package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices (Mitzenmacher; Finagle's and HAProxy's {@code random(2)}): two distinct candidates drawn at
 * random, the one with fewer active leases per unit of weight wins, a tie goes to either at random. Scales to large
 * endpoint sets (O(1) per pick) and, unlike a strict minimum, does not herd every caller onto one freshly added or
 * recovered endpoint.
 */
final class PowerOfTwoChoicesStrategy implements LoadBalancingStrategy {

    @Override
    public EndpointView select(List<? extends EndpointView> candidates) {
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
        int cmp = Loads.compareLeasesPerWeight(a, b);
        if (cmp == 0) {
            return random.nextBoolean() ? a : b;
        }
        return cmp < 0 ? a : b;
    }

    @Override
    public String toString() {
        return "powerOfTwoChoices";
    }
}

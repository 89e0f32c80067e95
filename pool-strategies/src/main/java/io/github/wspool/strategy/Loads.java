package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/** Load comparisons shared by the load-aware strategies. */
final class Loads {

    private Loads() {
    }

    /**
     * Compares {@code activeLeases / weight} of two endpoints by cross-multiplication: exact, no division, no
     * rounding, no overflow (int × int fits in a long).
     *
     * @return negative if {@code a} is less loaded than {@code b}, zero if equal, positive if more
     */
    static int compareLeasesPerWeight(EndpointView a, EndpointView b) {
        return Long.compare((long) a.activeLeases() * b.weight(), (long) b.activeLeases() * a.weight());
    }

    /**
     * The candidate with the least {@code load / weight}; among several equal ones the n-th, n rotating with
     * {@code tieBreaker}, so equal endpoints fill evenly, never "always the first". One pass, and a second only on a
     * tie; no allocation.
     *
     * @param candidates the endpoints, not empty
     * @param load       the load of one endpoint
     * @param tieBreaker the rotating counter for ties
     * @return one of the candidates
     */
    static EndpointView leastPerWeight(List<? extends EndpointView> candidates, ToIntFunction<EndpointView> load,
                                       AtomicLong tieBreaker) {
        int size = candidates.size();
        EndpointView best = candidates.get(0);
        int ties = 1;
        for (int i = 1; i < size; i++) {
            EndpointView e = candidates.get(i);
            int cmp = comparePerWeight(e, best, load);
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
            if (comparePerWeight(e, best, load) == 0 && n-- == 0) {
                return e;
            }
        }
        return best; // loads changed between the passes: the first minimum is as good an answer
    }

    /** Compares {@code load / weight} by cross-multiplication. */
    private static int comparePerWeight(EndpointView a, EndpointView b, ToIntFunction<EndpointView> load) {
        return Long.compare((long) load.applyAsInt(a) * b.weight(), (long) load.applyAsInt(b) * a.weight());
    }
}

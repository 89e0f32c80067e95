package io.github.wspool.strategy;

import io.github.wspool.EndpointView;

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
}

package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Round-robin over the candidates: one atomic increment per pick, no allocation, no lock.
 *
 * <p>The counter is a {@code long}: an {@code int} counter wraps after 2^31 picks and, for a candidate count that is
 * not a power of two, the rotation skips or repeats an endpoint at the wrap. A {@code long} does not wrap in any
 * realistic lifetime (2^63 picks), and {@link Math#floorMod(long, int)} keeps the index in range.
 */
final class RoundRobinStrategy implements LoadBalancingStrategy {

    private final AtomicLong next;

    RoundRobinStrategy(long start) {
        this.next = new AtomicLong(start);
    }

    @Override
    public EndpointView select(List<? extends EndpointView> candidates) {
        int size = candidates.size();
        if (size == 1) {
            return candidates.get(0);
        }
        return candidates.get(Math.floorMod(next.getAndIncrement(), size));
    }

    /** New connections are left to the pool's spread by weight; this strategy is for leases. */
    @Override
    public EndpointView place(List<? extends EndpointView> candidates) {
        return null;
    }

    @Override
    public String toString() {
        return "roundRobin";
    }
}

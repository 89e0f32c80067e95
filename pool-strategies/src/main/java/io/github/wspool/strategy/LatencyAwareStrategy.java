package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finagle's peak-EWMA balancer: the cost of an endpoint is its latency estimate times (active leases + 1), divided
 * by its weight; two distinct random candidates are compared and the cheaper wins. The pool keeps the estimate (a
 * peak-sensitive moving average of handshake and ping round-trip times: it jumps up at once on a slow sample and
 * decays back over seconds), so a slow endpoint gets less traffic within seconds.
 *
 * <p>An endpoint with no sample yet costs as much as the cheapest measured one would with the same load, so new
 * endpoints are tried rather than starved or flooded.
 */
final class LatencyAwareStrategy implements LoadBalancingStrategy {

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
            j++;
        }
        EndpointView a = candidates.get(i);
        EndpointView b = candidates.get(j);
        long la = a.latencyNanos();
        long lb = b.latencyNanos();
        if (la <= 0 || lb <= 0) {
            long known = Math.max(la, lb);
            la = la <= 0 ? known : la;
            lb = lb <= 0 ? known : lb;
        }
        // cost = latency * (leases + 1) / weight, compared by cross-multiplication in double (latencies in ns can
        // reach 1e10, leases and weights are ints: the product may pass Long.MAX_VALUE, a double does not overflow)
        double costA = (double) Math.max(la, 1) * (a.activeLeases() + 1) * b.weight();
        double costB = (double) Math.max(lb, 1) * (b.activeLeases() + 1) * a.weight();
        if (costA == costB) {
            return random.nextBoolean() ? a : b;
        }
        return costA < costB ? a : b;
    }

    @Override
    public String toString() {
        return "latencyAware";
    }
}

package io.github.wspool.strategy;

import io.github.wspool.EndpointView;

/**
 * Finagle's peak-EWMA balancer: the cost of an endpoint is its latency estimate times (active leases + 1), divided
 * by its weight; two distinct random candidates are compared and the cheaper wins. The pool keeps the estimate (a
 * peak-sensitive moving average of handshake and ping round-trip times: it jumps up at once on a slow sample and
 * decays back over seconds), so a slow endpoint gets less traffic within seconds.
 *
 * <p>An endpoint with no sample yet costs as much as the other candidate's latency would with its own load, so new
 * endpoints are tried rather than starved or flooded.
 */
final class LatencyAwareStrategy extends TwoRandomChoices {

    @Override
    int compare(EndpointView a, EndpointView b) {
        long la = a.latencyNanos();
        long lb = b.latencyNanos();
        if (la <= 0 || lb <= 0) {
            long known = Math.max(la, lb);
            la = la <= 0 ? known : la;
            lb = lb <= 0 ? known : lb;
        }
        // cost = latency * (leases + 1) / weight, compared by cross-multiplication in double: latencies in ns times
        // leases times weights may pass Long.MAX_VALUE, a double does not overflow
        double costA = (double) Math.max(la, 1) * (a.activeLeases() + 1) * b.weight();
        double costB = (double) Math.max(lb, 1) * (b.activeLeases() + 1) * a.weight();
        return Double.compare(costA, costB);
    }

    @Override
    public String toString() {
        return "latencyAware";
    }
}

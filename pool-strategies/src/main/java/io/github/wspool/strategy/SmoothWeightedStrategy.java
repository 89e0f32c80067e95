package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Smooth weighted round-robin, nginx's algorithm: every pick adds each candidate's weight to its running score,
 * picks the highest score, and subtracts the sum of weights from the winner. Weights 5, 1, 1 give
 * {@code a a b a c a a} — interleaved, never a burst like {@code a a a a a b c}.
 *
 * <p>Weights are read on every pick, so a weight changed at runtime takes effect at once. Scores live per endpoint
 * (keyed by the view's identity: a pool's view of an endpoint is the endpoint object itself) under a small lock
 * held only for the arithmetic; the lock never calls out. Scores of endpoints that stop appearing among the
 * candidates are forgotten once the table grows past twice the candidate count.
 */
final class SmoothWeightedStrategy implements LoadBalancingStrategy {

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<EndpointView, long[]> scores = new IdentityHashMap<>(); // guarded by lock

    @Override
    public EndpointView select(List<? extends EndpointView> candidates) {
        int size = candidates.size();
        if (size == 1) {
            return candidates.get(0);
        }
        lock.lock();
        try {
            if (scores.size() > 2 * size + 8) {
                forgetAbsent(candidates);
            }
            long total = 0;
            EndpointView best = null;
            long[] bestScore = null;
            for (int i = 0; i < size; i++) {
                EndpointView e = candidates.get(i);
                long[] score = scores.computeIfAbsent(e, k -> new long[1]);
                int w = e.weight();
                score[0] += w;
                total += w;
                if (best == null || score[0] > bestScore[0]) {
                    best = e;
                    bestScore = score;
                }
            }
            bestScore[0] -= total;
            return best;
        } finally {
            lock.unlock();
        }
    }

    private void forgetAbsent(List<? extends EndpointView> candidates) {
        Map<EndpointView, long[]> keep = new IdentityHashMap<>();
        for (EndpointView e : candidates) {
            long[] s = scores.get(e);
            if (s != null) {
                keep.put(e, s);
            }
        }
        scores.clear();
        scores.putAll(keep);
    }

    /** New connections are left to the pool's spread by weight; this strategy is for leases. */
    @Override
    public EndpointView place(List<? extends EndpointView> candidates) {
        return null;
    }

    @Override
    public String toString() {
        return "weighted";
    }
}

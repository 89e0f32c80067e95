package io.github.wspool.core.internal.connection;

/**
 * A peak-sensitive exponentially weighted moving average of round-trip times (Finagle's PeakEwma): a sample above
 * the estimate replaces it at once; a sample below pulls it down with weight {@code 1 - e^(-Δt/τ)}, so the estimate
 * falls back over about τ after a slow spell. Not thread-safe: the owning {@link EndpointState} guards it.
 */
final class PeakEwma {

    private final double tauNanos;
    private double estimate;
    private long stampedAt;
    private boolean sampled;

    PeakEwma(long tauNanos) {
        this.tauNanos = tauNanos;
    }

    /** Folds in one round-trip time taken at {@code now}; returns the new estimate. */
    long sample(long rttNanos, long now) {
        double rtt = Math.max(0, rttNanos);
        if (!sampled) {
            estimate = rtt;
            sampled = true;
        } else if (rtt > estimate) {
            estimate = rtt;
        } else {
            double elapsed = Math.max(0, now - stampedAt);
            double keep = Math.exp(-elapsed / tauNanos);
            estimate = estimate * keep + rtt * (1 - keep);
        }
        stampedAt = now;
        return (long) estimate;
    }
}

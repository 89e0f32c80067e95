package io.github.wspool.core.internal.endpoint;

import io.github.wspool.LoadBalancingStrategy;
import java.time.Duration;
import java.util.Objects;

/**
 * How a pool chooses endpoints: the builder's {@code strategy}, {@code panicMode} and {@code affinity} bounds.
 *
 * @param strategy                  picks the endpoint of each acquire
 * @param panicMode                 with no healthy endpoint, try them all instead of failing at once
 * @param affinityMaxKeys           affinity keys kept at most
 * @param affinityExpireAfterAccess an affinity key unused this long is forgotten
 */
public record RoutingSettings(LoadBalancingStrategy strategy, boolean panicMode, int affinityMaxKeys,
                              Duration affinityExpireAfterAccess) {

    /** Checks the required parts. */
    public RoutingSettings {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(affinityExpireAfterAccess, "affinityExpireAfterAccess");
    }
}

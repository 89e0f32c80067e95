package io.github.wspool.core.internal.fleet;

import io.github.wspool.EndpointResolver;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the pool's endpoints come from besides the builder, and the fleet it joins.
 *
 * @param resolver                     endpoints discovered while the pool runs, or {@code null}
 * @param backend                      the fleet to join, or {@code null}
 * @param maxFleetConnectionsPerServer connections to one server across the fleet at most
 *                                     ({@link io.github.wspool.core.internal.connection.FleetShare#UNCAPPED}: none)
 * @param resolverDrainTimeout         how long the leased connections of an endpoint the resolver dropped may take to
 *                                     come back
 */
public record FleetSettings(EndpointResolver resolver, FleetBackend backend, int maxFleetConnectionsPerServer,
                            Duration resolverDrainTimeout) {

    /** No resolver, no fleet. */
    public static final FleetSettings NONE = new FleetSettings(null, null,
            io.github.wspool.core.internal.connection.FleetShare.UNCAPPED, Duration.ofSeconds(30));

    /** Checks the required parts. */
    public FleetSettings {
        Objects.requireNonNull(resolverDrainTimeout, "resolverDrainTimeout");
    }
}

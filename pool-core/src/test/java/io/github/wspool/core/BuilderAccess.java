package io.github.wspool.core;

import io.github.wspool.core.internal.PoolSettings;

/** Lets engine tests turn a builder into the settings it would build, to start the engine with a manual scheduler. */
public final class BuilderAccess {

    private BuilderAccess() {
    }

    @SuppressWarnings("exports") // test-only bridge into the engine package
    public static PoolSettings config(WebSocketPoolBuilder builder) {
        return builder.settings();
    }

    /** Makes the builder's pool join {@code backend} (fleet mode's internal hook; the public form takes RedisFleet). */
    @SuppressWarnings("exports")
    public static WebSocketPoolBuilder fleetBackend(WebSocketPoolBuilder builder,
                                                    io.github.wspool.core.internal.fleet.FleetBackend backend) {
        return builder.fleetBackend(backend);
    }
}

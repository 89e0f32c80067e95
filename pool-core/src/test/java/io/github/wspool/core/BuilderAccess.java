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
}

package io.github.wspool.core;

import io.github.wspool.core.internal.PoolConfig;

/** Lets engine tests turn a builder into the config it would build, to start the engine with a manual scheduler. */
public final class BuilderAccess {

    private BuilderAccess() {
    }

    @SuppressWarnings("exports") // test-only bridge into the engine package
    public static PoolConfig config(WebSocketPoolBuilder builder) {
        return builder.config();
    }
}

package io.github.wspool;

import java.net.URI;
import java.util.Objects;

/**
 * One connection of a pool at the moment it was read ({@link PoolControl#connections()}): for an operator's view.
 *
 * @param id       the connection's id (as {@link PooledConnection#id()} and the events give it)
 * @param endpoint its endpoint's URI, as configured
 * @param state    its lifecycle state
 * @param leases   the leases holding it (0 or 1, more with {@code maxLeasesPerConnection > 1})
 */
public record ConnectionSnapshot(String id, URI endpoint, ConnectionState state, int leases) {

    /** Checks the parts. */
    public ConnectionSnapshot {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(state, "state");
    }
}

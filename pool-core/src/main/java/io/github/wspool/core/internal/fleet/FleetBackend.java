package io.github.wspool.core.internal.fleet;

/**
 * A fleet a pool can join: fleet mode's shared state ({@code io.github.wspool.core.fleet.RedisFleet}). Internal: the
 * builder's {@code fleet(RedisFleet)} takes the public type.
 */
public interface FleetBackend {

    /**
     * Makes the pool one instance of the fleet, until the returned handle is closed (the pool closes it when it
     * closes). Must not block on the fleet's store: a store that is down makes the instance start in degraded mode.
     *
     * @param link the pool's side
     * @return leaves the fleet; closing twice is harmless
     */
    AutoCloseable join(FleetLink link);
}

package io.github.wspool.core.fleet;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The fleet as Redis shows it: every live instance (a pool that joined the fleet, in any process) with what it
 * published at its last exchange, and the connections per server summed over them. Read by {@link RedisFleet#stats()}
 * from any instance, including a fleet that only registers servers.
 *
 * @param degraded             {@code true} if Redis could not be read (everything else is then empty)
 * @param instances            the live instances, by id
 * @param connectionsPerServer open connections per server across the fleet: a registered server by its id, an endpoint
 *                             that is not registered by its URI
 * @param totalConnections     open connections across the fleet
 * @param activeConnections    leased connections across the fleet
 */
public record FleetStats(boolean degraded, List<Instance> instances, Map<String, Integer> connectionsPerServer,
                         int totalConnections, int activeConnections) {

    /** Copies the collections. */
    public FleetStats {
        instances = List.copyOf(instances);
        connectionsPerServer = Map.copyOf(connectionsPerServer);
    }

    /**
     * How many instances are live (published within their record TTL).
     *
     * @return the count
     */
    public int liveInstances() {
        return instances.size();
    }

    /**
     * One live instance.
     *
     * @param id                   its instance id ({@code host-pid-pool-random})
     * @param pool                 its pool's name
     * @param host                 the host it runs on
     * @param connections          its open connections
     * @param active               its leased connections
     * @param connectionsPerServer its connections per server (same keys as the fleet's)
     * @param updatedAtMillis      when it last published (epoch milliseconds)
     */
    public record Instance(String id, String pool, String host, int connections, int active,
                           Map<String, Integer> connectionsPerServer, long updatedAtMillis) {

        /** Checks and copies. */
        public Instance {
            Objects.requireNonNull(id, "id");
            connectionsPerServer = Map.copyOf(connectionsPerServer);
        }
    }
}

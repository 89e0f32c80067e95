package io.github.wspool.core.internal.connection;

/**
 * An endpoint's caps.
 *
 * @param maxConnections         connections holding a slot at once
 * @param maxConcurrentConnects  connect attempts in flight at once
 * @param maxLeasesPerConnection leases sharing one connection (1 = exclusive)
 * @param maxFleetConnections    connections to the server across the fleet ({@link FleetShare#UNCAPPED}: none)
 */
public record EndpointCaps(int maxConnections, int maxConcurrentConnects, int maxLeasesPerConnection,
                           int maxFleetConnections) {

    /**
     * Caps without a fleet-wide cap.
     *
     * @param maxConnections         slots
     * @param maxConcurrentConnects  connect attempts in flight at once
     * @param maxLeasesPerConnection leases sharing one connection (1 = exclusive)
     */
    public EndpointCaps(int maxConnections, int maxConcurrentConnects, int maxLeasesPerConnection) {
        this(maxConnections, maxConcurrentConnects, maxLeasesPerConnection, FleetShare.UNCAPPED);
    }
}

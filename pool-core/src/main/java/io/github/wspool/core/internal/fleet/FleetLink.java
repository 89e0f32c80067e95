package io.github.wspool.core.internal.fleet;

import io.github.wspool.ConnectionSnapshot;
import io.github.wspool.EndpointSnapshot;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a pool offers the fleet it joins ({@link FleetBackend#join}): its state to publish, and the places where the
 * fleet's picture goes back into the pool. Implemented by the engine ({@link PoolFleetLink}). Every method is cheap
 * and never blocks; the fleet calls them from its own threads, on its own schedule (never on an acquire's path).
 */
public interface FleetLink {

    /**
     * The pool's name.
     *
     * @return the name
     */
    String poolName();

    /**
     * This pool's connections now.
     *
     * @return one snapshot per connection
     */
    List<ConnectionSnapshot> connections();

    /**
     * This pool's endpoints now, with what it sees of their health (healthy, breaker state, last failure).
     *
     * @return one snapshot per endpoint
     */
    List<EndpointSnapshot> endpoints();

    /**
     * The pool's keepalive probe interval: the fleet shares health about this often, so that the fleet fails over in
     * about one probe interval.
     *
     * @return the interval; zero if probes are off
     */
    Duration probeInterval();

    /**
     * Sets how many connections other instances hold per endpoint (an endpoint not in the map: none). Replaces the
     * previous counts; read by the strategies through {@code EndpointView.fleetConnections()} and by the fleet-wide
     * cap.
     *
     * @param countsByEndpoint other instances' connections per endpoint URI
     */
    void othersConnections(Map<URI, Integer> countsByEndpoint);

    /**
     * Sets the endpoints a quorum of other instances saw fail recently; the pool passes them over while another
     * endpoint can serve. Replaces the previous set.
     *
     * @param endpoints the suspected endpoints' URIs
     */
    void suspects(Set<URI> endpoints);

    /**
     * Enters or leaves degraded mode: the fleet's shared state is unreachable and the pool runs on its own state.
     * Shown in {@code PoolControl.health()} as a reason while set.
     *
     * @param reason why (for the health reason), or {@code null} when the fleet is reachable again
     */
    void degraded(String reason);
}

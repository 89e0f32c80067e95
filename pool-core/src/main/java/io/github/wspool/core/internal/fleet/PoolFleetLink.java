package io.github.wspool.core.internal.fleet;

import io.github.wspool.ConnectionSnapshot;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PoolControl;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The engine's side of a fleet membership: snapshots out, the fleet's counts, suspicions and reachability in. The
 * counts and suspicions land in each endpoint's {@link io.github.wspool.core.internal.connection.FleetShare}; an
 * endpoint the fleet does not mention gets zero and no suspicion.
 */
public final class PoolFleetLink implements FleetLink {

    private final String pool;
    private final EndpointRegistry endpoints;
    private volatile PoolControl control;
    private final Duration probeInterval;
    private volatile String degraded;

    /**
     * @param pool          the pool's name
     * @param endpoints     its endpoints
     * @param control       its operator view (snapshots), or {@code null} until {@link #control(PoolControl)}
     * @param probeInterval its keepalive interval
     */
    public PoolFleetLink(String pool, EndpointRegistry endpoints, PoolControl control, Duration probeInterval) {
        this.pool = pool;
        this.endpoints = endpoints;
        this.control = control;
        this.probeInterval = probeInterval;
    }

    /**
     * Sets the operator view, made after this link (it reports the link's degraded reason).
     *
     * @param view the pool's operator view
     */
    public void control(PoolControl view) {
        this.control = view;
    }

    @Override
    public String poolName() {
        return pool;
    }

    @Override
    public List<ConnectionSnapshot> connections() {
        return control.connections();
    }

    @Override
    public List<EndpointSnapshot> endpoints() {
        return control.endpoints();
    }

    @Override
    public Duration probeInterval() {
        return probeInterval;
    }

    @Override
    public void othersConnections(Map<URI, Integer> countsByEndpoint) {
        for (EndpointState e : endpoints.snapshot().array()) {
            e.fleet().others(countsByEndpoint.getOrDefault(e.uri(), 0));
        }
    }

    @Override
    public void suspects(Set<URI> suspected) {
        for (EndpointState e : endpoints.snapshot().array()) {
            e.fleet().suspect(suspected.contains(e.uri()));
        }
    }

    @Override
    public void degraded(String reason) {
        this.degraded = reason;
    }

    /**
     * Why the pool runs on local state only, for {@code PoolControl.health()}.
     *
     * @return the reason, or {@code null} while the fleet is reachable
     */
    public String degradedReason() {
        return degraded;
    }
}

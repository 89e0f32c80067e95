package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.Endpoint;
import io.github.wspool.PoolControl;
import io.github.wspool.PoolHealth;
import io.github.wspool.SubscriptionState;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connect.ConnectSettings;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.lease.LeaseBroker;
import io.github.wspool.core.internal.session.Subscriptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A pool's {@link PoolControl}: the operator's calls, each going to the component that owns what it changes or
 * reads (the endpoint registry, the lease broker's waiters, the connect settings). One per pool, created with it.
 */
final class PoolControlView implements PoolControl {

    private final String pool;
    private final EndpointRegistry endpoints;
    private final LeaseBroker leases;
    private final ConnectSettings connect;
    private final Subscriptions subscriptions;

    private final Shutdown shutdown;
    private final Ticker ticker;

    PoolControlView(String pool, EndpointRegistry endpoints, LeaseBroker leases, ConnectSettings connect,
                    Subscriptions subscriptions, Shutdown shutdown, Ticker ticker) {
        this.shutdown = shutdown;
        this.ticker = ticker;
        this.pool = pool;
        this.endpoints = endpoints;
        this.leases = leases;
        this.connect = connect;
        this.subscriptions = subscriptions;
    }

    @Override
    public List<EndpointSnapshot> endpoints() {
        return endpoints.stats(leases.pending()).endpoints();
    }

    @Override
    public void addEndpoint(URI uri, int weight) {
        endpoints.add(uri, weight, Map.of());
    }

    @Override
    public void addEndpoint(URI uri, int weight, Map<String, String> headers) {
        endpoints.add(uri, weight, headers);
    }

    @Override
    public CompletableFuture<Void> removeEndpoint(URI uri, Duration drainTimeout) {
        return endpoints.remove(uri, drainTimeout);
    }

    @Override
    public void updateWeight(URI uri, int weight) {
        endpoints.updateWeight(uri, weight);
    }

    @Override
    public int minConnections() {
        return connect.minConnections();
    }

    @Override
    public int maxConnections() {
        return connect.maxConnections();
    }

    @Override
    public int connections(ConnectionState state) {
        return endpoints.connections(state);
    }

    @Override
    public int pendingAcquires() {
        return leases.pending();
    }

    @Override
    public String toString() {
        return "PoolControl[" + pool + "]";
    }

    @Override
    public int subscriptions(SubscriptionState state) {
        return subscriptions.count(java.util.Objects.requireNonNull(state, "state"));
    }

    /** How long an acquire timeout keeps the pool DEGRADED. */
    private static final long TIMEOUT_MEMORY_NANOS = TimeUnit.MINUTES.toNanos(1);

    @Override
    public PoolHealth health() {
        List<String> down = new ArrayList<>(2);
        List<String> degraded = new ArrayList<>(4);
        if (shutdown.begun()) {
            down.add("pool '" + pool + "' is closed");
        }
        List<EndpointSnapshot> all = endpoints();
        int healthy = 0;
        for (EndpointSnapshot e : all) {
            if (e.healthy()) {
                healthy++;
            } else {
                degraded.add("endpoint " + Endpoint.describe(e.uri()) + " is out of rotation (breaker "
                        + e.breakerState() + (e.lastFailure() != null ? ", last failure: " + e.lastFailure() : "")
                        + ")");
            }
        }
        if (healthy == 0) {
            down.add("no healthy endpoint (" + all.size() + " configured)");
        }
        if (connect.pooling()) {
            int open = connections(ConnectionState.READY) + connections(ConnectionState.ACTIVE)
                    + connections(ConnectionState.IDLE);
            if (open < connect.minConnections()) {
                degraded.add("below minConnections: " + open + " of " + connect.minConnections() + " open");
            }
        }
        OptionalLong timeout = leases.lastAcquireTimeout();
        if (timeout.isPresent() && ticker.read() - timeout.getAsLong() < TIMEOUT_MEMORY_NANOS) {
            degraded.add("an acquire timed out in the last minute (" + leases.pending() + " waiting now)");
        }
        int recovering = subscriptions.count(SubscriptionState.RECOVERING);
        if (recovering > 0) {
            degraded.add(recovering + " subscription(s) recovering");
        }
        List<String> reasons = new ArrayList<>(down);
        reasons.addAll(degraded);
        PoolHealth.Status status = !down.isEmpty() ? PoolHealth.Status.DOWN
                : !degraded.isEmpty() ? PoolHealth.Status.DEGRADED : PoolHealth.Status.UP;
        return new PoolHealth(status, reasons);
    }
}

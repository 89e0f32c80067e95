package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PoolControl;
import io.github.wspool.SubscriptionState;
import io.github.wspool.core.internal.connect.ConnectSettings;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.lease.LeaseBroker;
import io.github.wspool.core.internal.session.Subscriptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
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

    PoolControlView(String pool, EndpointRegistry endpoints, LeaseBroker leases, ConnectSettings connect,
                    Subscriptions subscriptions) {
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
}

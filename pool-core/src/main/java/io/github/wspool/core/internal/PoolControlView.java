package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PoolControl;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A pool's {@link PoolControl}: every call goes straight to the pool's own method of the same name; the endpoint
 * snapshots are the ones {@link DefaultWebSocketPool#stats()} takes. One per pool, created with it.
 */
final class PoolControlView implements PoolControl {

    private final DefaultWebSocketPool pool;

    PoolControlView(DefaultWebSocketPool pool) {
        this.pool = pool;
    }

    @Override
    public List<EndpointSnapshot> endpoints() {
        return pool.stats().endpoints();
    }

    @Override
    public void addEndpoint(URI uri, int weight) {
        pool.addEndpoint(uri, weight);
    }

    @Override
    public void addEndpoint(URI uri, int weight, Map<String, String> headers) {
        pool.addEndpoint(uri, weight, headers);
    }

    @Override
    public CompletableFuture<Void> removeEndpoint(URI uri, Duration drainTimeout) {
        return pool.removeEndpoint(uri, drainTimeout);
    }

    @Override
    public void updateWeight(URI uri, int weight) {
        pool.updateWeight(uri, weight);
    }

    @Override
    public int minConnections() {
        return pool.minConnections();
    }

    @Override
    public int maxConnections() {
        return pool.maxConnections();
    }

    @Override
    public int connections(ConnectionState state) {
        return pool.connections(state);
    }

    @Override
    public int pendingAcquires() {
        return pool.pendingAcquires();
    }

    @Override
    public String toString() {
        return "PoolControl[" + pool.name() + "]";
    }
}

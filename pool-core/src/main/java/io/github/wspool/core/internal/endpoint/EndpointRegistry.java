package io.github.wspool.core.internal.endpoint;

import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PoolStats;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.internal.messaging.Traffic;
import io.github.wspool.core.spi.HttpHeaders;
import io.github.wspool.event.RecycleReason;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which endpoints the pool has: the copy-on-write {@link EndpointSet} every acquire reads, and the operator's changes
 * to it: adding an endpoint, changing a weight, and removing one with a drain (no new leases or connections at once,
 * idle connections closed, leased ones closed on release or when the drain timeout passes; the endpoint leaves the
 * set when its last connection is closed). Also the pool's counts by endpoint and state, for stats and gauges.
 */
public final class EndpointRegistry {

    private static final Logger log = LoggerFactory.getLogger(EndpointRegistry.class);

    /** Makes the state of an endpoint: its breaker, backoff, caps and connect options. */
    @FunctionalInterface
    public interface Factory {
        /**
         * A new endpoint's state.
         *
         * @param uri     validated
         * @param weight  at least 1
         * @param headers its own upgrade headers, validated
         * @return the state
         */
        EndpointState create(URI uri, int weight, Map<String, String> headers);

        /**
         * A new endpoint's state, for an endpoint known by another name than its URI's host (DNS discovery).
         *
         * @param uri        validated
         * @param weight     at least 1
         * @param headers    its own upgrade headers, validated
         * @param serverName the server's name for the {@code Host} header and TLS, or {@code null} for the URI's host
         * @return the state
         */
        default EndpointState create(URI uri, int weight, Map<String, String> headers, String serverName) {
            if (serverName != null) {
                throw new UnsupportedOperationException("this factory makes endpoints without a server name");
            }
            return create(uri, weight, headers);
        }
    }

    private final String pool;
    private final EndpointSet endpoints;
    private final Factory factory;
    private final Recycler recycler;
    private final PoolScheduler scheduler;
    private final PoolEvents events;
    private final Affinity affinity;
    private final Shutdown shutdown;
    private final Runnable requestMaintenance;
    /** The resolver endpoints are discovered from, described, or {@code null} without one. */
    private volatile String discoverySource;

    /**
     * @param pool               the pool's name, for logs and messages
     * @param initial            the configured endpoints' states, in order
     * @param factory            makes the state of an endpoint added later
     * @param recycler           closes a removed endpoint's connections
     * @param scheduler          runs the drain timeout
     * @param events             where additions and removals are reported
     * @param affinity           forgets the keys of a removed endpoint
     * @param shutdown           whether the pool is closing
     * @param requestMaintenance asks the housekeeper for a pass soon (a new endpoint gets its share)
     */
    public EndpointRegistry(String pool, List<EndpointState> initial, Factory factory, Recycler recycler,
                            PoolScheduler scheduler, PoolEvents events, Affinity affinity, Shutdown shutdown,
                            Runnable requestMaintenance) {
        this.pool = pool;
        this.endpoints = new EndpointSet(initial);
        this.factory = factory;
        this.recycler = recycler;
        this.scheduler = scheduler;
        this.events = events;
        this.affinity = affinity;
        this.shutdown = shutdown;
        this.requestMaintenance = requestMaintenance;
    }

    /**
     * The current endpoints, taken once per operation.
     *
     * @return the snapshot
     */
    public EndpointSet.Snapshot snapshot() {
        return endpoints.snapshot();
    }

    /**
     * The current endpoints.
     *
     * @return the snapshot's array
     */
    public EndpointState[] array() {
        return endpoints.array();
    }

    /**
     * The set itself, for the acquire fast path to read without going through the registry.
     *
     * @return the endpoint set
     */
    public EndpointSet set() {
        return endpoints;
    }

    /**
     * Names the resolver the pool's endpoints are discovered from (set once while the pool is built).
     *
     * @param source the resolver, as its {@code toString()} describes it
     */
    public void discoveredFrom(String source) {
        this.discoverySource = source;
    }

    /**
     * The resolver the pool's endpoints are discovered from.
     *
     * @return its description, or {@code null} without one
     */
    public String discoverySource() {
        return discoverySource;
    }

    /**
     * Whether the pool has no endpoint at all yet: built with a resolver and no endpoint of its own, before the
     * resolver's first set. Acquires then wait (within their timeout) instead of failing for want of a healthy one.
     *
     * @return {@code true} while the pool waits for its first endpoint
     */
    public boolean awaitingDiscovery() {
        return endpoints.array().length == 0;
    }

    /**
     * The pool's only endpoint.
     *
     * @return it, or {@code null} when the pool has several
     */
    public EndpointState sole() {
        return endpoints.sole();
    }

    // ------------------------------------------------------------------------------------------------ changes

    /**
     * Adds an endpoint at runtime; it can serve at once.
     *
     * @param uri     a {@code ws://} or {@code wss://} URI not already in the pool
     * @param weight  at least 1
     * @param headers its own upgrade headers
     * @throws IllegalArgumentException if the URI, weight or a header is invalid, or the URI is already present
     * @throws PoolClosedException      if the pool is closed
     */
    public void add(URI uri, int weight, Map<String, String> headers) {
        add(uri, weight, headers, null);
    }

    /**
     * Adds an endpoint at runtime, known by another name than its URI's host (DNS discovery); it can serve at once.
     *
     * @param uri        a {@code ws://} or {@code wss://} URI not already in the pool
     * @param weight     at least 1
     * @param headers    its own upgrade headers
     * @param serverName the server's name ({@code Host} header, TLS server name and certificate check), or
     *                   {@code null} for the URI's host
     * @throws IllegalArgumentException if the URI, weight or a header is invalid, or the URI is already present
     * @throws PoolClosedException      if the pool is closed
     */
    public void add(URI uri, int weight, Map<String, String> headers, String serverName) {
        EndpointUris.requireWebSocketUri(uri);
        EndpointUris.requireWeight(uri, weight);
        Objects.requireNonNull(headers, "endpoint headers must not be null (use an empty map)");
        headers.forEach((k, v) -> {
            String problem = HttpHeaders.problem(k, v);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
        });
        if (shutdown.begun()) {
            throw new PoolClosedException(pool);
        }
        EndpointState e = factory.create(uri, weight, headers, serverName);
        if (!endpoints.add(e)) {
            throw new IllegalArgumentException("pool '" + pool + "' already has endpoint '" + Endpoint.describe(uri)
                    + "'");
        }
        log.info("[{}] endpoint {} added", pool, e);
        events.endpointAdded(e);
        requestMaintenance.run();
    }

    /**
     * Changes an endpoint's weight.
     *
     * @param uri    the endpoint's URI, as configured
     * @param weight at least 1
     * @throws IllegalArgumentException if there is no such endpoint or the weight is below 1
     */
    public void updateWeight(URI uri, int weight) {
        EndpointUris.requireWeight(uri, weight);
        existing(uri).weight(weight);
        log.info("[{}] endpoint {} weight set to {}", pool, Endpoint.describe(uri), weight);
    }

    /**
     * Removes an endpoint with a drain.
     *
     * @param uri          the endpoint's URI, as configured
     * @param drainTimeout how long leased connections may take to come back
     * @return completes when the endpoint's last connection is closed and it left the set
     * @throws IllegalArgumentException if there is no such endpoint, it is the last one, or the timeout is negative
     */
    public CompletableFuture<Void> remove(URI uri, Duration drainTimeout) {
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must be zero or positive, but was " + drainTimeout);
        }
        EndpointState e = existing(uri);
        if (!e.isDraining()) {
            int remaining = 0;
            for (EndpointState other : endpoints.array()) {
                if (!other.isDraining()) {
                    remaining++;
                }
            }
            if (remaining <= 1) {
                throw new IllegalArgumentException("cannot remove endpoint '" + Endpoint.describe(uri) + "': it is the"
                        + " last endpoint of pool '" + pool + "' (add another first, or close the pool)");
            }
            e.startDraining();
            log.info("[{}] removing endpoint {}: draining {} connection(s), {} leased, up to {} ms", pool, e,
                    e.slots(), e.activeLeases(), drainTimeout.toMillis());
            for (ManagedConnection c : e.connections()) {
                recycler.recycleIfAvailable(c, RecycleReason.ENDPOINT_REMOVED);
            }
            scheduler.schedule(() -> forceDrain(e), saturatedNanos(drainTimeout));
            finishDrainIfEmpty(e);
        }
        return e.drain().drained().copy();
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** The drain timeout passed: close what is still open on the removed endpoint, leased or not. */
    private void forceDrain(EndpointState e) {
        for (ManagedConnection c : e.connections()) {
            recycler.recycleIfOpen(c, RecycleReason.ENDPOINT_REMOVED);
        }
    }

    /**
     * A connection of {@code e} was closed and its slot freed: a draining endpoint whose last one it was leaves.
     *
     * @param e the endpoint
     */
    public void connectionClosed(EndpointState e) {
        if (e.isDraining()) {
            finishDrainIfEmpty(e);
        }
    }

    private void finishDrainIfEmpty(EndpointState e) {
        if (e.slots() == 0 && e.drain().markRemoved()) {
            endpoints.remove(e);
            affinity.forget(e);
            log.info("[{}] endpoint {} removed", pool, e);
            events.endpointRemoved(e);
            e.drain().drained().complete(null);
        }
    }

    private EndpointState existing(URI uri) {
        Objects.requireNonNull(uri, "uri");
        EndpointState e = endpoints.find(uri);
        if (e == null) {
            throw new IllegalArgumentException("pool '" + pool + "' has no endpoint '" + Endpoint.describe(uri) + "'");
        }
        return e;
    }

    /** The pool closed: removals still in progress are over (everything is closed), affinity is forgotten. */
    public void closed() {
        for (EndpointState e : endpoints.array()) {
            e.drain().drained().complete(null);
        }
        affinity.clear();
    }

    // ------------------------------------------------------------------------------------------------ counts

    /**
     * A snapshot of the connections by state and of each endpoint.
     *
     * @param pending callers waiting
     * @return the stats
     */
    public PoolStats stats(int pending) {
        Map<ConnectionState, Integer> counts = new EnumMap<>(ConnectionState.class);
        List<EndpointSnapshot> perEndpoint = new ArrayList<>();
        for (EndpointState e : endpoints.array()) {
            int available = 0;
            for (ManagedConnection c : e.connections()) {
                ConnectionState s = c.state();
                counts.merge(s, 1, Integer::sum);
                if (s.isAvailable()) {
                    available++;
                }
            }
            Traffic t = e.traffic();
            perEndpoint.add(new EndpointSnapshot(e.uri(), e.weight(), e.healthy(), e.slots(), e.activeLeases(),
                    available, e.lastFailure(), Duration.ofNanos(e.latencyNanos()), e.breakerState(),
                    t.messagesIn(), t.messagesOut(), t.bytesIn(), t.bytesOut()));
        }
        return PoolStats.of(counts, Math.max(0, pending), perEndpoint);
    }

    /**
     * Live count of connections in one state, without locks or allocation.
     *
     * @param state the state
     * @return the count
     */
    public int connections(ConnectionState state) {
        Objects.requireNonNull(state, "state");
        int n = 0;
        for (EndpointState e : endpoints.array()) {
            for (ManagedConnection c : e.connections()) {
                if (c.state() == state) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Leases held over all endpoints.
     *
     * @return the count
     */
    public int activeLeases() {
        int n = 0;
        for (EndpointState e : endpoints.array()) {
            n += e.activeLeases();
        }
        return n;
    }

    /**
     * Runs {@code action} on every connection of every endpoint.
     *
     * @param action the action
     */
    public void forEachConnection(Consumer<ManagedConnection> action) {
        for (EndpointState e : endpoints.array()) {
            for (ManagedConnection c : e.connections()) {
                action.accept(c);
            }
        }
    }
}

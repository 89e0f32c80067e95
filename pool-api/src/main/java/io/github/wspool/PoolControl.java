package io.github.wspool;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The operator's surface of a pool, returned by {@link WebSocketPool#control()}: what dashboards, admin endpoints,
 * metrics binders and runbooks call, as opposed to the {@code acquire} calls an application makes on every request.
 * HikariCP's {@code HikariPoolMXBean} is the model.
 *
 * <p>Reading: {@link #endpoints()} gives immutable per-endpoint snapshots; {@link #connections(ConnectionState)}
 * and {@link #pendingAcquires()} are live counters cheap enough for gauges; {@link #minConnections()} and
 * {@link #maxConnections()} are the configured bounds. Changing: endpoints are added, drained and removed, and
 * re-weighted, while the pool runs. Later versions add resizing, reconfiguration, suspend/resume and soft eviction
 * here.
 *
 * <p>Thread-safe; every call acts on the running pool at once. The object is a view of its pool: it stays valid for
 * the pool's lifetime and may be kept.
 */
public interface PoolControl {

    /**
     * One immutable snapshot per endpoint (health, connections, leases, latency, breaker state), in configuration
     * order. Strategies get live views through {@link LoadBalancingStrategy#select}; everyone else reads these.
     *
     * @return an unmodifiable list of snapshots taken now
     */
    List<EndpointSnapshot> endpoints();

    /**
     * Adds an endpoint at runtime. It can serve at once: with room in the pool, acquires the strategy sends to it
     * open connections there instead of waiting for connections elsewhere to expire.
     *
     * @param uri    a {@code ws://} or {@code wss://} URI not already in the pool
     * @param weight at least 1
     * @throws IllegalArgumentException if the URI is invalid or already present, or the weight is below 1
     * @throws PoolClosedException      if the pool is closed
     */
    void addEndpoint(URI uri, int weight);

    /**
     * Adds an endpoint at runtime with upgrade headers of its own, sent in addition to the pool's (replacing a pool
     * header of the same name). Header values are secrets: they never appear in logs, messages or metrics.
     *
     * @param uri     a {@code ws://} or {@code wss://} URI not already in the pool
     * @param weight  at least 1
     * @param headers header names (HTTP tokens) to values (no CR, LF or NUL); may be empty
     * @throws IllegalArgumentException if the URI is invalid or already present, the weight is below 1, or a header
     *                                  is invalid (the message names the header, never its value)
     * @throws PoolClosedException      if the pool is closed
     */
    void addEndpoint(URI uri, int weight, Map<String, String> headers);

    /**
     * Removes an endpoint with a drain: it gets no new leases or connections at once, its idle connections are
     * closed, leased ones are closed when released or, at the latest, when {@code drainTimeout} has passed.
     *
     * @param uri          the endpoint's URI, as configured
     * @param drainTimeout how long leased connections may take to come back
     * @return completes when the endpoint's last connection is closed and it is gone from {@link #endpoints()}
     * @throws IllegalArgumentException if the pool has no such endpoint, or it is the last one
     */
    CompletableFuture<Void> removeEndpoint(URI uri, Duration drainTimeout);

    /**
     * Changes an endpoint's weight; weight-aware strategies use it from their next pick on.
     *
     * @param uri    the endpoint's URI, as configured
     * @param weight at least 1
     * @throws IllegalArgumentException if the pool has no such endpoint or the weight is below 1
     */
    void updateWeight(URI uri, int weight);

    /**
     * The configured {@code minConnections}.
     *
     * @return the minimum kept open with pooling
     */
    int minConnections();

    /**
     * The configured {@code maxConnections}.
     *
     * @return the cap on open plus connecting connections
     */
    int maxConnections();

    /**
     * Live count of connections in one state, read without locks or allocation (for gauges;
     * {@link WebSocketPool#stats()} gives a consistent-enough snapshot of everything at once).
     *
     * @param state the state
     * @return how many connections are in it now
     */
    int connections(ConnectionState state);

    /**
     * Live number of callers waiting for a connection, read without locks or allocation.
     *
     * @return the waiting callers
     */
    int pendingAcquires();

    /**
     * Live number of the pool's subscriptions in one state, read without locks or allocation (for gauges).
     *
     * @param state the state
     * @return how many subscriptions are in it now ({@link SubscriptionState#CLOSED}: always 0, closed ones are
     *         forgotten)
     */
    int subscriptions(SubscriptionState state);

    /**
     * The pool's health now: DOWN when it is closed or no endpoint is healthy; DEGRADED when an endpoint is out of
     * rotation (its breaker open, its HTTP check failing), fewer than {@code minConnections} are open (pooling), an
     * acquire timed out in the last minute, or a subscription is recovering; else UP. Computed on each call from live
     * state (a few microseconds; no I/O).
     *
     * @return the health, with its reasons
     */
    PoolHealth health();
}

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
 * re-weighted, while the pool runs; sizes, strategy, timeouts and the keepalive interval change with
 * {@link #reconfigure(PoolReconfiguration)}; acquisition is {@linkplain #suspend() suspended} and resumed; and every
 * connection is replaced with {@link #softEvict()}. Each change is reported to
 * {@link PoolListener#onReconfigured} and logged at INFO.
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
     * acquire timed out in the last minute, a subscription is recovering, or acquisition is
     * {@linkplain #suspend() suspended}; else UP. Computed on each call from live
     * state (a few microseconds; no I/O).
     *
     * @return the health, with its reasons
     */
    PoolHealth health();

    /**
     * Changes the running pool's settings: only those the change sets, the rest stay. The change is validated whole
     * against the pool's current settings (for example {@code minConnections <= maxConnections} after it) and
     * applied all or nothing, without dropping a lease:
     * <ul>
     *   <li>{@code maxConnections} up: callers waiting for a connection get new ones at once; down: surplus available
     *       connections are closed at once, leased ones as they are released, until the pool is down to the new
     *       maximum (a lease is never closed under its holder);</li>
     *   <li>{@code minConnections} up: the pool opens connections up to it; down: idle eviction may go lower;</li>
     *   <li>{@code strategy}: from the next pick on;</li>
     *   <li>{@code acquireTimeout}: for acquires started afterwards;</li>
     *   <li>{@code idleTimeout}, {@code maxLifetime}: on the next housekeeping pass (asked for at once); a new
     *       lifetime counts from each connection's opening;</li>
     *   <li>{@code healthCheckInterval}: the keepalive pings' period, from each connection's next ping (sooner when
     *       the interval shrank).</li>
     * </ul>
     * Reports {@link io.github.wspool.event.ReconfigurationEvent} with the old and new values and logs one INFO line.
     * An empty change does nothing.
     *
     * @param change the change
     * @throws IllegalArgumentException if the change is invalid: the message names the setting and the value, and
     *                                  nothing was changed
     * @throws PoolClosedException      if the pool is closed
     */
    void reconfigure(PoolReconfiguration change);

    /**
     * Suspends acquisition (HikariCP's {@code suspendPool}): acquires started from now on wait, however they were
     * called, until {@link #resume()}, or fail with their normal timeout and an {@link AcquireTimeoutException} whose
     * message says the pool is suspended. Everything else goes on: leases are used and released, connections are
     * kept, checked and refilled, callers that were already waiting may still be served. Idempotent.
     *
     * @throws PoolClosedException if the pool is closed
     */
    void suspend();

    /**
     * Resumes acquisition: the callers that waited because of {@link #suspend()} go on at once and get the available
     * connections. Idempotent.
     */
    void resume();

    /**
     * Whether acquisition is suspended.
     *
     * @return {@code true} between {@link #suspend()} and {@link #resume()}
     */
    boolean isSuspended();

    /**
     * Replaces every connection without dropping a lease (HikariCP's {@code softEvictConnections}): available ones
     * are closed now, leased ones when their holder releases them (a subscription's carrier is moved first), and the
     * pool refills to {@code minConnections} with fresh connections. Recycles carry
     * {@link io.github.wspool.event.RecycleReason#SOFT_EVICTED}.
     *
     * @throws PoolClosedException if the pool is closed
     */
    void softEvict();

    /**
     * Retires one connection, as {@link #softEvict()} does for all: closed now if it is available, when its holder
     * releases it if it is leased (the lease is never cut); the pool then refills to its minimum.
     *
     * @param connectionId the connection's id (as {@link PooledConnection#id()} and the events give it)
     * @return {@code false} if no open connection has that id
     */
    boolean recycle(String connectionId);

    /**
     * Every connection of the pool now (opening, open or closing), endpoint by endpoint: a snapshot, read without
     * stopping the pool.
     *
     * @return the connections, immutable
     */
    List<ConnectionSnapshot> connections();
}

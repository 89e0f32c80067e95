package io.github.wspool;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A pool of outbound WebSocket connections over one or more endpoints.
 *
 * <p>Thread-safe. Build one with {@code io.github.wspool.core.WebSocketPools.builder()}, share it, and close it when
 * the application stops. Every {@code acquire} must be paired with {@link PooledConnection#close()}.
 *
 * <p>With {@code pooling(true)} connections are kept open and reused; with {@code pooling(false)} (the default) each
 * acquire opens a fresh connection that is closed on release. Application code is the same in both modes.
 */
public interface WebSocketPool extends AutoCloseable {

    /**
     * The pool's name, used in thread names, log lines, error messages and metric tags.
     *
     * @return the name
     */
    String name();

    /**
     * Leases a connection, waiting up to the configured {@code acquireTimeout}.
     *
     * @return a lease; close it to give the connection back
     * @throws AcquireTimeoutException  if none became available in time
     * @throws AcquireRejectedException if {@code maxPendingAcquires} callers are already waiting
     * @throws PoolClosedException      if the pool is closed
     * @throws PoolException            if the thread was interrupted while waiting (the interrupt flag stays set)
     */
    PooledConnection acquire();

    /**
     * Leases a connection, waiting up to {@code timeout}.
     *
     * @param timeout how long to wait; zero means do not wait for a connection to be released or opened
     * @return a lease; close it to give the connection back
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws AcquireTimeoutException  if none became available in time
     * @throws AcquireRejectedException if {@code maxPendingAcquires} callers are already waiting
     * @throws PoolClosedException      if the pool is closed
     * @throws PoolException            if the thread was interrupted while waiting (the interrupt flag stays set)
     */
    PooledConnection acquire(Duration timeout);

    /**
     * Leases a connection to the endpoint that serves {@code affinityKey} (sticky sessions): the same key gets the
     * same endpoint for as long as that endpoint is healthy, and is re-homed by the strategy when it is not. Waits
     * up to the configured {@code acquireTimeout} for a connection of that endpoint. The key-to-endpoint table is
     * bounded and forgets keys not used for a while (see the builder's {@code affinity} settings).
     *
     * @param affinityKey a session, user or tenant id; not null
     * @return a lease on a connection to the key's endpoint
     * @throws NoHealthyEndpointException if no endpoint is healthy (and panic mode is off)
     * @throws AcquireTimeoutException    if no connection of that endpoint became available in time
     * @throws PoolClosedException        if the pool is closed
     */
    PooledConnection acquire(String affinityKey);

    /**
     * Like {@link #acquire(String)}, with its own timeout.
     *
     * @param affinityKey a session, user or tenant id; not null
     * @param timeout     how long to wait
     * @return a lease on a connection to the key's endpoint
     */
    PooledConnection acquire(String affinityKey, Duration timeout);

    /**
     * Leases a connection without blocking the calling thread, with the configured {@code acquireTimeout}. The
     * future completes exceptionally with the same exceptions {@link #acquire()} throws. Cancelling the future
     * withdraws the request.
     *
     * @return a future lease
     */
    CompletableFuture<PooledConnection> acquireAsync();

    /**
     * Like {@link #acquireAsync()}, with its own timeout.
     *
     * @param timeout how long to wait
     * @return a future lease
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    CompletableFuture<PooledConnection> acquireAsync(Duration timeout);

    /**
     * A snapshot of the pool's connections by state and of the waiting callers.
     *
     * @return the stats
     */
    PoolStats stats();

    /**
     * Live count of connections in one state, read without locks or allocation (for gauges; {@link #stats()} gives a
     * consistent-enough snapshot of everything at once).
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
     * Live, read-only views of the endpoints (health, connections, leases, latency), in configuration order.
     *
     * @return an unmodifiable list of views whose values change as the pool works
     */
    List<EndpointView> endpointViews();

    /**
     * Registers a listener on the running pool; it receives events from now on. Listeners added on the builder see
     * the pool's first connects too.
     *
     * @param listener not null
     */
    void addListener(PoolListener listener);

    /**
     * Unregisters a listener; events already being delivered may still reach it.
     *
     * @param listener a listener added before
     */
    void removeListener(PoolListener listener);

    /**
     * The endpoints this pool connects to, in configuration order.
     *
     * @return an unmodifiable list
     */
    List<Endpoint> endpoints();

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
    void addEndpoint(URI uri, int weight, java.util.Map<String, String> headers);

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
     * Whether {@link #close()} has been called.
     *
     * @return {@code true} once closing has begun
     */
    boolean isClosed();

    /**
     * Closes the pool. New acquires fail at once with {@link PoolClosedException}, and so do callers still waiting;
     * leased connections get {@code shutdownTimeout} to come back; then every connection gets a close frame
     * ({@code 1001 going away}) and its socket is closed, and the pool's threads stop. When this returns no thread,
     * socket or scheduled task of the pool remains. Idempotent.
     */
    @Override
    void close();
}

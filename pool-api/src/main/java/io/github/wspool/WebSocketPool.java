package io.github.wspool;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A pool of outbound WebSocket connections over one or more endpoints.
 *
 * <p>Thread-safe. Build one with {@code io.github.wspool.core.WebSocketPools.builder()}, share it, and close it when
 * the application stops. Every {@code acquire} must be paired with {@link PooledConnection#close()}.
 *
 * <p>With {@code pooling(true)} connections are kept open and reused; with {@code pooling(false)} (the default) each
 * acquire opens a fresh connection that is closed on release. Application code is the same in both modes.
 *
 * <p>This interface is the application's surface: acquiring, stats, listeners, closing. What an operator does
 * (inspect endpoints, add, remove or re-weight them at runtime, read live counters for gauges) is on
 * {@link #control()}.
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
     * Subscribes to a channel and keeps the subscription alive across connections: the pool places it on a
     * connection (all subscriptions without an affinity key share one), sends the protocol's subscribe (the builder's
     * {@code subscriptionProtocol}, by default the JSON one in {@code io.github.wspool.core.SubscriptionProtocols}),
     * and whenever that connection fails, is recycled or its server drains, re-subscribes on another connection from
     * the last position delivered. The listener sees every message once and in position order; positions the server
     * can no longer replay are reported to {@link SubscriptionListener#onGap}. Returns at once, in
     * {@link SubscriptionState#SUBSCRIBING}; the connection is acquired in the background (waiting, if the pool is
     * busy, like any acquire, and retrying with backoff while no endpoint can serve).
     *
     * <p>Without a start position it resumes from the position the builder's {@code sessionStore} remembers for the
     * channel, if any, else from the server's live stream.
     *
     * @param channel  the channel, not blank
     * @param listener receives the messages
     * @return the subscription; close it to unsubscribe
     * @throws IllegalArgumentException if {@code channel} is blank
     * @throws IllegalStateException    if this pool already has an open subscription to {@code channel}
     * @throws PoolClosedException      if the pool is closed
     */
    Subscription subscribe(String channel, SubscriptionListener listener);

    /**
     * Like {@link #subscribe(String, SubscriptionListener)}, with a start position and an affinity key.
     *
     * @param channel  the channel, not blank
     * @param options  where to start and which endpoint should carry it
     * @param listener receives the messages
     * @return the subscription; close it to unsubscribe
     */
    Subscription subscribe(String channel, SubscriptionOptions options, SubscriptionListener listener);

    /**
     * A snapshot of the pool's connections by state and of the waiting callers.
     *
     * @return the stats
     */
    PoolStats stats();

    /**
     * The operator's surface of this pool: endpoint snapshots, runtime endpoint changes ({@code addEndpoint},
     * {@code removeEndpoint}, {@code updateWeight}), the configured bounds and live counters for gauges. Application
     * code that only acquires connections does not need it.
     *
     * @return the pool's control view, valid for the pool's lifetime (it may be kept)
     */
    PoolControl control();

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

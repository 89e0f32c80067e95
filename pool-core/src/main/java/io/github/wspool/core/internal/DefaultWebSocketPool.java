package io.github.wspool.core.internal;

import static io.github.wspool.ConnectionState.ACTIVE;
import static io.github.wspool.ConnectionState.CLOSED;
import static io.github.wspool.ConnectionState.FAILED;
import static io.github.wspool.ConnectionState.IDLE;
import static io.github.wspool.ConnectionState.INITIALIZING;
import static io.github.wspool.ConnectionState.READY;
import static io.github.wspool.ConnectionState.RECYCLING;
import static io.github.wspool.ConnectionState.UNHEALTHY;

import io.github.wspool.AcquireRejectedException;
import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.ConnectionClosedException;
import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PoolException;
import io.github.wspool.PoolListener;
import io.github.wspool.PoolStats;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.spi.Transport;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import io.github.wspool.core.spi.TransportOptions;
import io.github.wspool.event.AcquireEvent;
import io.github.wspool.event.AcquireFailureEvent;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.ConnectionStateChange;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.event.ReleaseEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool engine.
 *
 * <h2>How a connection moves</h2>
 * <ul>
 *   <li><b>Acquire</b>: the strategy picks an endpoint among those able to serve; that endpoint hands out an
 *       available connection by CAS (lowest index first, so a lightly loaded pool keeps reusing the same few
 *       connections and the surplus ages into IDLE). If none is available and there is room, a connect starts there;
 *       the caller then waits in the FIFO wait queue.</li>
 *   <li><b>Release</b> hands the connection straight to the oldest waiter (it stays ACTIVE, no barging), or makes it
 *       READY, or recycles it (expired, invalidated, broken, not pooling, pool closing).</li>
 *   <li><b>Slots</b>: {@code slots} counts connections opening, open or closing; a connect reserves a slot before it
 *       starts and the slot is freed only when the connection reaches CLOSED (two-phase, as Jetty's pool).</li>
 *   <li><b>Housekeeping</b>: {@link #maintain(long)} is a function of "now" that returns the delay until it
 *       next has work; the scheduler runs it and it is woken early when a slot frees or a connect fails.</li>
 * </ul>
 *
 * <h2>The handoff race</h2>
 * A releaser that finds no waiter makes its connection READY and then re-reads the pending count; a waiter
 * increments the pending count, enqueues, and then scans once more. With volatile accesses on both sides one of
 * them sees the other, so a connection can never sit READY while a waiter sleeps.
 */
public final class DefaultWebSocketPool implements WebSocketPool, ConnectionOwner, Waiter.Owner {

    private static final Logger log = LoggerFactory.getLogger(DefaultWebSocketPool.class);

    /** Upper bound on the housekeeping period, so that a missed wake-up can never stall the pool for long. */
    private static final long MAX_MAINTENANCE_DELAY = TimeUnit.SECONDS.toNanos(5);
    private static final long MIN_MAINTENANCE_DELAY = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int GOING_AWAY = 1001;
    private static final int NORMAL_CLOSURE = 1000;
    private static final LongUnaryOperator FULL_JITTER = bound -> ThreadLocalRandom.current().nextLong(bound + 1);

    private final PoolConfig config;
    private final String name;
    private final Ticker ticker;
    private final Transport transport;
    private final TransportOptions transportOptions;
    private final LoadBalancingStrategy strategy;
    private final PoolScheduler scheduler;
    private final PoolEvents events;

    private final EndpointState[] endpoints;
    private final List<EndpointState> endpointList;
    private final List<Endpoint> publicEndpoints;

    /**
     * Without pooling no connection is ever released to READY; a new one is READY only for an instant before it is
     * handed to the oldest waiter. Acquirers then never scan for available connections, so none can take a
     * connection opened for another caller and leave that caller's connect unused.
     */
    private final boolean pooling;
    private final long acquireTimeoutNanos;
    private final long idleAfterNanos;
    private final long idleTimeoutNanos;
    private final long maxLifetimeNanos;
    private final long pingIntervalNanos;
    private final long connectTimeoutNanos;
    private final long closeTimeoutNanos;
    private final long shutdownTimeoutNanos;

    /** Connections holding a slot (opening, open or closing), over all endpoints. */
    private final AtomicInteger slots = new AtomicInteger();
    /** Connect attempts in flight, over all endpoints. */
    private final AtomicInteger connecting = new AtomicInteger();
    /** Callers waiting: incremented before a waiter is queued, decremented when it settles. */
    private final AtomicInteger pending = new AtomicInteger();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger connectionSequence = new AtomicInteger();

    private volatile boolean closed;
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final ReentrantLock shutdownLock = new ReentrantLock();
    private final Condition shutdownProgress = shutdownLock.newCondition();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private final AtomicBoolean wakeupScheduled = new AtomicBoolean();
    private volatile PoolScheduler.Cancellable nextMaintenance;

    DefaultWebSocketPool(PoolConfig config, PoolScheduler scheduler, LongUnaryOperator backoffJitter) {
        this.config = config;
        this.name = config.name();
        this.ticker = config.ticker();
        this.transport = config.transport();
        this.strategy = config.strategy();
        this.scheduler = scheduler;
        this.events = new PoolEvents(name, config.listeners());
        this.transportOptions = new TransportOptions(config.connectTimeout(), config.maxMessageSize(), Map.of(),
                "wspool-" + name);
        this.pooling = config.pooling();
        this.acquireTimeoutNanos = config.acquireTimeout().toNanos();
        this.idleAfterNanos = config.idleAfter().toNanos();
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.maxLifetimeNanos = config.maxLifetime().toNanos();
        this.pingIntervalNanos = config.healthCheckInterval().toNanos();
        this.connectTimeoutNanos = config.connectTimeout().toNanos();
        this.closeTimeoutNanos = config.closeTimeout().toNanos();
        this.shutdownTimeoutNanos = config.shutdownTimeout().toNanos();

        List<EndpointState> list = new ArrayList<>();
        for (PoolConfig.EndpointSpec spec : config.endpoints()) {
            Backoff backoff = new Backoff(config.backoffInitial().toNanos(), config.backoffMax().toNanos(),
                    config.backoffMultiplier(), backoffJitter);
            list.add(new EndpointState(spec.uri(), spec.weight(), backoff));
        }
        this.endpoints = list.toArray(new EndpointState[0]);
        this.endpointList = List.copyOf(list);
        this.publicEndpoints = List.copyOf(list);
    }

    /**
     * Builds and starts a pool with the production scheduler: opens {@code minConnections} in the background (or,
     * with fail-fast initialization, checks every endpoint first).
     */
    public static DefaultWebSocketPool start(PoolConfig config) {
        return start(config, new ExecutorPoolScheduler(config.name()), FULL_JITTER);
    }

    /**
     * Starts a pool on the given scheduler; {@code backoffJitter} maps a backoff bound to the delay actually used
     * (production: uniform in {@code [0, bound]}).
     */
    static DefaultWebSocketPool start(PoolConfig config, PoolScheduler scheduler, LongUnaryOperator backoffJitter) {
        DefaultWebSocketPool pool = new DefaultWebSocketPool(config, scheduler, backoffJitter);
        pool.begin();
        return pool;
    }

    /** Starts housekeeping; with fail-fast initialization first connects once to every endpoint. */
    void begin() {
        log.info("[{}] starting: endpoints={}, pooling={}, minConnections={}, maxConnections={}", name, endpointList,
                config.pooling(), config.minConnections(), config.maxConnections());
        if (config.failFastInitialization()) {
            try {
                checkEndpointsReachable();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
        requestMaintenance();
    }

    private void checkEndpointsReachable() {
        List<CompletableFuture<ManagedConnection>> opens = new ArrayList<>();
        for (EndpointState e : endpoints) {
            if (!reserveSlot(e)) {
                break; // fewer slots than endpoints: the reachable check covers what fits
            }
            CompletableFuture<ManagedConnection> opened = new CompletableFuture<>();
            startConnect(e, opened, false);
            opens.add(opened);
        }
        for (CompletableFuture<ManagedConnection> f : opens) {
            ManagedConnection c;
            try {
                c = f.get(connectTimeoutNanos + closeTimeoutNanos, TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new PoolException(e.getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new PoolException("Pool '" + name + "': initial connect did not finish in time", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PoolException("Pool '" + name + "': interrupted during fail-fast initialization", e);
            }
            if (!config.pooling() && c.transition(READY, RECYCLING)) {
                recycle(c, RecycleReason.NOT_POOLED);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ acquire

    @Override
    public String name() {
        return name;
    }

    @Override
    public PooledConnection acquire() {
        return acquireNanos(acquireTimeoutNanos, config.acquireTimeout());
    }

    @Override
    public PooledConnection acquire(Duration timeout) {
        return acquireNanos(timeoutNanos(timeout), timeout);
    }

    private PooledConnection acquireNanos(long timeoutNanos, Duration timeout) {
        long start = ticker.read();
        if (closed) {
            throw acquireFailed(start, new PoolClosedException(name));
        }
        EndpointState chosen = selectEndpoint();
        if (chosen != null && pooling) {
            ManagedConnection c = chosen.takeAvailable();
            if (c != null) {
                return lease(c, start);
            }
        }
        Waiter w = enqueueWaiter(start, timeoutNanos, chosen);
        if (w.isDone()) {
            return joinLease(w, start);
        }
        try {
            return w.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            AcquireTimeoutException timeoutException = timeoutException(timeout);
            if (w.completeExceptionally(timeoutException)) {
                throw acquireFailed(start, timeoutException);
            }
            return joinLease(w, start); // a connection arrived at the last moment: take it
        } catch (InterruptedException e) {
            PoolException interrupted = new PoolException("Pool '" + name + "': interrupted while waiting for a connection", e);
            if (!w.completeExceptionally(interrupted)) {
                PooledConnection late = joinLeaseQuietly(w);
                if (late != null) {
                    late.close();
                }
            }
            Thread.currentThread().interrupt();
            throw acquireFailed(start, interrupted);
        } catch (ExecutionException e) {
            throw acquireFailed(start, asPoolException(e.getCause()));
        }
    }

    private PooledConnection joinLease(Waiter w, long start) {
        try {
            return w.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw acquireFailed(start, asPoolException(e.getCause()));
        } catch (java.util.concurrent.CancellationException e) {
            throw acquireFailed(start, new PoolException("Pool '" + name + "': acquire was cancelled", e));
        }
    }

    private static PooledConnection joinLeaseQuietly(Waiter w) {
        try {
            return w.getNow(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public CompletableFuture<PooledConnection> acquireAsync() {
        return acquireAsyncNanos(acquireTimeoutNanos, config.acquireTimeout());
    }

    @Override
    public CompletableFuture<PooledConnection> acquireAsync(Duration timeout) {
        return acquireAsyncNanos(timeoutNanos(timeout), timeout);
    }

    private CompletableFuture<PooledConnection> acquireAsyncNanos(long timeoutNanos, Duration timeout) {
        long start = ticker.read();
        if (closed) {
            return CompletableFuture.failedFuture(acquireFailed(start, new PoolClosedException(name)));
        }
        EndpointState chosen = selectEndpoint();
        if (chosen != null && pooling) {
            ManagedConnection c = chosen.takeAvailable();
            if (c != null) {
                return CompletableFuture.completedFuture(lease(c, start));
            }
        }
        Waiter w;
        try {
            w = enqueueWaiter(start, timeoutNanos, chosen);
        } catch (PoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!w.isDone()) {
            w.timeoutTask = scheduler.schedule(() -> {
                AcquireTimeoutException ex = timeoutException(timeout);
                if (w.completeExceptionally(ex)) {
                    acquireFailed(start, ex);
                }
            }, timeoutNanos);
            if (w.isDone()) {
                w.timeoutTask.cancel(); // settled while the timeout was being scheduled
            }
        }
        return w;
    }

    private static long timeoutNanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("acquire timeout must be zero or positive, but was " + timeout);
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Queues a waiter, then closes the handoff race (scan again), and starts a connect if the demand calls for one.
     * The returned waiter may already be settled.
     */
    private Waiter enqueueWaiter(long start, long timeoutNanos, EndpointState preferred) {
        int limit = config.maxPendingAcquires();
        if (pending.incrementAndGet() > limit) {
            pending.decrementAndGet();
            throw acquireFailed(start, new AcquireRejectedException(name, limit, stats()));
        }
        Waiter w = new Waiter(this, start, timeoutNanos);
        waiters.add(w);
        if (closed) {
            w.completeExceptionally(new PoolClosedException(name));
            return w;
        }
        ManagedConnection c = pooling ? takeAnyAvailable(preferred) : null;
        if (c != null) {
            if (handOver(c, w)) {
                waiters.remove(w);
            } else {
                offer(c); // the waiter settled meanwhile (timed out, cancelled): give this one back
            }
            return w;
        }
        openForDemand(preferred);
        return w;
    }

    private ManagedConnection takeAnyAvailable(EndpointState preferred) {
        if (preferred != null) {
            ManagedConnection c = preferred.takeAvailable();
            if (c != null) {
                return c;
            }
        }
        for (EndpointState e : endpoints) {
            if (e != preferred && e.healthy()) {
                ManagedConnection c = e.takeAvailable();
                if (c != null) {
                    return c;
                }
            }
        }
        return null;
    }

    /**
     * The strategy's pick among endpoints able to serve: healthy, and with an available connection or room to open
     * one. {@code null} if none can.
     */
    private EndpointState selectEndpoint() {
        EndpointState[] all = endpoints;
        if (all.length == 1) {
            EndpointState only = all[0];
            return only.healthy() ? only : null;
        }
        boolean room = canOpenMore();
        int able = 0;
        for (EndpointState e : all) {
            if (canServe(e, room)) {
                able++;
            }
        }
        if (able == all.length) {
            return picked(strategy.select(endpointList), endpointList); // the common case: no allocation
        }
        // Some cannot serve. Filter in one pass: counts read above may have changed since.
        List<EndpointState> some = new ArrayList<>(all.length);
        for (EndpointState e : all) {
            if (canServe(e, room)) {
                some.add(e);
            }
        }
        return some.isEmpty() ? null : picked(strategy.select(some), some);
    }

    private static boolean canServe(EndpointState e, boolean room) {
        return e.healthy() && (room || e.hasAvailable());
    }

    private EndpointState picked(EndpointView view, List<? extends EndpointView> candidates) {
        if (view instanceof EndpointState e && candidates.contains(e)) {
            return e;
        }
        throw new IllegalStateException("strategy " + strategy + " of pool '" + name + "' returned " + view
                + ", which is not one of the candidates it was given " + candidates);
    }

    private boolean canOpenMore() {
        return slots.get() < config.maxConnections();
    }

    /** Leases an ACTIVE connection the caller owns to the calling thread. */
    private Lease lease(ManagedConnection c, long start) {
        long now = ticker.read();
        c.endpoint.activeLeases.incrementAndGet();
        Lease lease = new Lease(c, now);
        acquired(c, start, now);
        return lease;
    }

    /**
     * Tries to hand an ACTIVE connection the caller owns to a waiter. The lease is counted before the waiter can see
     * it (so the count never dips below zero when the waiter releases at once) and un-counted if the waiter had
     * already settled.
     */
    private boolean handOver(ManagedConnection c, Waiter w) {
        if (w.isDone()) {
            return false;
        }
        long now = ticker.read();
        c.endpoint.activeLeases.incrementAndGet();
        if (w.complete(new Lease(c, now))) {
            acquired(c, w.startedAt, now);
            return true;
        }
        c.endpoint.activeLeases.decrementAndGet();
        return false;
    }

    private void acquired(ManagedConnection c, long start, long now) {
        if (events.enabled()) {
            AcquireEvent event = new AcquireEvent(name, c.id, c.endpoint, Duration.ofNanos(now - start));
            events.publish("onAcquire", event, PoolListener::onAcquire);
        }
    }

    private <E extends PoolException> E acquireFailed(long start, E failure) {
        if (events.enabled()) {
            AcquireFailureEvent event = new AcquireFailureEvent(name, Duration.ofNanos(ticker.read() - start), failure);
            events.publish("onAcquireFailure", event, PoolListener::onAcquireFailure);
        }
        return failure;
    }

    private PoolException asPoolException(Throwable t) {
        if (t instanceof PoolException p) {
            return p;
        }
        return new PoolException("Pool '" + name + "': acquire failed: " + t, t);
    }

    private AcquireTimeoutException timeoutException(Duration timeout) {
        return new AcquireTimeoutException(name, timeout, stats(), recentConnectFailure());
    }

    /** The latest failure of an endpoint that is failing now (its last connect attempt failed), else {@code null}. */
    private Throwable recentConnectFailure() {
        Throwable latest = null;
        for (EndpointState e : endpoints) {
            Throwable f = e.lastFailure();
            if (f != null) {
                latest = f;
            }
        }
        return latest;
    }

    @Override
    public void waiterSettled(Waiter waiter, boolean fulfilled) {
        pending.decrementAndGet();
        if (!fulfilled) {
            waiters.remove(waiter);
        }
    }

    // ------------------------------------------------------------------------------------------------ release

    @Override
    public void release(Lease lease) {
        ManagedConnection c = lease.connection;
        long now = ticker.read();
        c.lastUsedAt = now;
        c.endpoint.activeLeases.decrementAndGet();
        if (events.enabled()) {
            ReleaseEvent event = new ReleaseEvent(name, c.id, c.endpoint, Duration.ofNanos(now - lease.acquiredAt));
            events.publish("onRelease", event, PoolListener::onRelease);
        }
        ConnectionState s = c.state();
        if (s == ACTIVE) {
            RecycleReason reason = recycleReasonOnRelease(c, now);
            if (reason == null) {
                offer(c);
                s = null; // passed on: no longer ours to look at
            } else if (c.transition(ACTIVE, RECYCLING)) {
                recycle(c, reason);
                s = null;
            } else {
                s = c.state(); // broken while we decided
            }
        }
        if (s == UNHEALTHY && c.transition(UNHEALTHY, RECYCLING)) {
            recycle(c, c.brokenReason);
        }
        if (closed) {
            signalShutdownProgress();
        }
    }

    private RecycleReason recycleReasonOnRelease(ManagedConnection c, long now) {
        if (closed) {
            return RecycleReason.SHUTDOWN;
        }
        if (!config.pooling()) {
            return RecycleReason.NOT_POOLED;
        }
        if (c.invalidated) {
            return RecycleReason.INVALIDATED;
        }
        if (!c.isOpen()) {
            return RecycleReason.PEER_CLOSED;
        }
        if (now - c.expiresAt >= 0) {
            return RecycleReason.LIFETIME;
        }
        return null;
    }

    /**
     * Makes an ACTIVE connection that the caller owns available again: to the oldest waiter if there is one (it
     * stays ACTIVE), else READY. See the class comment for why the pending count is read again after READY.
     */
    private void offer(ManagedConnection c) {
        while (true) {
            while (pending.get() > 0 && c.state() == ACTIVE) {
                Waiter w = waiters.poll();
                if (w == null) {
                    break;
                }
                if (handOver(c, w)) {
                    return;
                }
            }
            if (!c.transition(ACTIVE, READY)) {
                // Broken meanwhile (the peer closed it): it is still ours, and nobody else will recycle it.
                if (c.transition(UNHEALTHY, RECYCLING)) {
                    recycle(c, c.brokenReason);
                }
                return;
            }
            if (pending.get() == 0 || !c.transition(READY, ACTIVE)) {
                return;
            }
            // a waiter arrived between the poll and READY, and we took the connection back: hand it over
        }
    }

    @Override
    public RuntimeException sendFailed(ManagedConnection c, RuntimeException failure) {
        markBroken(c, RecycleReason.ERROR);
        return new ConnectionClosedException("Connection " + c.id + " to " + c.endpoint + " of pool '" + name
                + "' is no longer open; release this lease and acquire another", failure);
    }

    /** Takes a connection out of service because it broke; a leased one is recycled when its holder releases it. */
    private void markBroken(ManagedConnection c, RecycleReason reason) {
        while (true) {
            ConnectionState s = c.state();
            if (s == ACTIVE) {
                c.brokenReason = reason;
                if (c.transition(ACTIVE, UNHEALTHY)) {
                    return;
                }
            } else if (s == READY || s == IDLE) {
                if (c.transition(s, RECYCLING)) {
                    recycle(c, reason);
                    return;
                }
            } else {
                return; // INITIALIZING is handled by the connect path; the rest are already on their way out
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ connecting

    private boolean reserveSlot(EndpointState e) {
        int max = config.maxConnections();
        while (true) {
            int n = slots.get();
            if (n >= max) {
                return false;
            }
            if (slots.compareAndSet(n, n + 1)) {
                e.slots.incrementAndGet();
                return true;
            }
        }
    }

    private void freeSlot(EndpointState e) {
        e.slots.decrementAndGet();
        slots.decrementAndGet();
    }

    /**
     * Opens connections for waiters not yet covered by a connect in flight. Without pooling the connection serves
     * exactly the acquire that picked {@code preferred}, so it opens there; with pooling a new connection joins the
     * pool (the oldest waiter gets the next free one), so it is placed to keep the pool spread by weight.
     */
    private void openForDemand(EndpointState preferred) {
        if (config.pooling()) {
            preferred = null;
        }
        long now = ticker.read();
        while (!closed) {
            // Claim one unit of demand by CAS, so that concurrent callers (acquirers, the housekeeper, a closing
            // connection) never open more connections than there are waiters.
            int inFlight = connecting.get();
            if (pending.get() <= inFlight) {
                return;
            }
            if (!connecting.compareAndSet(inFlight, inFlight + 1)) {
                continue;
            }
            EndpointState e = preferred != null && preferred.mayConnect(now) ? preferred : endpointForNewConnection(now);
            preferred = null;
            if (e == null || !reserveSlot(e)) {
                connecting.decrementAndGet();
                return;
            }
            startConnect(e, null, true);
        }
    }

    /**
     * Where a connection opened in the background (pre-warm, replenishing, demand not tied to one acquire) goes:
     * among healthy endpoints whose backoff allows a connect, those with the fewest connections per unit of weight,
     * and among those the strategy's pick. So the pool's connections spread in proportion to weight even while
     * acquires advance the strategy concurrently, and a recovered or new endpoint is filled first.
     */
    private EndpointState endpointForNewConnection(long now) {
        if (endpoints.length == 1) {
            EndpointState only = endpoints[0];
            return only.healthy() && only.mayConnect(now) ? only : null;
        }
        List<EndpointState> fewest = new ArrayList<>(endpoints.length);
        EndpointState best = null;
        for (EndpointState e : endpoints) {
            if (!e.healthy() || !e.mayConnect(now)) {
                continue;
            }
            int cmp = best == null ? -1 : compareLoadPerWeight(e, best);
            if (cmp < 0) {
                fewest.clear();
                best = e;
            }
            if (cmp <= 0) {
                fewest.add(e);
            }
        }
        if (fewest.isEmpty()) {
            return null;
        }
        return fewest.size() == 1 ? fewest.get(0) : picked(strategy.select(fewest), fewest);
    }

    /** Compares slots/weight of two endpoints by cross-multiplication (no division, no rounding). */
    private static int compareLoadPerWeight(EndpointState a, EndpointState b) {
        return Long.compare((long) a.slots.get() * b.weight(), (long) b.slots.get() * a.weight());
    }

    /**
     * Starts a connect on a reserved slot. {@code opened} (fail-fast initialization only) is completed with the open
     * connection or the failure.
     */
    private void startConnect(EndpointState e, CompletableFuture<ManagedConnection> opened, boolean counted) {
        long now = ticker.read();
        ManagedConnection c = new ManagedConnection(name + "-" + connectionSequence.incrementAndGet(), e, this, now);
        if (!counted) {
            connecting.incrementAndGet();
        }
        e.connecting.incrementAndGet();
        e.add(c);
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} connecting to {}", name, c.id, e);
        }
        ConnectCallbacks callbacks = new ConnectCallbacks(c, now, opened);
        try {
            c.handle = transport.connect(e.uri(), transportOptions, callbacks);
        } catch (RuntimeException ex) {
            callbacks.onClosed(-1, String.valueOf(ex.getMessage()), false, ex);
            return;
        }
        if (c.state() == INITIALIZING) {
            callbacks.deadline = scheduler.schedule(() -> connectDeadlinePassed(c), connectTimeoutNanos);
            if (c.state() != INITIALIZING) {
                callbacks.deadline.cancel();
            }
        }
    }

    private void connectDeadlinePassed(ManagedConnection c) {
        if (c.state() == INITIALIZING) {
            c.connectTimedOut = true;
            TransportConnection h = c.handle;
            if (h != null) {
                h.abort();
            }
        }
    }

    /** The transport's callbacks for one connection. */
    private final class ConnectCallbacks implements TransportListener {

        private final ManagedConnection c;
        private final long startedAt;
        private final CompletableFuture<ManagedConnection> opened;
        private final AtomicBoolean connectSettled = new AtomicBoolean();
        volatile PoolScheduler.Cancellable deadline;

        ConnectCallbacks(ManagedConnection c, long startedAt, CompletableFuture<ManagedConnection> opened) {
            this.c = c;
            this.startedAt = startedAt;
            this.opened = opened;
        }

        /**
         * Marks the connect attempt finished (once). The pool-wide {@code connecting} count is left to the caller:
         * an open connection keeps counting as "demand in flight" until it has been handed to a waiter, or else
         * another thread would open a second connection for the same waiter.
         */
        private boolean settleConnect() {
            if (!connectSettled.compareAndSet(false, true)) {
                return false;
            }
            PoolScheduler.Cancellable d = deadline;
            if (d != null) {
                d.cancel();
            }
            c.endpoint.connecting.decrementAndGet();
            return true;
        }

        @Override
        public void onOpen(TransportConnection connection) {
            if (!settleConnect()) {
                return;
            }
            try {
                opened(connection);
            } finally {
                connecting.decrementAndGet();
            }
        }

        private void opened(TransportConnection connection) {
            long now = ticker.read();
            c.transport = connection;
            c.openedAt = now;
            c.lastUsedAt = now;
            c.expiresAt = maxLifetimeNanos > 0 ? now + maxLifetimeNanos - lifetimeJitter() : Long.MAX_VALUE;
            c.nextPingAt = pingIntervalNanos > 0 ? now + pingIntervalNanos - pingJitter() : Long.MAX_VALUE;
            EndpointState e = c.endpoint;
            int failuresBefore = e.connectSucceeded();
            if (failuresBefore > 0) {
                log.info("[{}] {} reachable again after {} failed connect attempt(s)", name, e, failuresBefore);
            }
            if (events.enabled()) {
                ConnectEvent event = new ConnectEvent(name, c.id, e, Duration.ofNanos(now - startedAt), null);
                events.publish("onConnect", event, PoolListener::onConnect);
            }
            if (!c.transition(INITIALIZING, READY)) {
                return;
            }
            if (c.transportFinished) {
                // closed on another thread while we were opening: onClosed could not act on INITIALIZING
                markBroken(c, RecycleReason.PEER_CLOSED);
                finishIfRecycling(c);
                return;
            }
            if (opened != null) {
                opened.complete(c);
                return;
            }
            if (closed) {
                if (c.transition(READY, RECYCLING)) {
                    recycle(c, RecycleReason.SHUTDOWN);
                }
                return;
            }
            if (pending.get() > 0 && c.transition(READY, ACTIVE)) {
                offer(c);
            } else if (!config.pooling() && c.transition(READY, RECYCLING)) {
                recycle(c, RecycleReason.NOT_POOLED); // nobody is waiting for it, and unpooled connections are not kept
            }
        }

        @Override
        public void onText(String text) {
            if (log.isTraceEnabled()) {
                log.trace("[{}] {} received a text message of {} chars", name, c.id, text.length());
            }
        }

        @Override
        public void onBinary(ByteBuffer data) {
            if (log.isTraceEnabled()) {
                log.trace("[{}] {} received a binary message of {} bytes", name, c.id, data.remaining());
            }
        }

        @Override
        public void onPong() {
            c.lastPongAt = ticker.read();
        }

        @Override
        public void onClosed(int code, String reason, boolean remote, Throwable error) {
            c.transportFinished = true;
            if (settleConnect()) {
                connecting.decrementAndGet();
                connectFailed(code, reason, error);
                return;
            }
            if (log.isDebugEnabled()) {
                log.debug("[{}] {} closed: code={} reason='{}' remote={}", name, c.id, code, reason, remote, error);
            }
            markBroken(c, error != null ? RecycleReason.ERROR : RecycleReason.PEER_CLOSED);
            finishIfRecycling(c);
        }

        private void connectFailed(int code, String reason, Throwable error) {
            long now = ticker.read();
            EndpointState e = c.endpoint;
            EndpointConnectException failure = connectFailure(e, code, reason, error);
            long delay = e.connectFailed(now, failure);
            int failures = e.consecutiveFailures();
            if (closed) {
                log.debug("[{}] {} connect abandoned: pool closing", name, c.id);
            } else if (failures == 1 || Integer.bitCount(failures) == 1) {
                // first failure of a streak, then 2, 4, 8, ...: visible, not one line per retry
                log.warn("[{}] connect to {} failed ({} in a row), next attempt in {} ms: {}", name, e, failures,
                        TimeUnit.NANOSECONDS.toMillis(delay), failure.getMessage());
            } else {
                log.debug("[{}] connect to {} failed ({} in a row): {}", name, e, failures, failure.getMessage());
            }
            if (events.enabled()) {
                ConnectEvent event = new ConnectEvent(name, c.id, e, Duration.ofNanos(now - startedAt), failure);
                events.publish("onConnect", event, PoolListener::onConnect);
            }
            if (c.transition(INITIALIZING, FAILED) && c.transition(FAILED, RECYCLING)) {
                recycle(c, RecycleReason.CONNECT_FAILED);
            }
            if (opened != null) {
                opened.completeExceptionally(failure);
            }
            requestMaintenance(); // retry after the backoff delay, for min connections or waiters
        }

        private EndpointConnectException connectFailure(EndpointState e, int code, String reason, Throwable error) {
            if (error instanceof EndpointConnectException ece) {
                return ece;
            }
            if (c.connectTimedOut) {
                return new EndpointConnectException(e.uri(), "opening handshake did not complete within "
                        + TimeUnit.NANOSECONDS.toMillis(connectTimeoutNanos) + " ms (connectTimeout)", 0, error);
            }
            String detail = error != null ? describe(error) : "closed during the opening handshake (code " + code
                    + (reason.isEmpty() ? "" : ", " + reason) + ")";
            return new EndpointConnectException(e.uri(), detail, 0, error);
        }
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
    }

    private long lifetimeJitter() {
        long max = maxLifetimeNanos / 40; // up to 2.5%
        return max > 0 ? ThreadLocalRandom.current().nextLong(max + 1) : 0;
    }

    private long pingJitter() {
        long max = pingIntervalNanos / 10;
        return max > 0 ? ThreadLocalRandom.current().nextLong(max + 1) : 0;
    }

    // ------------------------------------------------------------------------------------------------ recycling

    /** Closes a connection the caller moved to RECYCLING. The slot is freed when the transport reports it closed. */
    private void recycle(ManagedConnection c, RecycleReason reason) {
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} recycling: {}", name, c.id, reason.tagValue());
        }
        if (events.enabled()) {
            events.publish("onRecycle", new RecycleEvent(name, c.id, c.endpoint, reason), PoolListener::onRecycle);
        }
        if (!c.transportFinished) {
            TransportConnection t = c.transport != null ? c.transport : c.handle;
            if (t != null) {
                try {
                    t.close(reason == RecycleReason.SHUTDOWN ? GOING_AWAY : NORMAL_CLOSURE, reason.tagValue());
                } catch (RuntimeException e) {
                    log.debug("[{}] {} close failed, aborting", name, c.id, e);
                    t.abort();
                }
                if (!c.transportFinished) {
                    scheduler.schedule(() -> {
                        if (!c.transportFinished) {
                            log.debug("[{}] {} peer did not answer the close within {} ms, closing the socket", name,
                                    c.id, TimeUnit.NANOSECONDS.toMillis(closeTimeoutNanos));
                            t.abort();
                        }
                    }, closeTimeoutNanos);
                }
            }
        }
        finishIfRecycling(c);
    }

    /** RECYCLING → CLOSED once the transport is finished; frees the slot and lets the pool refill. */
    private void finishIfRecycling(ManagedConnection c) {
        if (c.transportFinished && c.state() == RECYCLING && c.transition(RECYCLING, CLOSED)) {
            c.endpoint.remove(c);
            freeSlot(c.endpoint);
            if (closed) {
                signalShutdownProgress();
            } else {
                if (pending.get() > 0) {
                    openForDemand(null);
                }
                if (config.pooling() && slots.get() < config.minConnections()) {
                    requestMaintenance();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ housekeeping

    /** Runs housekeeping soon, once, however many times it is asked before it runs. */
    void requestMaintenance() {
        if (!closed && wakeupScheduled.compareAndSet(false, true)) {
            scheduler.schedule(this::runMaintenance, 0);
        }
    }

    private void runMaintenance() {
        wakeupScheduled.set(false);
        if (closed) {
            return;
        }
        long delay = maintain(ticker.read());
        PoolScheduler.Cancellable previous = nextMaintenance;
        if (previous != null) {
            previous.cancel();
        }
        nextMaintenance = scheduler.schedule(this::runMaintenance, delay);
    }

    /**
     * One housekeeping pass at {@code now}: READY→IDLE after {@code idleAfter}; IDLE above the minimum recycled after
     * {@code idleTimeout}; unleased connections past their lifetime recycled; keepalive pings sent; connections
     * opened to restore {@code minConnections} and to serve waiters, as far as backoff allows.
     *
     * @return nanoseconds until the next pass has something to do (bounded to [1 ms, 5 s])
     */
    long maintain(long now) {
        if (closed) {
            return MAX_MAINTENANCE_DELAY;
        }
        long next = now + MAX_MAINTENANCE_DELAY;
        int open = slots.get();
        int min = config.pooling() ? config.minConnections() : 0;
        for (EndpointState e : endpoints) {
            for (ManagedConnection c : e.connections()) {
                ConnectionState s = c.state();
                if (s == READY || s == IDLE) {
                    if (now - c.expiresAt >= 0) {
                        if (c.transition(s, RECYCLING)) {
                            recycle(c, RecycleReason.LIFETIME);
                            continue;
                        }
                        s = c.state();
                    } else {
                        next = Math.min(next, c.expiresAt);
                    }
                }
                if (s == READY) {
                    long idleAt = c.lastUsedAt + idleAfterNanos;
                    if (now - idleAt >= 0 && c.transition(READY, IDLE)) {
                        s = IDLE;
                    } else {
                        next = Math.min(next, idleAt);
                    }
                }
                if (s == IDLE && idleTimeoutNanos > 0 && open > min) {
                    long evictAt = c.lastUsedAt + idleTimeoutNanos;
                    if (now - evictAt >= 0) {
                        if (c.transition(IDLE, RECYCLING)) {
                            open--;
                            recycle(c, RecycleReason.IDLE);
                            continue;
                        }
                    } else {
                        next = Math.min(next, evictAt);
                    }
                }
                if (s == READY || s == IDLE || s == ACTIVE) {
                    next = Math.min(next, keepalive(c, now));
                }
            }
        }
        next = Math.min(next, refill(now, min));
        long delay = next - now;
        return Math.max(MIN_MAINTENANCE_DELAY, Math.min(MAX_MAINTENANCE_DELAY, delay));
    }

    /** Sends a keepalive ping when due; returns when the next one is due. */
    private long keepalive(ManagedConnection c, long now) {
        if (pingIntervalNanos <= 0) {
            return Long.MAX_VALUE;
        }
        if (now - c.nextPingAt >= 0) {
            TransportConnection t = c.transport;
            if (t != null && !c.transportFinished) {
                try {
                    t.ping();
                } catch (RuntimeException e) {
                    log.debug("[{}] {} keepalive ping failed", name, c.id, e); // the close callback follows
                }
            }
            c.nextPingAt = now + pingIntervalNanos - pingJitter();
        }
        return c.nextPingAt;
    }

    /**
     * Opens connections up to {@code minConnections} and for waiters, where backoff allows; returns when it should
     * be tried again if an endpoint's backoff held a needed connect back, else far in the future.
     */
    private long refill(long now, int min) {
        int deficit = min - slots.get();
        while (deficit > 0 && !closed) {
            EndpointState e = endpointForNewConnection(now);
            if (e == null || !reserveSlot(e)) {
                break;
            }
            startConnect(e, null, false);
            deficit--;
        }
        openForDemand(null);
        boolean demandUnmet = pending.get() > connecting.get() && canOpenMore();
        if (deficit <= 0 && !demandUnmet) {
            return Long.MAX_VALUE;
        }
        long retryAt = Long.MAX_VALUE;
        for (EndpointState e : endpoints) {
            retryAt = Math.min(retryAt, e.backoffUntil());
        }
        return retryAt;
    }

    // ------------------------------------------------------------------------------------------------ observation

    @Override
    public void onTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} {} -> {}", name, c.id, from, to);
        }
        if (events.enabled()) {
            events.publish("onStateChange", new ConnectionStateChange(name, c.id, c.endpoint, from, to),
                    PoolListener::onStateChange);
        }
    }

    @Override
    public void onIllegalTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
        String message = "[" + name + "] illegal lifecycle transition " + from + " -> " + to + " requested for " + c.id
                + " (currently " + c.state() + ")";
        log.error(message, new IllegalStateException(message));
        assert false : message;
    }

    @Override
    public PoolStats stats() {
        Map<ConnectionState, Integer> counts = new EnumMap<>(ConnectionState.class);
        for (EndpointState e : endpoints) {
            for (ManagedConnection c : e.connections()) {
                counts.merge(c.state(), 1, Integer::sum);
            }
        }
        return PoolStats.of(counts, Math.max(0, pending.get()));
    }

    @Override
    public List<Endpoint> endpoints() {
        return publicEndpoints;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "WebSocketPool[" + name + ", " + stats() + "]";
    }

    // ------------------------------------------------------------------------------------------------ close

    @Override
    public void close() {
        if (!closeStarted.compareAndSet(false, true)) {
            terminated.join(); // a second caller returns once the first has finished closing
            return;
        }
        closed = true;
        try {
            shutdown();
        } finally {
            terminated.complete(null);
        }
    }

    private void shutdown() {
        long started = System.nanoTime();
        log.info("[{}] closing: {}", name, stats());
        PoolScheduler.Cancellable m = nextMaintenance;
        if (m != null) {
            m.cancel();
        }
        Waiter w;
        while ((w = waiters.poll()) != null) {
            w.completeExceptionally(new PoolClosedException(name));
        }
        for (EndpointState e : endpoints) {
            for (ManagedConnection c : e.connections()) {
                ConnectionState s = c.state();
                if (s.isAvailable() && c.transition(s, RECYCLING)) {
                    recycle(c, RecycleReason.SHUTDOWN);
                } else if (s == INITIALIZING) {
                    TransportConnection h = c.handle;
                    if (h != null) {
                        h.abort();
                    }
                }
            }
        }
        if (!awaitShutdown(this::noLeases, shutdownTimeoutNanos)) {
            log.warn("[{}] {} lease(s) not released within shutdownTimeout {} ms; closing them anyway", name,
                    activeLeases(), TimeUnit.NANOSECONDS.toMillis(shutdownTimeoutNanos));
        }
        for (EndpointState e : endpoints) {
            for (ManagedConnection c : e.connections()) {
                ConnectionState s = c.state();
                if ((s == ACTIVE || s == UNHEALTHY || s.isAvailable()) && c.transition(s, RECYCLING)) {
                    recycle(c, RecycleReason.SHUTDOWN);
                }
            }
        }
        if (!awaitShutdown(this::allClosed, closeTimeoutNanos + TimeUnit.MILLISECONDS.toNanos(200))) {
            for (EndpointState e : endpoints) {
                for (ManagedConnection c : e.connections()) {
                    TransportConnection t = c.transport != null ? c.transport : c.handle;
                    if (t != null) {
                        t.abort();
                    }
                }
            }
            awaitShutdown(this::allClosed, TimeUnit.SECONDS.toNanos(1));
        }
        scheduler.shutdown(TimeUnit.SECONDS.toNanos(2));
        transport.close();
        int left = slots.get();
        if (left > 0) {
            log.warn("[{}] closed with {} connection(s) not confirmed closed: {}", name, left, stats());
        }
        log.info("[{}] closed in {} ms", name, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private boolean noLeases() {
        return activeLeases() == 0;
    }

    private int activeLeases() {
        int n = 0;
        for (EndpointState e : endpoints) {
            n += e.activeLeases.get();
        }
        return n;
    }

    private boolean allClosed() {
        return slots.get() == 0;
    }

    /** Waits (real time, not the ticker: shutdown must end even under a frozen fake ticker) until done or timeout. */
    private boolean awaitShutdown(java.util.function.BooleanSupplier done, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        shutdownLock.lock();
        try {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // bounded wait: progress is signalled, but a short period also covers a transport that forgot to
                shutdownProgress.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return done.getAsBoolean();
        } finally {
            shutdownLock.unlock();
        }
    }

    private void signalShutdownProgress() {
        shutdownLock.lock();
        try {
            shutdownProgress.signalAll();
        } finally {
            shutdownLock.unlock();
        }
    }
}

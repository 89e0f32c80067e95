package io.github.wspool.core.internal.connect;

import io.github.wspool.ConnectionInitializer;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PoolException;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.DaemonThreads;
import io.github.wspool.core.internal.concurrent.ElasticExecutor;
import io.github.wspool.core.internal.concurrent.Fatal;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connection.ConnectRate;
import io.github.wspool.core.internal.connection.ConnectionOwner;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.core.internal.endpoint.EjectionBudget;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.endpoint.EndpointSelector;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.spi.Transport;
import io.github.wspool.event.RecycleReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens connections: reserves the pool's slots and keeps the accounting of connects in flight, decides where a
 * connection opens (the strategy's endpoint for a waiter, the least-loaded by weight for the background), and keeps
 * the pool at {@code minConnections}. Each connect is one {@link ConnectAttempt}; the size bounds and the pool-wide
 * slot count are its {@link Sizing}'s.
 *
 * <h2>Slots</h2>
 * {@code slots} counts connections opening, open or closing; a connect reserves a slot (pool-wide and on its
 * endpoint) before it starts, and the slot is freed only when the connection reaches CLOSED (two-phase, as Jetty's
 * pool), so a handshake in progress counts against {@code maxConnections}. A reservation also respects the pool-wide
 * cap on connects in flight and the connect-rate limits.
 *
 * <h2>Demand</h2>
 * The waiters count is the lease side's; {@code connecting} counts connects that will serve one of them (claimed by
 * CAS, released only after the opened connection was handed over). Opening only while {@code waiters > connecting}
 * keeps concurrent openers (acquirers, the housekeeper, a closing connection) from opening two connections for one
 * waiter.
 */
public final class Connector {

    /**
     * How long a connection must stay open (unless the pool closes it first) for its connect to count as a success:
     * one that dies sooner is a failed connect for the backoff and the endpoint's breaker. See {@link ConnectAttempt}.
     */
    public static final Duration MIN_CONNECTION_LIFETIME = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(Connector.class);
    /** How long an initializer thread lives without work. */
    private static final long INITIALIZER_IDLE_SECONDS = 60;

    private final String pool;
    private final ConnectSettings settings;
    private final Ticker ticker;
    private final Transport transport;
    private final PoolScheduler scheduler;
    private final PoolEvents events;
    private final EndpointRegistry endpoints;
    private final EndpointSelector selector;
    private final Recycler recycler;
    private final Shutdown shutdown;
    private final ConnectionOwner owner;
    private final EjectionBudget budget;
    private final ConnectionListener listener;
    private final Demand waiters;
    private final Runnable requestMaintenance;
    private final long connectTimeoutNanos;
    /** Pool-wide connects-per-second limit, or {@code null}; per-endpoint ones live on the endpoints. */
    private final ConnectRate poolConnectRate;
    /** Whether a wake-up is scheduled for connects a rate limit held back. */
    private final AtomicBoolean rateWakeupScheduled = new AtomicBoolean();
    /** Whether a wakeup for demand held back by an endpoint's backoff is scheduled ({@link #wakeAfterBackoff}). */
    private final AtomicBoolean backoffWakeupScheduled = new AtomicBoolean();

    /** The size bounds and the pool-wide slots taken against them; shedding the surplus of a lowered maximum. */
    private final Sizing sizing;
    /** Connect attempts in flight (TCP connect to handshake outcome), for the cap on concurrent connects. */
    private final AtomicInteger attempts = new AtomicInteger();
    /** Connects in flight that will serve a waiter or fill the pool, over all endpoints. */
    private final AtomicInteger connecting = new AtomicInteger();
    private final AtomicInteger connectionSequence = new AtomicInteger();
    /** The connection initializer, or {@code null}. */
    private final ConnectionInitializer initializer;
    private final long initializerTimeoutNanos;
    /** Runs the initializer ({@code wspool-<pool>-init-N}); {@code null} without one. */
    private final ElasticExecutor initializerThreads;
    private final Set<Thread> initializerThreadSet = ConcurrentHashMap.newKeySet();

    /**
     * @param pool               the pool's name: connection ids and logs
     * @param settings           the connect settings
     * @param collaborators      what the connector works with
     * @param listener           hears of opened connections and their traffic
     * @param waiters            the callers waiting for a connection
     * @param requestMaintenance asks the housekeeper for a pass soon
     */
    public Connector(String pool, ConnectSettings settings, Collaborators collaborators, ConnectionListener listener,
                     Demand waiters, Runnable requestMaintenance) {
        this.pool = pool;
        this.settings = settings;
        this.ticker = collaborators.ticker();
        this.transport = collaborators.transport();
        this.scheduler = collaborators.scheduler();
        this.events = collaborators.events();
        this.endpoints = collaborators.endpoints();
        this.selector = collaborators.selector();
        this.recycler = collaborators.recycler();
        this.shutdown = collaborators.shutdown();
        this.owner = collaborators.owner();
        this.budget = collaborators.budget();
        this.listener = listener;
        this.waiters = waiters;
        this.requestMaintenance = requestMaintenance;
        this.connectTimeoutNanos = settings.connectTimeout().toNanos();
        this.sizing = new Sizing(new Sizing.Limits(settings.minConnections(), settings.maxConnections()),
                settings.pooling(), endpoints, recycler);
        this.poolConnectRate = ConnectRate.of(settings.connectRatePerPool());
        this.initializer = settings.initializer();
        this.initializerTimeoutNanos = settings.initializerTimeout().toNanos();
        this.initializerThreads = initializer == null ? null : ElasticExecutor.create(1,
                ElasticExecutor.DEFAULT_MAX_THREADS, INITIALIZER_IDLE_SECONDS, "wspool-" + pool + "-init-",
                initializerThreadSet);
    }

    /**
     * The parts of the pool a connector works with.
     *
     * @param ticker    the pool's time source
     * @param transport opens connections
     * @param scheduler runs connect deadlines and rate wake-ups
     * @param events    where connects are reported
     * @param endpoints the endpoints
     * @param selector  where connections open
     * @param recycler  closes failed and unwanted connections
     * @param shutdown  whether the pool is closing
     * @param owner     the owner of new connections
     * @param budget    how many endpoints failed connects may eject at once
     */
    public record Collaborators(Ticker ticker, Transport transport, PoolScheduler scheduler, PoolEvents events,
                                EndpointRegistry endpoints, EndpointSelector selector, Recycler recycler,
                                Shutdown shutdown, ConnectionOwner owner, EjectionBudget budget) {
    }

    ConnectSettings settings() {
        return settings;
    }

    /**
     * The pool's size: its bounds (changed at runtime by the operator), the slots taken against them, and the
     * shedding of a lowered maximum's surplus.
     *
     * @return the sizing
     */
    public Sizing sizing() {
        return sizing;
    }

    /**
     * Acts on a resize: a higher maximum opens connections for waiting callers at once; a lower one closes surplus
     * available connections now and leased ones as they are released ({@link Sizing#shedOnRelease()}); a higher
     * minimum refills. Then asks for a housekeeping pass.
     *
     * @param before the bounds before the resize
     */
    public void resized(Sizing.Limits before) {
        if (shutdown.begun()) {
            return;
        }
        Sizing.Limits now = sizing.limits();
        if (now.max() < before.max()) {
            sizing.shedSurplus();
        }
        if (now.max() > before.max()) {
            openForDemand(null);
        }
        if (now.min() > before.min()) {
            refillToMin(ticker.read());
        }
        requestMaintenance.run();
    }

    Ticker ticker() {
        return ticker;
    }

    PoolEvents events() {
        return events;
    }

    PoolScheduler scheduler() {
        return scheduler;
    }

    EjectionBudget ejectionBudget() {
        return budget;
    }

    Recycler recycler() {
        return recycler;
    }

    ConnectionListener listener() {
        return listener;
    }

    String pool() {
        return pool;
    }

    /** The connection initializer, or {@code null}. */
    ConnectionInitializer initializer() {
        return initializer;
    }

    long initializerTimeoutNanos() {
        return initializerTimeoutNanos;
    }

    /** Where initializers run: never a transport's thread, since an initializer may block. */
    Executor initializerThreads() {
        return initializerThreads;
    }

    /**
     * Stops the initializer threads (the pool is closing, every connect has ended): interrupts initializers still
     * running and waits for their threads until {@code timeoutNanos}; one that ignores its interrupt is left behind
     * (a daemon) with a WARN.
     *
     * @param timeoutNanos how long to wait for the threads
     */
    public void close(long timeoutNanos) {
        if (initializerThreads == null) {
            return;
        }
        initializerThreads.shutdownNow();
        List<Thread> alive = DaemonThreads.joinAll(initializerThreadSet, System.nanoTime() + timeoutNanos);
        if (!alive.isEmpty()) {
            log.warn("[{}] {} connection initializer thread(s) still running after close (an initializer that"
                    + " ignores interrupts): {}", pool, alive.size(), alive);
        }
    }

    boolean closing() {
        return shutdown.begun();
    }

    // ------------------------------------------------------------------------------------------------ slots

    /**
     * Connections holding a slot, over all endpoints ({@link Sizing#slots()}).
     *
     * @return the count
     */
    public int slots() {
        return sizing.slots();
    }

    /**
     * Whether the pool-wide cap allows one more connection ({@link Sizing#canOpenMore()}).
     *
     * @return {@code true} if there is room
     */
    public boolean canOpenMore() {
        return sizing.canOpenMore();
    }

    /**
     * Connects in flight that serve a waiter or fill the pool.
     *
     * @return the count
     */
    public int connectsForDemand() {
        return connecting.get();
    }

    /**
     * Reserves a slot under both the pool-wide and the endpoint's cap.
     *
     * @param e the endpoint
     * @return whether a slot was reserved
     */
    public boolean reserveSlot(EndpointState e) {
        return reserveSlot(e, Integer.MAX_VALUE);
    }

    /**
     * Reserves a slot if fewer than {@code limit} are taken (and the endpoint's cap allows): one CAS decides, so
     * concurrent refills cannot together overshoot {@code minConnections}.
     */
    private boolean reserveSlot(EndpointState e, int limit) {
        if (attempts.get() >= settings.maxConcurrentConnects()) {
            return false; // the pool-wide cap on connects in flight (a soft cap: checked, then counted)
        }
        if (!sizing.take(limit)) {
            return false;
        }
        if (e.tryReserve()) {
            if (connectRatePermits(e)) {
                return true;
            }
            e.freeSlot();
        }
        sizing.giveBack();
        return false;
    }

    /**
     * Takes a permit from the endpoint's and the pool's connect rate limits, or neither. When one refuses, schedules
     * a wake-up for when it allows the next connect, so that waiters and the minimum are served then.
     */
    private boolean connectRatePermits(EndpointState e) {
        ConnectRate er = e.connectRate();
        if (er == null && poolConnectRate == null) {
            return true;
        }
        long now = ticker.read();
        long wait = er != null ? er.tryAcquire(now) : 0;
        if (wait == 0 && poolConnectRate != null) {
            wait = poolConnectRate.tryAcquire(now);
            if (wait > 0 && er != null) {
                er.refund();
            }
        }
        if (wait == 0) {
            return true;
        }
        if (!shutdown.begun() && rateWakeupScheduled.compareAndSet(false, true)) {
            if (log.isDebugEnabled()) {
                log.debug("[{}] connect to {} held back {} us by maxConnectRate", pool, e,
                        TimeUnit.NANOSECONDS.toMicros(wait));
            }
            scheduler.schedule(() -> {
                rateWakeupScheduled.set(false);
                if (!shutdown.begun()) {
                    openForDemand(null);
                    requestMaintenance.run();
                }
            }, wait);
        }
        return false;
    }

    /**
     * A connection reached CLOSED: its slot is free again.
     *
     * @param c the connection
     */
    public void freeSlot(ManagedConnection c) {
        c.endpoint.freeSlot();
        sizing.free();
    }

    /**
     * After a slot was freed (pool open): opens for waiters the closed connection leaves uncovered, and asks for a
     * refill when the pool fell below its minimum.
     */
    public void refillAfterClose() {
        if (waiters.waiting() > 0) {
            openForDemand(null);
        }
        if (sizing.slots() < sizing.keepOpen()) {
            requestMaintenance.run();
        }
    }

    // ------------------------------------------------------------------------------------------------ demand

    /**
     * Opens connections for waiters not yet covered by a connect in flight. The first opens on {@code preferred}
     * (the strategy's pick for the acquire that caused it) when it can take one, or, called without one, where the
     * latest waiter wants it ({@link Demand#preferred()}); the rest where background connections go.
     *
     * @param preferred the endpoint the first should open on, or {@code null}
     */
    public void openForDemand(EndpointState preferred) {
        long now = ticker.read();
        boolean retried = false;
        while (!shutdown.begun()) {
            // Claim one unit of demand by CAS, so that concurrent callers (acquirers, the housekeeper, a closing
            // connection) never open more connections than there are waiters.
            int inFlight = connecting.get();
            if (waiters.waiting() <= inFlight) {
                return;
            }
            if (!connecting.compareAndSet(inFlight, inFlight + 1)) {
                continue;
            }
            EndpointState wanted = preferred != null ? preferred : waiters.preferred();
            EndpointState e = wanted != null && !wanted.isDraining() && !wanted.passedOver() && wanted.mayConnect(now)
                    && wanted.hasRoom() ? wanted : selector.forNewConnection(endpoints.snapshot(), now);
            preferred = null;
            if (e == null || !reserveSlot(e)) {
                connecting.decrementAndGet();
                if (e == null) {
                    wakeAfterBackoff(now); // a backoff may be what refused: nobody else comes back for this demand
                }
                // A slot freed meanwhile may have seen this claim and left the demand to it: now that the claim is
                // released, look once more if there is room. Only once, and not when the cap on connects in flight
                // is what refused: a connect settling wakes demand again (onOpen, or maintenance after a failure).
                if (e != null && !retried && canOpenMore() && attempts.get() < settings.maxConcurrentConnects()) {
                    retried = true;
                    continue;
                }
                return;
            }
            start(e, null, true);
        }
    }

    /**
     * Demand was refused because no endpoint may connect now: if an endpoint's backoff is what holds it back, comes
     * back for the demand when the earliest backoff ends. Without this a caller arriving during a backoff, in a pool
     * with nothing else to do (no minimum to refill, no connect in flight), would wait for its timeout: nothing else
     * wakes the demand. One wakeup at a time; each pass that is refused again schedules the next.
     */
    private void wakeAfterBackoff(long now) {
        long retryAt = 0;
        boolean found = false;
        for (EndpointState e : endpoints.array()) {
            long until = e.backoffUntil(); // Long.MAX_VALUE: not backing off
            if (until != Long.MAX_VALUE && until - now > 0 && (!found || until - retryAt < 0)) {
                retryAt = until;
                found = true;
            }
        }
        if (!found || shutdown.begun() || !backoffWakeupScheduled.compareAndSet(false, true)) {
            return;
        }
        scheduler.schedule(() -> {
            backoffWakeupScheduled.set(false);
            if (!shutdown.begun()) {
                openForDemand(null);
            }
        }, retryAt - now);
    }

    /**
     * Claims a connect (demand count and slot) on {@code e}, for a caller that needs a connection of its own.
     *
     * @param e the endpoint
     * @return {@code e}, or {@code null} if it cannot take one now
     */
    public EndpointState claimConnect(EndpointState e) {
        // the cheap refusals first: a full pool is the common case of a waiting caller
        if (!canOpenMore() || !e.hasRoom() || !e.mayConnect(ticker.read())) {
            return null;
        }
        connecting.incrementAndGet();
        if (reserveSlot(e)) {
            return e;
        }
        connecting.decrementAndGet();
        return null;
    }

    /**
     * Gives back a claim that will not be used.
     *
     * @param e the endpoint claimed, or {@code null} (nothing was)
     */
    public void unclaimConnect(EndpointState e) {
        if (e != null) {
            e.freeSlot();
            sizing.giveBack();
            connecting.decrementAndGet();
        }
    }

    /**
     * Starts the connect claimed with {@link #claimConnect}.
     *
     * @param e the endpoint claimed
     */
    public void startClaimed(EndpointState e) {
        start(e, null, true);
    }

    /**
     * Opens a connection on the endpoint that pinned waiters need, unless enough are already opening there.
     *
     * @param e       the endpoint
     * @param needing waiters pinned to it
     */
    public void openForRequired(EndpointState e, int needing) {
        if (e.connecting().get() < needing && e.mayConnect(ticker.read()) && reserveSlot(e)) {
            start(e, null, false);
        }
    }

    /**
     * Opens connections up to {@code minConnections} (pooling only) and for waiters, where backoff allows.
     *
     * @param now the ticker's time
     * @return when to try again if an endpoint's backoff held a needed connect back, else {@code Long.MAX_VALUE}
     *         (a connect in flight wakes the housekeeper when it settles)
     */
    public long refill(long now) {
        int deficit = refillToMin(now);
        openForDemand(null);
        boolean demandUnmet = waiters.waiting() > connecting.get() && canOpenMore();
        if (deficit <= 0 && !demandUnmet) {
            return Long.MAX_VALUE;
        }
        long retryAt = Long.MAX_VALUE;
        for (EndpointState e : endpoints.array()) {
            long until = e.backoffUntil();
            if (until - now > 0) { // a delay already over holds nothing back: a pass at once would only spin
                retryAt = Math.min(retryAt, until);
            }
        }
        return retryAt;
    }

    /**
     * Starts connects up to {@code minConnections} (pooling only).
     *
     * @param now the ticker's time
     * @return how many are still missing
     */
    public int refillToMin(long now) {
        int min = sizing.keepOpen();
        while (sizing.slots() < min && !shutdown.begun()) {
            EndpointState e = selector.forNewConnection(endpoints.snapshot(), now);
            if (e == null || !reserveSlot(e, min)) {
                break;
            }
            start(e, null, false);
        }
        return min - sizing.slots();
    }

    /**
     * The server of {@code leaving} is going away: opens, on other endpoints, the connections the pool will need to
     * stay at {@code minConnections} once those of {@code leaving} are closed (pooling only, within
     * {@code maxConnections}). Called before they are closed, so that the replacements are on their way first.
     *
     * @param leaving the endpoint going away
     * @param now     the ticker's time
     * @return how many connects started
     */
    public int openReplacements(EndpointState leaving, long now) {
        int elsewhere = sizing.slots() - leaving.slots();
        int wanted = Math.min(leaving.slots(), sizing.keepOpen() - elsewhere);
        int started = 0;
        while (started < wanted && !shutdown.begun()) {
            EndpointState e = selector.forNewConnection(endpoints.snapshot(), now);
            if (e == null || e == leaving || !reserveSlot(e)) {
                break;
            }
            start(e, null, false);
            started++;
        }
        return started;
    }

    /**
     * A probe connect to an ejected endpoint whose breaker let one through.
     *
     * @param e the endpoint
     * @return whether the connect started (else the caller gives the breaker's permission back)
     */
    public boolean probe(EndpointState e) {
        if (!reserveSlot(e)) {
            return false;
        }
        if (log.isDebugEnabled()) {
            log.debug("[{}] probing unhealthy endpoint {}", pool, e);
        }
        start(e, null, false);
        return true;
    }

    /**
     * Fail-fast initialization: connects once to every endpoint (as many as the caps allow) and waits for each.
     *
     * @throws RuntimeException the first connect failure ({@link io.github.wspool.EndpointConnectException}), or a
     *                          {@link PoolException} if a connect did not finish in time or the wait was interrupted
     */
    public void checkEndpointsReachable() {
        List<CompletableFuture<ManagedConnection>> opens = new ArrayList<>();
        for (EndpointState e : endpoints.array()) {
            if (!reserveSlot(e)) {
                break; // fewer slots than endpoints: the reachable check covers what fits
            }
            CompletableFuture<ManagedConnection> opened = new CompletableFuture<>();
            start(e, opened, false);
            opens.add(opened);
        }
        long waitNanos = connectTimeoutNanos + (initializer != null ? initializerTimeoutNanos : 0)
                + settings.closeTimeout().toNanos();
        for (CompletableFuture<ManagedConnection> f : opens) {
            ManagedConnection c;
            try {
                c = f.get(waitNanos, TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new PoolException(e.getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new PoolException("Pool '" + pool + "': initial connect did not finish in time", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PoolException("Pool '" + pool + "': interrupted during fail-fast initialization", e);
            }
            if (!settings.pooling()) {
                recycler.recycleIfAvailable(c, RecycleReason.NOT_POOLED);
            }
        }
    }

    /**
     * Starts a connect on a reserved slot. {@code opened} (fail-fast initialization only) is completed with the open
     * connection or the failure. {@code counted}: the caller already counted it in {@code connecting}.
     */
    void start(EndpointState e, CompletableFuture<ManagedConnection> opened, boolean counted) {
        long now = ticker.read();
        ManagedConnection c = new ManagedConnection(pool + "-" + connectionSequence.incrementAndGet(), e, owner, now);
        if (!counted) {
            connecting.incrementAndGet();
        }
        attempts.incrementAndGet();
        e.connecting().incrementAndGet();
        e.add(c);
        boolean refresh = e.refreshHeadersNext().getAndSet(false);
        ConnectAttempt attempt = new ConnectAttempt(this, c, now, opened, refresh);
        if (shutdown.begun()) {
            // close() began after the caller checked: either its sweep saw c (added above) or this sees it closing
            attempt.onClosed(-1, "pool closed", false, new PoolClosedException(pool));
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} connecting to {}", pool, c.id, e);
        }
        try {
            c.connecting(transport.connect(e.uri(), e.transportOptions().withRefreshHeaders(refresh), attempt));
        } catch (Throwable ex) { // an Error too (an OutOfMemoryError making the socket): the slot and counts are freed
            attempt.onClosed(-1, String.valueOf(ex.getMessage()), false, ex);
            Fatal.rethrowIfFatal(ex);
            return;
        }
        attempt.armDeadline(scheduler, connectTimeoutNanos);
    }

    /**
     * An attempt settled (opened or failed): it no longer counts against the caps on connects in flight. The
     * {@code connecting} demand count is released separately, see {@link #demandServed()}.
     */
    void attemptSettled(EndpointState e) {
        e.connecting().decrementAndGet();
        attempts.decrementAndGet();
    }

    /**
     * The connection opened for demand was placed (or failed): release its demand count, and open for a waiter that
     * arrived meanwhile and found its demand covered by the count released only now.
     */
    void demandServed(boolean opened) {
        connecting.decrementAndGet();
        if (opened && waiters.waiting() > 0 && !shutdown.begun()) {
            openForDemand(null);
        }
    }

    void requestMaintenance() {
        requestMaintenance.run();
    }
}

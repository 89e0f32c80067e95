package io.github.wspool.core.internal;

import static io.github.wspool.ConnectionState.ACTIVE;
import static io.github.wspool.ConnectionState.CLOSED;
import static io.github.wspool.ConnectionState.FAILED;
import static io.github.wspool.ConnectionState.IDLE;
import static io.github.wspool.ConnectionState.INITIALIZING;
import static io.github.wspool.ConnectionState.READY;
import static io.github.wspool.ConnectionState.RECYCLING;
import static io.github.wspool.ConnectionState.UNHEALTHY;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine;
import io.github.wspool.AcquireRejectedException;
import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.ConnectionClosedException;
import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.NoHealthyEndpointException;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PoolException;
import io.github.wspool.PoolControl;
import io.github.wspool.PoolListener;
import io.github.wspool.PoolStats;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.spi.HttpHeaders;
import io.github.wspool.core.spi.Transport;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import io.github.wspool.core.spi.TransportOptions;
import io.github.wspool.event.AcquireEvent;
import io.github.wspool.event.AcquireFailureEvent;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.ConnectionStateChange;
import io.github.wspool.event.EndpointBreakerEvent;
import io.github.wspool.event.EndpointEvent;
import io.github.wspool.event.EndpointHealthEvent;
import io.github.wspool.event.PongEvent;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.event.ReleaseEvent;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool engine.
 *
 * <h2>How a connection moves</h2>
 * <ul>
 *   <li><b>Acquire</b>: first the connection the calling thread released last ({@link RecentConnection}: one CAS on
 *       a connection other threads rarely touch), when the strategy has no choice to make (one endpoint) or chose
 *       that connection's endpoint. Otherwise the {@link EndpointSelector} has the strategy pick an endpoint among
 *       those able to serve; that endpoint hands out an available connection by CAS (lowest index first, so a
 *       lightly loaded pool keeps reusing the same few connections and the surplus ages into IDLE). If it has none
 *       but has room, a connect starts there; the caller then waits in the FIFO wait queue.</li>
 *   <li><b>Release</b> hands the connection straight to the oldest waiter that can use it (it stays ACTIVE), or
 *       makes it READY, or recycles it (expired, invalidated, broken, endpoint removed, not pooling, pool closing).
 *       The release is exactly-once through the connection's state word (see {@link ManagedConnection}).</li>
 *   <li><b>Bounded barging</b> (pooling with exclusive leases): a waiting caller first waits
 *       {@link #BARGING_WINDOW_NANOS} (50 µs) during which releases do not wait for it: they make their connection
 *       READY, and a running thread (usually the releasing one, straight back through its recent connection) takes
 *       it. A thread wake-up costs tens of microseconds, so a handoff to a parked waiter on every release would make
 *       every operation of a contended pool wait for one. Once past the window the waiter is <i>due</i>: it scans once
 *       more, and every release hands its connection to the oldest due waiter, as a strict FIFO would. So no waiter
 *       is passed over for longer than the window plus its own wake-up. Waiters without a thread to wake
 *       ({@code acquireAsync}) and connections opened for waiters are never barged.</li>
 *   <li><b>Slots</b>: {@code slots} counts connections opening, open or closing; a connect reserves a slot before it
 *       starts and the slot is freed only when the connection reaches CLOSED (two-phase, as Jetty's pool).</li>
 *   <li><b>Housekeeping</b>: {@link #maintain(long)} is a function of "now" that returns the delay until it next has
 *       work; the scheduler runs it, and it is woken early when a slot frees or a connect fails.</li>
 * </ul>
 *
 * <h2>The handoff race</h2>
 * A releaser that finds no (due) waiter makes its connection READY and then looks for a (due) waiter again; a waiter
 * increments the pending count, enqueues, and then scans once more, and scans again right after it becomes due. With
 * volatile accesses on both sides one of them sees the other, so a connection never sits READY while a due waiter
 * that could use it sleeps (and a waiter in its window sleeps at most until the window ends).
 *
 * <h2>Demand accounting</h2>
 * {@code pending} counts waiters (decremented before a waiter is woken), {@code connecting} counts connects that
 * will serve one of them (claimed by CAS, released only after the opened connection was handed over). Opening only
 * while {@code pending > connecting} keeps concurrent openers from opening two connections for one waiter.
 */
public final class DefaultWebSocketPool implements WebSocketPool, ConnectionOwner, Waiter.Owner, Messaging.Host {

    private static final Logger log = LoggerFactory.getLogger(DefaultWebSocketPool.class);

    /** Upper bound on the housekeeping period, so that a missed wake-up can never stall the pool for long. */
    private static final long MAX_MAINTENANCE_DELAY = TimeUnit.SECONDS.toNanos(5);
    private static final long MIN_MAINTENANCE_DELAY = TimeUnit.MILLISECONDS.toNanos(1);
    /** Decay time of the per-endpoint peak-EWMA latency estimate (Finagle's default). */
    private static final long LATENCY_DECAY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long PROBE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int GOING_AWAY = 1001;
    private static final int NORMAL_CLOSURE = 1000;
    /**
     * How long a waiting caller lets running threads take released connections before releases are handed to it
     * (bounded barging; see the class comment). Tens of microseconds: about one thread wake-up.
     */
    static final long BARGING_WINDOW_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /** A start time that was not read: nobody would have looked at it (no listeners, no leak detection). */
    static final long UNTIMED = Long.MIN_VALUE;
    private static final LongUnaryOperator FULL_JITTER = bound -> ThreadLocalRandom.current().nextLong(bound + 1);

    private final PoolConfig config;
    private final String name;
    private final Ticker ticker;
    private final Transport transport;
    private final TransportOptions transportOptions;
    private final EndpointSelector selector;
    private final PoolScheduler scheduler;
    private final PoolEvents events;
    private final LongUnaryOperator backoffJitter;
    private final java.time.Clock breakerClock;
    private final ConnectionBreakers connectionBreakers;
    private final EndpointSet endpoints;
    /** Sticky affinity: key → endpoint, bounded and expiring after access. */
    private final Cache<String, EndpointState> affinity;

    /**
     * Without pooling no connection is ever released to READY; a new one is READY only for an instant before it is
     * handed to the oldest waiter. Acquirers then never scan for available connections, so none can take a
     * connection opened for another caller and leave that caller's connect unused.
     */
    private final boolean pooling;
    /** Leases one connection may carry at once; 1 = exclusive. Always 1 without pooling. */
    private final int maxLeases;
    private final boolean multiplexed;
    /** Pooling with exclusive leases: a thread's acquire may take the connection it released last first. */
    private final boolean threadAffine;
    /** {@link #BARGING_WINDOW_NANOS}, but for tests. */
    private final long bargingWindowNanos;
    private final Messaging messaging;
    private final long acquireTimeoutNanos;
    private final long idleAfterNanos;
    private final long idleTimeoutNanos;
    private final long maxLifetimeNanos;
    private final long pingIntervalNanos;
    private final long pongTimeoutNanos;
    private final long leakThresholdNanos;
    /** Leases being watched for leaks; empty (and never touched) when leak detection is off. */
    private final Map<Lease, LeakWatch> leakWatches = new java.util.concurrent.ConcurrentHashMap<>();
    private final long connectTimeoutNanos;
    private final long closeTimeoutNanos;
    private final long shutdownTimeoutNanos;
    /** Pool-wide connects-per-second limit, or {@code null} for none; per-endpoint ones live on the endpoints. */
    private final ConnectRate poolConnectRate;
    /** Whether a wake-up is scheduled for connects a rate limit held back. */
    private final AtomicBoolean rateWakeupScheduled = new AtomicBoolean();

    /** Connections holding a slot (opening, open or closing), over all endpoints. */
    private final AtomicInteger slots = new AtomicInteger();
    /** Connect attempts in flight (TCP connect to handshake outcome), for the pool-wide cap on concurrent connects. */
    private final AtomicInteger attempts = new AtomicInteger();
    /** Connects in flight that will serve a waiter or fill the pool, over all endpoints. */
    private final AtomicInteger connecting = new AtomicInteger();
    /** Callers waiting: incremented before a waiter is queued, decremented when it settles. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Waiters that need one particular endpoint (sticky affinity); while zero, handoff is a plain poll. */
    private final AtomicInteger constrainedWaiters = new AtomicInteger();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    /** {@link #canOpenMore()}, asked by the selector only when it has several endpoints to choose from. */
    private final BooleanSupplier poolHasRoom = this::canOpenMore;
    /** Per thread, the connection it last released: its next acquire tries that one first. */
    private final RecentConnection recent = new RecentConnection();
    private final AtomicInteger connectionSequence = new AtomicInteger();

    private volatile boolean closed;
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final ReentrantLock shutdownLock = new ReentrantLock();
    private final Condition shutdownProgress = shutdownLock.newCondition();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private final AtomicBoolean wakeupScheduled = new AtomicBoolean();
    private final ReentrantLock healthLock = new ReentrantLock();
    private volatile java.util.concurrent.ExecutorService healthExecutor;
    private volatile Thread healthThread;
    private volatile PoolScheduler.Cancellable nextMaintenance;

    DefaultWebSocketPool(PoolConfig config, PoolScheduler scheduler, LongUnaryOperator backoffJitter,
                         long bargingWindowNanos) {
        this.bargingWindowNanos = bargingWindowNanos;
        this.config = config;
        this.name = config.name();
        this.ticker = config.ticker();
        this.transport = config.transport();
        this.selector = new EndpointSelector(config.strategy(), name, config.panicMode());
        this.scheduler = scheduler;
        this.backoffJitter = backoffJitter;
        this.breakerClock = new TickerClock(config.ticker());
        this.connectionBreakers = new ConnectionBreakers(name, config.connectionBreakerConfig(), breakerClock);
        this.events = new PoolEvents(name, config.listeners());
        this.transportOptions = new TransportOptions(config.connectTimeout(), config.maxMessageSize(),
                config.headers(), config.headerSupplier(), false, config.subprotocols(), config.subprotocolRequired(),
                config.tls(), "wspool-" + name);
        this.poolConnectRate = ConnectRate.of(config.connectRatePerPool());
        this.pooling = config.pooling();
        this.maxLeases = pooling ? config.maxLeasesPerConnection() : 1;
        this.multiplexed = maxLeases > 1;
        this.threadAffine = pooling && !multiplexed;
        this.messaging = new Messaging(config, this, events);
        this.acquireTimeoutNanos = config.acquireTimeout().toNanos();
        this.idleAfterNanos = config.idleAfter().toNanos();
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.maxLifetimeNanos = config.maxLifetime().toNanos();
        this.pingIntervalNanos = config.healthCheckInterval().toNanos();
        this.pongTimeoutNanos = config.pongTimeout().toNanos();
        this.leakThresholdNanos = config.leakDetectionThreshold().toNanos();
        this.connectTimeoutNanos = config.connectTimeout().toNanos();
        this.closeTimeoutNanos = config.closeTimeout().toNanos();
        this.shutdownTimeoutNanos = config.shutdownTimeout().toNanos();

        List<EndpointState> list = new ArrayList<>();
        for (PoolConfig.EndpointSpec spec : config.endpoints()) {
            list.add(newEndpoint(spec.uri(), spec.weight(), spec.headers()));
        }
        this.endpoints = new EndpointSet(list);
        this.affinity = Caffeine.newBuilder()
                .maximumSize(config.affinityMaxKeys())
                .expireAfterAccess(config.affinityExpireAfterAccess())
                .ticker(ticker::read)
                .executor(Runnable::run) // no background threads: cache upkeep runs on the calling thread
                .build();
    }

    private EndpointState newEndpoint(URI uri, int weight, Map<String, String> endpointHeaders) {
        Backoff backoff = new Backoff(config.backoffInitial().toNanos(), config.backoffMax().toNanos(),
                config.backoffMultiplier(), backoffJitter);
        String breakerName = "wspool." + name + "." + Endpoint.describe(uri);
        CircuitBreaker breaker = config.breakerRegistry() != null
                ? config.breakerRegistry().circuitBreaker(breakerName, config.endpointBreakerConfig())
                : new CircuitBreakerStateMachine(breakerName, config.endpointBreakerConfig(), breakerClock);
        EndpointState e = new EndpointState(uri, weight, config.maxConnectionsPerEndpoint(),
                config.maxConcurrentConnectsPerEndpoint(), breaker, backoff, LATENCY_DECAY_NANOS);
        breaker.getEventPublisher().onStateTransition(t -> {
            e.refreshHealth();
            breakerTransition(e, t.getStateTransition());
        });
        e.refreshHealth(); // a breaker from the user's registry may have moved before the listener was there
        e.nextCheckAt = config.ticker().read(); // the first health check is due at once
        e.shareLimit = maxLeases;
        e.connectRate = ConnectRate.of(config.connectRatePerEndpoint());
        if (endpointHeaders.isEmpty()) {
            e.transportOptions = transportOptions;
        } else {
            Map<String, String> merged = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            merged.putAll(config.headers());
            merged.putAll(endpointHeaders); // an endpoint's header replaces the pool's of the same name
            e.transportOptions = transportOptions.withHeaders(merged);
        }
        return e;
    }

    /** Logs and publishes an endpoint breaker's state change (called on the thread that caused it). */
    private void breakerTransition(EndpointState e, CircuitBreaker.StateTransition transition) {
        String from = transition.getFromState().name().toLowerCase(java.util.Locale.ROOT);
        String to = transition.getToState().name().toLowerCase(java.util.Locale.ROOT);
        log.info("[{}] circuit breaker of {}: {} -> {}", name, e, from, to);
        if (events.enabled()) {
            events.publish("onEndpointBreakerStateChange", new EndpointBreakerEvent(name, e, from, to),
                    PoolListener::onEndpointBreakerStateChange);
        }
    }

    /**
     * Builds and starts a pool with the production scheduler: starts opening {@code minConnections} (or, with
     * fail-fast initialization, first checks every endpoint).
     */
    public static DefaultWebSocketPool start(PoolConfig config) {
        return start(config, new ExecutorPoolScheduler(config.name()), FULL_JITTER);
    }

    /**
     * Starts a pool on the given scheduler; {@code backoffJitter} maps a backoff bound to the delay actually used
     * (production: uniform in {@code [0, bound]}).
     */
    static DefaultWebSocketPool start(PoolConfig config, PoolScheduler scheduler, LongUnaryOperator backoffJitter) {
        return start(config, scheduler, backoffJitter, BARGING_WINDOW_NANOS);
    }

    /** As {@link #start(PoolConfig, PoolScheduler, LongUnaryOperator)}, with another barging window (tests). */
    static DefaultWebSocketPool start(PoolConfig config, PoolScheduler scheduler, LongUnaryOperator backoffJitter,
                                      long bargingWindowNanos) {
        DefaultWebSocketPool pool = new DefaultWebSocketPool(config, scheduler, backoffJitter, bargingWindowNanos);
        pool.begin();
        return pool;
    }

    /**
     * With fail-fast initialization first connects once to every endpoint; then starts the first connects to
     * {@code minConnections} on the caller's thread (starting a connect does not block), so that they are placed
     * by weight before the first acquire arrives, and schedules housekeeping.
     */
    void begin() {
        if (!config.tls().verifyHostname()) {
            log.warn("[{}] TLS hostname verification is OFF (dangerouslyDisableHostnameVerification): a certificate"
                    + " the trust store accepts is accepted for any host name, so whoever holds one can impersonate"
                    + " the servers of this pool and read and change its traffic", name);
        }
        log.info("[{}] starting: endpoints={}, pooling={}, minConnections={}, maxConnections={}, strategy={}", name,
                endpoints.snapshot().list(), pooling, config.minConnections(), config.maxConnections(),
                selector.strategy());
        if (config.failFastInitialization()) {
            try {
                checkEndpointsReachable();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
        refillToMin(ticker.read());
        requestMaintenance();
    }

    private void checkEndpointsReachable() {
        List<CompletableFuture<ManagedConnection>> opens = new ArrayList<>();
        for (EndpointState e : endpoints.array()) {
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
            if (!pooling && c.transition(READY, RECYCLING)) {
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
        Lease recentLease = leaseRecent();
        return recentLease != null ? recentLease : acquireNanos(null, acquireTimeoutNanos, config.acquireTimeout());
    }

    @Override
    public PooledConnection acquire(Duration timeout) {
        long nanos = timeoutNanos(timeout);
        Lease recentLease = leaseRecent();
        return recentLease != null ? recentLease : acquireNanos(null, nanos, timeout);
    }

    /**
     * The fast path of an acquire without affinity key: the connection this thread released last, when the pool has
     * a single endpoint (so there is no strategy choice to make), which is healthy, and the connection is available.
     * {@code null} when anything calls for the general path, which tries the same connection again among the rest.
     * Small on purpose, so that the JIT inlines it into the caller.
     */
    private Lease leaseRecent() {
        if (!threadAffine) {
            return null;
        }
        ManagedConnection c = recent.get();
        if (c == null || closed) {
            return null;
        }
        EndpointState e = c.endpoint;
        if (endpoints.sole() != e || !e.healthy()) {
            return null;
        }
        if (!c.take()) {
            return null;
        }
        if (!c.isOpen()) {
            retireDead(c);
            return null;
        }
        return lease(c, events.enabled() || leakThresholdNanos > 0 ? ticker.read() : UNTIMED);
    }

    @Override
    public PooledConnection acquire(String affinityKey) {
        return acquireNanos(Objects.requireNonNull(affinityKey, "affinityKey"), acquireTimeoutNanos,
                config.acquireTimeout());
    }

    @Override
    public PooledConnection acquire(String affinityKey, Duration timeout) {
        return acquireNanos(Objects.requireNonNull(affinityKey, "affinityKey"), timeoutNanos(timeout), timeout);
    }

    private PooledConnection acquireNanos(String affinityKey, long timeoutNanos, Duration timeout) {
        // The clock is read only when someone will look at the time (listeners, leak detection) or the caller has
        // to wait: on this machine's virtual TSC one read costs ~25 ns, a third of a whole acquire + release.
        long start = events.enabled() || leakThresholdNanos > 0 ? ticker.read() : UNTIMED;
        if (closed) {
            throw acquireFailed(start, new PoolClosedException(name));
        }
        EndpointState required = affinityKey == null ? null : homeOf(affinityKey, start);
        EndpointState chosen = required != null ? required : chooseForLease(start);
        if (chosen != null && pooling) {
            ManagedConnection c = takeLive(chosen);
            if (c != null) {
                return lease(c, start);
            }
        }
        return await(start, timeoutNanos, timeout, chosen, required);
    }

    /**
     * The slow path of {@code acquire}: queue as a waiter and wait. Apart from the fast path so that the JIT inlines
     * the fast path into the caller.
     */
    private PooledConnection await(long start, long timeoutNanos, Duration timeout, EndpointState chosen,
                                   EndpointState required) {
        if (start == UNTIMED) {
            start = ticker.read(); // waiting: the wait is timed
        }
        // due at once where the pool does not barge, or where the caller would not even outwait the window
        Waiter w = enqueueWaiter(start, timeoutNanos, chosen, required,
                !threadAffine || timeoutNanos <= bargingWindowNanos);
        if (w.isDone()) {
            return joinLease(w, start);
        }
        try {
            long left = timeoutNanos;
            if (!w.due && timeoutNanos > bargingWindowNanos) {
                // The barging window: releases may go to running threads meanwhile. Then this caller is due, and
                // from then on a release hands its connection to the oldest due waiter.
                PooledConnection early = awaitWindow(w);
                if (early != null) {
                    return early;
                }
                w.due = true;
                serveFromAvailable(w, chosen, required); // a release that saw it not yet due may have made one READY
                if (w.isDone()) {
                    return joinLease(w, start);
                }
                left = timeoutNanos - bargingWindowNanos;
            }
            return w.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            AcquireTimeoutException timeoutException = timeoutException(timeout, required);
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

    /** Waits out the barging window; the connection if one came meanwhile, else {@code null}. */
    private PooledConnection awaitWindow(Waiter w) throws InterruptedException, ExecutionException {
        try {
            return w.get(bargingWindowNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException windowOver) {
            return null;
        }
    }

    private PooledConnection joinLease(Waiter w, long start) {
        try {
            return w.join();
        } catch (CompletionException e) {
            throw acquireFailed(start, asPoolException(e.getCause()));
        } catch (CancellationException e) {
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
        Waiter w;
        try {
            if (closed) {
                throw acquireFailed(start, new PoolClosedException(name));
            }
            EndpointState chosen = chooseForLease(start);
            if (chosen != null && pooling) {
                ManagedConnection c = takeLive(chosen);
                if (c != null) {
                    return CompletableFuture.completedFuture(lease(c, start));
                }
            }
            w = enqueueWaiter(start, timeoutNanos, chosen, null, true); // no thread of its own to wake: due at once
        } catch (PoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!w.isDone()) {
            w.timeoutTask = scheduler.schedule(() -> {
                AcquireTimeoutException ex = timeoutException(timeout, null);
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
     * The endpoint for a lease; {@code null} if every usable endpoint is busy and full (the caller waits).
     *
     * @throws NoHealthyEndpointException if no endpoint is usable
     */
    private EndpointState chooseForLease(long start) {
        EndpointSet.Snapshot snapshot = endpoints.snapshot();
        EndpointState chosen = selector.forLease(snapshot, poolHasRoom);
        if (chosen == null && !selector.anyUsable(snapshot)) {
            throw acquireFailed(start, noHealthyEndpoint(snapshot));
        }
        return chosen;
    }

    /** The endpoint an affinity key lives on, homing (or re-homing) it when it has none or its endpoint is unusable. */
    private EndpointState homeOf(String key, long start) {
        EndpointState home = affinity.getIfPresent(key);
        if (home != null && home.healthy()) {
            return home;
        }
        EndpointSet.Snapshot snapshot = endpoints.snapshot();
        EndpointState chosen = selector.forLease(snapshot, poolHasRoom);
        if (chosen == null) {
            chosen = selector.forHoming(snapshot);
        }
        if (chosen == null) {
            throw acquireFailed(start, noHealthyEndpoint(snapshot));
        }
        if (home != null && log.isDebugEnabled()) {
            log.debug("[{}] affinity key re-homed from {} to {}", name, home, chosen);
        }
        affinity.put(key, chosen);
        return chosen;
    }

    private NoHealthyEndpointException noHealthyEndpoint(EndpointSet.Snapshot snapshot) {
        Map<URI, Throwable> failures = new LinkedHashMap<>();
        for (EndpointState e : snapshot.array()) {
            failures.put(e.uri(), e.lastFailure());
        }
        return new NoHealthyEndpointException(name, failures);
    }

    /**
     * Queues a waiter, then closes the handoff race (scan again), and starts a connect if the demand calls for one.
     * The returned waiter may already be settled.
     */
    private Waiter enqueueWaiter(long start, long timeoutNanos, EndpointState preferred, EndpointState required,
                                 boolean due) {
        int limit = config.maxPendingAcquires();
        // Without pooling the connect for this caller is claimed before the caller counts as pending, so that no
        // background opener sees an uncovered waiter and opens elsewhere: every acquire is exactly one pick.
        EndpointState own = !pooling && preferred != null ? claimConnect(preferred) : null;
        if (pending.incrementAndGet() > limit) {
            pending.decrementAndGet();
            unclaimConnect(own);
            throw acquireFailed(start, new AcquireRejectedException(name, limit, stats()));
        }
        Waiter w = new Waiter(this, start, timeoutNanos, required, due);
        if (required != null) {
            constrainedWaiters.incrementAndGet();
        }
        waiters.add(w);
        if (closed) {
            unclaimConnect(own);
            w.completeExceptionally(new PoolClosedException(name));
            return w;
        }
        if (own != null) {
            startConnect(own, null, true);
            return w;
        }
        if (pooling && serveFromAvailable(w, preferred, required)) {
            return w;
        }
        if (required != null) {
            openForRequired(required);
        } else {
            openForDemand(preferred);
        }
        return w;
    }

    /**
     * The waiter's own scan, to close the handoff race: hands {@code w} an available connection if there is one.
     *
     * @return whether a connection was found (handed to {@code w}, or given back if {@code w} had settled meanwhile)
     */
    private boolean serveFromAvailable(Waiter w, EndpointState preferred, EndpointState required) {
        ManagedConnection c = takeAvailableFor(preferred, required);
        if (c == null) {
            return false;
        }
        int token = c.token();
        if (handOver(c, w, token)) {
            waiters.remove(w);
            if (multiplexed) {
                shareWithWaiters(c);
            }
        } else {
            dropShare(c, token); // the waiter settled meanwhile (timed out, cancelled): give it back
        }
        return true;
    }

    /**
     * The waiter's scan. A caller pinned to an endpoint looks there only. Otherwise: when the strategy's endpoint
     * has room to open a connection, only there (the connect there is the point: it is how a new or recovered
     * endpoint gets its share); else on any healthy endpoint, the strategy's first.
     */
    private ManagedConnection takeAvailableFor(EndpointState preferred, EndpointState required) {
        if (required != null) {
            return takeLive(required);
        }
        if (preferred != null) {
            ManagedConnection c = takeLive(preferred);
            if (c != null || (canOpenMore() && preferred.hasRoom())) {
                return c;
            }
        }
        for (EndpointState e : endpoints.array()) {
            if (e != preferred && e.healthy()) {
                ManagedConnection c = takeLive(e);
                if (c != null) {
                    return c;
                }
            }
        }
        return null;
    }

    /**
     * Takes an available connection of {@code e} that is still open: the one this thread released last if it is of
     * {@code e} and still available (thread-affine: no other thread is likely to touch it), else the first available
     * in {@code e}'s array. One that died without the pool hearing of it yet (the close callback is on its way) is
     * recycled and the next one is tried, so the caller never gets a dead lease from the fast path.
     */
    private ManagedConnection takeLive(EndpointState e) {
        while (true) {
            ManagedConnection c = takeRecent(e);
            if (c == null) {
                c = e.takeAvailable();
            }
            if (c == null) {
                return multiplexed ? joinShared(e) : null;
            }
            if (c.isOpen()) {
                if (multiplexed) {
                    c.setLeases(1);
                }
                return c;
            }
            retireDead(c);
        }
    }

    /** Recycles a connection just taken (ACTIVE, ours) that turned out closed. */
    private void retireDead(ManagedConnection c) {
        // ours either way: the close callback may have marked it UNHEALTHY meanwhile, expecting a holder to release
        // it, and there is no holder
        if (c.transition(ACTIVE, RECYCLING) || c.transition(UNHEALTHY, RECYCLING)) {
            recycle(c, RecycleReason.PEER_CLOSED);
        }
    }

    /** The connection this thread released last, taken (→ ACTIVE) if it belongs to {@code e} and is available. */
    private ManagedConnection takeRecent(EndpointState e) {
        ManagedConnection c = recent.get();
        return c != null && c.endpoint == e && c.take() ? c : null;
    }

    /**
     * With shared connections: one more lease on the least-shared joinable connection of {@code e}, or {@code null}.
     * A connection that changed state while being joined is left again.
     */
    private ManagedConnection joinShared(EndpointState e) {
        while (true) {
            ManagedConnection best = null;
            for (ManagedConnection c : e.connections()) {
                if (joinable(c) && c.leases() < maxLeases && (best == null || c.leases() < best.leases())) {
                    best = c;
                }
            }
            if (best == null) {
                return null;
            }
            if (best.tryJoin(maxLeases)) {
                if (best.state() == ACTIVE) {
                    return best;
                }
                undoJoin(best); // broken meanwhile
            }
        }
    }

    /** Whether another lease may share {@code c}: it is leased, healthy, open, not expiring, not marked. */
    private boolean joinable(ManagedConnection c) {
        return c.state() == ACTIVE && c.leases() >= 1 && !c.invalidated && !closed && !c.expired
                && c.endpoint.healthy() && c.isOpen();
    }

    /** Leaves a share that was taken for nobody; if it was the last, the connection goes on as on release. */
    private void undoJoin(ManagedConnection c) {
        if (c.leaveShare() == 0) {
            lastLeaseGone(c, c.token()); // the last share: the holding is ours
        }
    }

    /** Hands spare shares of an ACTIVE shared connection to waiters, oldest first. */
    private void shareWithWaiters(ManagedConnection c) {
        while (pending.get() > 0 && joinable(c)) {
            if (!c.tryJoin(maxLeases)) {
                return;
            }
            Waiter w = nextWaiterFor(c, false);
            if (w != null && handOver(c, w, c.token())) {
                continue;
            }
            undoJoin(c);
            if (w == null) {
                return;
            }
        }
    }

    private boolean canOpenMore() {
        return slots.get() < config.maxConnections();
    }

    /**
     * Leases an ACTIVE connection the caller owns to the calling thread, on the fast path: it did not wait, so the
     * time it started is the lease's start too (one clock read fewer per acquire).
     */
    private Lease lease(ManagedConnection c, long start) {
        Lease lease = new Lease(c, start, c.token());
        acquired(c, start, start);
        if (leakThresholdNanos > 0) {
            watchForLeak(lease);
        }
        return lease;
    }

    /**
     * Tries to hand an ACTIVE connection the caller owns (the holding {@code token}) to a waiter; {@code false} if
     * the waiter had settled, and the holding is still the caller's.
     */
    private boolean handOver(ManagedConnection c, Waiter w, int token) {
        if (w.isDone() || !w.accepts(c.endpoint)) {
            return false;
        }
        long now = events.enabled() || leakThresholdNanos > 0 ? ticker.read() : UNTIMED;
        Lease lease = new Lease(c, now, token);
        if (leakThresholdNanos > 0) {
            watchForLeak(lease); // before the waiter can see (and release) it
        }
        if (w.complete(lease)) {
            acquired(c, w.startedAt, now);
            return true;
        }
        unwatch(lease);
        return false;
    }

    private void acquired(ManagedConnection c, long start, long now) {
        // an untimed start means nobody listened when the acquire began (a listener added since misses this one)
        if (start != UNTIMED && events.enabled()) {
            Duration waited = start == UNTIMED || now == UNTIMED ? Duration.ZERO : Duration.ofNanos(now - start);
            AcquireEvent event = new AcquireEvent(name, c.id, c.endpoint, waited);
            events.publish("onAcquire", event, PoolListener::onAcquire);
        }
    }

    private <E extends PoolException> E acquireFailed(long start, E failure) {
        if (events.enabled()) {
            Duration waited = start == UNTIMED ? Duration.ZERO : Duration.ofNanos(ticker.read() - start);
            AcquireFailureEvent event = new AcquireFailureEvent(name, waited, failure);
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

    private AcquireTimeoutException timeoutException(Duration timeout, EndpointState required) {
        return new AcquireTimeoutException(name, timeout, stats(), recentConnectFailure(required));
    }

    /** The latest failure of an endpoint that is failing now (its last connect attempt failed), else {@code null}. */
    private Throwable recentConnectFailure(EndpointState required) {
        if (required != null) {
            return required.lastFailure();
        }
        Throwable latest = null;
        for (EndpointState e : endpoints.array()) {
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
        if (waiter.required != null) {
            constrainedWaiters.decrementAndGet();
        }
        if (!fulfilled) {
            waiters.remove(waiter);
        }
    }

    /** A lease under watch: where it was acquired, and the task that reports it if it is held too long. */
    private static final class LeakWatch {
        final Throwable acquiredAt = new Throwable("the lease was acquired here");
        volatile PoolScheduler.Cancellable task;
        volatile boolean reported;
    }

    private void watchForLeak(Lease lease) {
        LeakWatch watch = new LeakWatch();
        leakWatches.put(lease, watch);
        watch.task = scheduler.schedule(() -> {
            if (leakWatches.containsKey(lease)) {
                watch.reported = true;
                log.warn("[{}] possible connection leak: {} has been leased for more than {} ms without being"
                        + " released; close() every PooledConnection, e.g. with try-with-resources", name,
                        lease.connection.id, TimeUnit.NANOSECONDS.toMillis(leakThresholdNanos), watch.acquiredAt);
            }
        }, leakThresholdNanos);
    }

    private LeakWatch unwatch(Lease lease) {
        LeakWatch watch = leakWatches.remove(lease);
        if (watch != null && watch.task != null) {
            watch.task.cancel();
        }
        return watch;
    }

    /**
     * The oldest waiter that can use {@code c}, removed from the queue; {@code null} if none, or, with
     * {@code dueOnly}, if that oldest one is still in its barging window (younger ones are not served before it).
     */
    private Waiter nextWaiterFor(ManagedConnection c, boolean dueOnly) {
        if (constrainedWaiters.get() == 0) {
            while (true) {
                Waiter w = waiters.peek();
                if (w == null || (dueOnly && !w.due)) {
                    return null;
                }
                if (!w.accepts(c.endpoint)) {
                    break; // a pinned waiter slipped in meanwhile: search
                }
                if (waiters.remove(w)) { // the head: found at once
                    return w;
                }
            }
        }
        for (Waiter w : waiters) {
            if (!w.isDone() && w.accepts(c.endpoint)) {
                if (dueOnly && !w.due) {
                    return null;
                }
                if (waiters.remove(w)) {
                    return w;
                }
            }
        }
        return null;
    }

    /** Whether a waiter can use {@code c}; with {@code dueOnly}, whether the oldest that can is due. */
    private boolean hasWaiterFor(ManagedConnection c, boolean dueOnly) {
        if (pending.get() == 0) {
            return false;
        }
        if (constrainedWaiters.get() == 0) {
            if (!dueOnly) {
                return true;
            }
            Waiter w = waiters.peek(); // due is set only once a waiter is queued: the head tells
            return w != null && w.due;
        }
        for (Waiter w : waiters) {
            if (!w.isDone() && w.accepts(c.endpoint)) {
                return !dueOnly || w.due;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------------ release

    @Override
    public void release(Lease lease) {
        ManagedConnection c = lease.connection;
        boolean publish = events.enabled();
        int token;
        if (multiplexed || publish || leakThresholdNanos > 0) {
            // exactly-once right here: shares of one connection are told apart only by their leases, and events and
            // leak bookkeeping happen before the release reaches the connection
            token = lease.claim();
            if (token < 0) {
                return;
            }
        } else {
            token = lease.token();
            if (token < 0) {
                return;
            }
            lease.markReleased(); // no CAS: the first move on the connection expects the token, and succeeds once
        }
        messaging.released(lease); // before the connection moves: nothing of this holder's may reach the next one
        // No clock read unless someone looks at the time: the housekeeper timestamps the use (markUsed) and marks
        // expiry (c.expired) on its sweeps instead.
        long now = publish || leakThresholdNanos > 0 ? ticker.read() : UNTIMED;
        if (leakThresholdNanos > 0) {
            LeakWatch watch = unwatch(lease);
            if (watch != null && watch.reported) {
                log.info("[{}] {} previously reported as a possible leak was returned after {} ms", name, c.id,
                        TimeUnit.NANOSECONDS.toMillis(now - lease.acquiredAt));
            }
        }
        c.markUsed();
        if (publish) {
            Duration held = lease.acquiredAt == UNTIMED || now == UNTIMED ? Duration.ZERO
                    : Duration.ofNanos(now - lease.acquiredAt);
            ReleaseEvent event = new ReleaseEvent(name, c.id, c.endpoint, held);
            events.publish("onRelease", event, PoolListener::onRelease);
        }
        dropShare(c, token);
        if (closed) {
            signalShutdownProgress();
        }
    }

    /** One lease of {@code c} (of the holding {@code token}) ended: with shared connections, others may still hold it. */
    private void dropShare(ManagedConnection c, int token) {
        if (multiplexed) {
            if (c.leaveShare() > 0) {
                if (pending.get() > 0) {
                    shareWithWaiters(c); // a share came free
                }
                return;
            }
        }
        lastLeaseGone(c, token);
    }

    /**
     * Decides what happens to a connection whose last lease (of the holding {@code token}) ended: passed on, made
     * READY, or recycled. Every move here expects the token, so a second release of the same lease changes nothing.
     */
    private void lastLeaseGone(ManagedConnection c, int token) {
        if (c.isActive(token)) {
            RecycleReason reason = recycleReasonOnRelease(c);
            if (reason == null) {
                if (offer(c, token, threadAffine)) {
                    recent.put(c); // available again: this thread tries it first on its next acquire
                }
                return; // passed on: no longer ours to look at
            }
            if (c.transition(token, ACTIVE, RECYCLING)) {
                recycle(c, reason);
                return;
            }
            // broken while we decided
        }
        recycleIfBroken(c, token);
    }

    /** Recycles {@code c} if it went UNHEALTHY during the holding {@code token}: nobody else will. */
    private void recycleIfBroken(ManagedConnection c, int token) {
        if (c.transition(token, UNHEALTHY, RECYCLING)) {
            recycle(c, c.brokenReason);
        }
    }

    private RecycleReason recycleReasonOnRelease(ManagedConnection c) {
        if (closed) {
            return RecycleReason.SHUTDOWN;
        }
        if (!c.endpoint.healthy()) { // one read: draining is one of the things that make an endpoint unhealthy
            // removed, or ejected or failing its check: do not pass it on
            return c.endpoint.isDraining() ? RecycleReason.ENDPOINT_REMOVED : RecycleReason.UNHEALTHY;
        }
        if (!pooling) {
            return RecycleReason.NOT_POOLED;
        }
        if (c.invalidated) {
            return RecycleReason.INVALIDATED;
        }
        if (c.transportFinished) {
            return RecycleReason.PEER_CLOSED; // (one that closed unannounced is caught by the next take's isOpen())
        }
        if (c.expired) {
            return RecycleReason.LIFETIME; // the housekeeper saw its lifetime pass while it was leased
        }
        return null;
    }

    /**
     * Makes an ACTIVE connection that the caller owns available again: to the oldest waiter that can use it (it stays
     * ACTIVE), else READY. See the class comment for why waiters are looked for again after READY.
     *
     * <p>With {@code barge}, only a waiter past its barging window gets it; while the oldest waiter is still in its
     * window the connection goes READY, for whichever running thread asks first (the releasing thread, usually).
     *
     * <p>The caller holds the connection as the holding {@code token}; the first move here expects it (a new holding
     * for a waiter, or READY), so only one release of a lease gets past it.
     *
     * @return whether it was made READY (not handed to a waiter, not found broken, not released twice)
     */
    private boolean offer(ManagedConnection c, int token, boolean barge) {
        while (true) {
            if (pending.get() > 0 && (!barge || hasWaiterFor(c, true))) {
                int next = c.handOn(token); // a new holding for the waiter; the connection stays ACTIVE
                if (next < 0) {
                    recycleIfBroken(c, token); // broken meanwhile; or not ours at all (a second release)
                    return false;
                }
                token = next;
                Waiter w;
                while (c.isActive(token) && (w = nextWaiterFor(c, barge)) != null) {
                    if (multiplexed) {
                        c.setLeases(1); // before the waiter can see (and release) it
                    }
                    if (handOver(c, w, token)) {
                        if (multiplexed) {
                            shareWithWaiters(c);
                        }
                        return false;
                    }
                    if (multiplexed && c.leaveShare() > 0) {
                        return false; // someone joined meanwhile: theirs now, their release decides
                    }
                }
            }
            if (!c.makeReady(token)) {
                // Broken meanwhile (the peer closed it): it is still ours, and nobody else will recycle it. (Or, on a
                // second release of the same lease, not ours at all: then this does nothing.)
                recycleIfBroken(c, token);
                return false;
            }
            if (!hasWaiterFor(c, barge) || !c.take()) {
                return true;
            }
            token = c.token();
            // a (due) waiter arrived between the search and READY, and we took the connection back: hand it over
        }
    }

    @Override
    public Messaging messaging() {
        return messaging;
    }

    @Override
    public PoolScheduler scheduler() {
        return scheduler;
    }

    @Override
    public void requestTimedOut(ManagedConnection c, io.github.wspool.RequestTimeoutException failure) {
        recordConnectionFailure(c, failure);
    }

    @Override
    public void sendSucceeded(ManagedConnection c) {
        connectionBreakers.success(c);
    }

    /** Records a failed send or ping; an open breaker makes the connection unhealthy. */
    private void recordConnectionFailure(ManagedConnection c, Throwable failure) {
        CircuitBreaker b = connectionBreakers.failure(c, failure);
        if (b != null && b.getState() == CircuitBreaker.State.OPEN) {
            log.warn("[{}] {} to {} is unhealthy: its circuit breaker opened ({}% of its last sends and pings failed)",
                    name, c.id, c.endpoint, Math.round(b.getMetrics().getFailureRate()));
            markBroken(c, RecycleReason.UNHEALTHY);
        }
    }

    @Override
    public RuntimeException sendFailed(ManagedConnection c, RuntimeException failure) {
        connectionBreakers.failure(c, failure);
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

    /** Reserves a slot under both the pool-wide and the endpoint's cap. */
    private boolean reserveSlot(EndpointState e) {
        return reserveSlot(e, config.maxConnections());
    }

    /**
     * Reserves a slot if fewer than {@code limit} are taken (and the endpoint's cap allows): one CAS decides, so
     * concurrent refills cannot together overshoot {@code minConnections}.
     */
    private boolean reserveSlot(EndpointState e, int limit) {
        if (attempts.get() >= config.maxConcurrentConnects()) {
            return false; // the pool-wide cap on connects in flight (a soft cap: checked, then counted)
        }
        int max = Math.min(limit, config.maxConnections());
        while (true) {
            int n = slots.get();
            if (n >= max) {
                return false;
            }
            if (slots.compareAndSet(n, n + 1)) {
                if (e.tryReserve()) {
                    if (connectRatePermits(e)) {
                        return true;
                    }
                    e.slots.decrementAndGet();
                }
                slots.decrementAndGet();
                return false;
            }
        }
    }

    /**
     * Takes a permit from the endpoint's and the pool's connect rate limits, or neither. When one refuses, schedules
     * a wake-up for when it allows the next connect, so that waiters and the minimum are served then.
     */
    private boolean connectRatePermits(EndpointState e) {
        ConnectRate er = e.connectRate;
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
        if (!closed && rateWakeupScheduled.compareAndSet(false, true)) {
            if (log.isDebugEnabled()) {
                log.debug("[{}] connect to {} held back {} us by maxConnectRate", name, e,
                        TimeUnit.NANOSECONDS.toMicros(wait));
            }
            scheduler.schedule(() -> {
                rateWakeupScheduled.set(false);
                if (!closed) {
                    openForDemand(null);
                    requestMaintenance();
                }
            }, wait);
        }
        return false;
    }

    private void freeSlot(EndpointState e) {
        e.slots.decrementAndGet();
        slots.decrementAndGet();
    }

    /**
     * Opens connections for waiters not yet covered by a connect in flight. The first opens on {@code preferred}
     * (the strategy's pick for the acquire that caused it) when it can take one; the rest where background
     * connections go.
     */
    private void openForDemand(EndpointState preferred) {
        long now = ticker.read();
        boolean retried = false;
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
            EndpointState e = preferred != null && preferred.mayConnect(now) && preferred.hasRoom()
                    ? preferred : selector.forNewConnection(endpoints.snapshot(), now);
            preferred = null;
            if (e == null || !reserveSlot(e)) {
                connecting.decrementAndGet();
                // A slot freed meanwhile may have seen this claim and left the demand to it: now that the claim is
                // released, look once more if there is room. Only once, and not when the cap on connects in flight
                // is what refused: a connect settling wakes demand again (onOpen, or maintenance after a failure).
                if (e != null && !retried && canOpenMore() && attempts.get() < config.maxConcurrentConnects()) {
                    retried = true;
                    continue;
                }
                return;
            }
            startConnect(e, null, true);
        }
    }

    /** Claims a connect (demand count and slot) on {@code e}; returns {@code e}, or {@code null} if it cannot take one. */
    private EndpointState claimConnect(EndpointState e) {
        if (!e.mayConnect(ticker.read())) {
            return null;
        }
        connecting.incrementAndGet();
        if (reserveSlot(e)) {
            return e;
        }
        connecting.decrementAndGet();
        return null;
    }

    private void unclaimConnect(EndpointState e) {
        if (e != null) {
            freeSlot(e);
            connecting.decrementAndGet();
        }
    }

    /** Opens a connection on the endpoint a pinned waiter needs, unless enough are already opening there. */
    private void openForRequired(EndpointState e) {
        int needing = 0;
        for (Waiter w : waiters) {
            if (!w.isDone() && w.required == e) {
                needing++;
            }
        }
        if (e.connecting.get() < needing && e.mayConnect(ticker.read()) && reserveSlot(e)) {
            startConnect(e, null, false);
        }
    }

    /**
     * Starts a connect on a reserved slot. {@code opened} (fail-fast initialization only) is completed with the open
     * connection or the failure. {@code counted}: the caller already counted it in {@code connecting}.
     */
    private void startConnect(EndpointState e, CompletableFuture<ManagedConnection> opened, boolean counted) {
        long now = ticker.read();
        ManagedConnection c = new ManagedConnection(name + "-" + connectionSequence.incrementAndGet(), e, this, now);
        if (!counted) {
            connecting.incrementAndGet();
        }
        attempts.incrementAndGet();
        e.connecting.incrementAndGet();
        e.add(c);
        ConnectCallbacks callbacks = new ConnectCallbacks(c, now, opened);
        if (closed) {
            // close() began after the caller checked: either its sweep saw c (added above) or this sees closed
            callbacks.onClosed(-1, "pool closed", false, new PoolClosedException(name));
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} connecting to {}", name, c.id, e);
        }
        boolean refresh = e.refreshHeadersNext.getAndSet(false);
        c.refreshedHeaders = refresh;
        try {
            c.handle = transport.connect(e.uri(), e.transportOptions.withRefreshHeaders(refresh), callbacks);
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
                deadline = null; // the callbacks live as long as the connection: let the task go
            }
            c.endpoint.connecting.decrementAndGet();
            attempts.decrementAndGet();
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
                // A waiter that arrived meanwhile may have found its demand covered by the count released only now.
                if (pending.get() > 0 && !closed) {
                    openForDemand(null);
                }
            }
        }

        private void opened(TransportConnection connection) {
            long now = ticker.read();
            c.transport = connection;
            connectionBreakers.opened(c);
            c.lastUsedAt = now;
            c.expiresAt = maxLifetimeNanos > 0 ? now + maxLifetimeNanos - lifetimeJitter() : Long.MAX_VALUE;
            c.nextPingAt = pingIntervalNanos > 0 ? now + pingIntervalNanos - pingJitter() : Long.MAX_VALUE;
            c.nextProbeAt = config.healthProbe() != null ? now + config.probeInterval().toNanos() : Long.MAX_VALUE;
            EndpointState e = c.endpoint;
            e.recordLatency(now - startedAt, now);
            boolean wasEjected = e.isEjected();
            int failuresBefore = e.connectSucceeded();
            if (failuresBefore > 0) {
                log.info("[{}] {} reachable again after {} failed connect attempt(s){}", name, e, failuresBefore,
                        wasEjected ? ": healthy again" : "");
            }
            if (wasEjected && events.enabled()) {
                events.publish("onEndpointHealthChange", new EndpointHealthEvent(name, e, true, null),
                        PoolListener::onEndpointHealthChange);
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
            if (closed || e.isDraining()) {
                if (c.transition(READY, RECYCLING)) {
                    recycle(c, closed ? RecycleReason.SHUTDOWN : RecycleReason.ENDPOINT_REMOVED);
                }
                return;
            }
            if (hasWaiterFor(c, false) && c.take()) {
                offer(c, c.token(), false); // opened for waiters: theirs, no barging; READY again or not, no matter
            } else if (!pooling && c.transition(READY, RECYCLING)) {
                recycle(c, RecycleReason.NOT_POOLED); // nobody is waiting for it, and unpooled connections are not kept
                return;
            }
            if (pingIntervalNanos > 0) {
                requestMaintenance(); // housekeeping last ran before this connection existed: let it see its ping
            }
        }

        @Override
        public void onText(String text) {
            String probe = c.probeId;
            if (probe != null && probeReply(text, probe)) {
                c.probeId = null;
                c.probeFailures = 0;
                connectionBreakers.success(c);
                return; // the pool's own message: not the application's
            }
            if (log.isTraceEnabled()) {
                log.trace("[{}] {} received a text message of {} chars", name, c.id, text.length());
            }
            messaging.inbound(c, text);
        }

        @Override
        public void onBinary(ByteBuffer data) {
            if (log.isTraceEnabled()) {
                log.trace("[{}] {} received a binary message of {} bytes", name, c.id, data.remaining());
            }
            messaging.inbound(c, data);
        }

        @Override
        public void onPong() {
            if (log.isTraceEnabled()) {
                log.trace("[{}] {} pong received", name, c.id);
            }
            long now = ticker.read();
            c.awaitingPong = false;
            c.missedPongs = 0;
            c.successfulPongs++;
            connectionBreakers.success(c);
            c.endpoint.connectionFailures.set(0);
            long sentAt = c.lastPingSentAt;
            if (sentAt != 0) {
                c.endpoint.recordLatency(now - sentAt, now);
                if (events.enabled()) {
                    PongEvent event = new PongEvent(name, c.id, c.endpoint, Duration.ofNanos(now - sentAt));
                    events.publish("onPong", event, PoolListener::onPong);
                }
            }
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
            messaging.connectionClosed(c, code);
            boolean recycling = c.state() == RECYCLING;
            // 1002 protocol error, 1007 invalid data, 1009 message too big: this client failed the connection
            // because of what the server sent
            boolean violation = !remote && !recycling && (code == 1002 || code == 1007 || code == 1009);
            boolean abnormal = !recycling && (violation || error != null || code == 1006 || code == 1011);
            if (violation) {
                log.warn("[{}] {} closed by this client with code {}: {}; counted as a failure of {}", name, c.id, code,
                        code == 1009 ? "the server sent a message larger than maxMessageSize ("
                                + config.maxMessageSize() + " bytes)" : "the server broke the WebSocket protocol ("
                                + HttpHeaders.printable(reason) + ")", c.endpoint);
            }
            markBroken(c, violation ? RecycleReason.PROTOCOL_VIOLATION
                    : error != null ? RecycleReason.ERROR : RecycleReason.PEER_CLOSED);
            finishIfRecycling(c);
            if (abnormal) {
                // 1000/1001 from the server is an orderly goodbye; a reset, 1006 or 1011 counts against the endpoint
                connectionFailedOn(c.endpoint, "closed abnormally (code " + code
                        + (error != null ? ", " + describe(error) : "") + ")", ticker.read());
            }
        }

        private void connectFailed(int code, String reason, Throwable error) {
            long now = ticker.read();
            EndpointState e = c.endpoint;
            EndpointConnectException failure = connectFailure(e, code, reason, error);
            if (retryWithFreshHeaders(e, failure, now)) {
                return;
            }
            boolean wasEjected = e.isEjected();
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
            if (!wasEjected && e.isEjected() && !closed) {
                log.warn("[{}] {} is unhealthy after {} failed connects in a row; it gets no leases until a probe"
                        + " connect succeeds", name, e, failures);
                if (events.enabled()) {
                    events.publish("onEndpointHealthChange", new EndpointHealthEvent(name, e, false, failure),
                            PoolListener::onEndpointHealthChange);
                }
                failWaitersIfNoEndpointUsable();
            }
            requestMaintenance(); // retry after the backoff delay, for min connections, waiters or a probe
        }

        /**
         * A 401/403 with a header supplier: the credentials were probably stale. Instead of counting a failure (breaker,
         * backoff), the endpoint's next connect asks the supplier to refresh, and that next connect comes at once:
         * for waiters and the minimum through the usual demand, for fail-fast initialization here. A rejection of
         * refreshed credentials counts as usual.
         */
        private boolean retryWithFreshHeaders(EndpointState e, EndpointConnectException failure, long now) {
            int status = failure.statusCode();
            if ((status != 401 && status != 403) || config.headerSupplier() == null
                    || !config.refreshHeadersOnAuthFailure() || c.refreshedHeaders || closed) {
                return false;
            }
            log.info("[{}] {} rejected the upgrade with {}: retrying at once with headers the supplier refreshes", name,
                    e, status);
            if (events.enabled()) {
                ConnectEvent event = new ConnectEvent(name, c.id, e, Duration.ofNanos(now - startedAt), failure);
                events.publish("onConnect", event, PoolListener::onConnect);
            }
            e.refreshHeadersNext.set(true);
            if (c.transition(INITIALIZING, FAILED) && c.transition(FAILED, RECYCLING)) {
                recycle(c, RecycleReason.CONNECT_FAILED); // frees the slot; waiting acquirers open the retry
            }
            if (opened != null) {
                if (reserveSlot(e)) {
                    startConnect(e, opened, false);
                } else {
                    opened.completeExceptionally(failure);
                }
            } else {
                requestMaintenance(); // the minimum, if nobody is waiting
            }
            return true;
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

    /** When the last usable endpoint went unhealthy, waiting callers get the failure now, not at their timeout. */
    private void failWaitersIfNoEndpointUsable() {
        EndpointSet.Snapshot snapshot = endpoints.snapshot();
        if (selector.anyUsable(snapshot)) {
            return;
        }
        NoHealthyEndpointException failure = noHealthyEndpoint(snapshot);
        for (Waiter w : waiters) {
            if (w.completeExceptionally(failure)) {
                acquireFailed(w.startedAt, failure);
            }
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
                int code = reason == RecycleReason.SHUTDOWN || reason == RecycleReason.ENDPOINT_REMOVED
                        ? GOING_AWAY : NORMAL_CLOSURE;
                try {
                    t.close(code, reason.tagValue());
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
            EndpointState e = c.endpoint;
            e.remove(c);
            recent.forget(c);
            freeSlot(e);
            if (e.isDraining()) {
                finishDrainIfEmpty(e);
            }
            if (closed) {
                signalShutdownProgress();
            } else {
                if (pending.get() > 0) {
                    openForDemand(null);
                }
                if (pooling && slots.get() < config.minConnections()) {
                    requestMaintenance();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ endpoints

    void addEndpoint(URI uri, int weight) {
        addEndpoint(uri, weight, Map.of());
    }

    void addEndpoint(URI uri, int weight, Map<String, String> headers) {
        EndpointUris.requireWebSocketUri(uri);
        EndpointUris.requireWeight(uri, weight);
        Objects.requireNonNull(headers, "endpoint headers must not be null (use an empty map)");
        headers.forEach((k, v) -> {
            String problem = HttpHeaders.problem(k, v);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
        });
        if (closed) {
            throw new PoolClosedException(name);
        }
        EndpointState e = newEndpoint(uri, weight, headers);
        if (!endpoints.add(e)) {
            throw new IllegalArgumentException("pool '" + name + "' already has endpoint '" + Endpoint.describe(uri) + "'");
        }
        log.info("[{}] endpoint {} added", name, e);
        if (events.enabled()) {
            events.publish("onEndpointAdded", new EndpointEvent(name, e), PoolListener::onEndpointAdded);
        }
        requestMaintenance();
    }

    CompletableFuture<Void> removeEndpoint(URI uri, Duration drainTimeout) {
        long drainNanos = timeoutNanos(Objects.requireNonNull(drainTimeout, "drainTimeout"));
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
                        + " last endpoint of pool '" + name + "' (add another first, or close the pool)");
            }
            e.startDraining();
            log.info("[{}] removing endpoint {}: draining {} connection(s), {} leased, up to {} ms", name, e,
                    e.slots.get(), e.activeLeases(), drainTimeout.toMillis());
            for (ManagedConnection c : e.connections()) {
                ConnectionState s = c.state();
                if (s.isAvailable() && c.transition(s, RECYCLING)) {
                    recycle(c, RecycleReason.ENDPOINT_REMOVED);
                }
            }
            scheduler.schedule(() -> forceDrain(e), drainNanos);
            finishDrainIfEmpty(e);
        }
        return e.drained.copy();
    }

    /** The drain timeout passed: close what is still open on the removed endpoint, leased or not. */
    private void forceDrain(EndpointState e) {
        for (ManagedConnection c : e.connections()) {
            ConnectionState s = c.state();
            if ((s == ACTIVE || s == UNHEALTHY || s.isAvailable()) && c.transition(s, RECYCLING)) {
                recycle(c, RecycleReason.ENDPOINT_REMOVED);
            } else if (s == INITIALIZING && c.handle != null) {
                c.handle.abort();
            }
        }
    }

    private void finishDrainIfEmpty(EndpointState e) {
        if (e.slots.get() == 0 && e.markRemoved()) {
            endpoints.remove(e);
            affinity.asMap().values().removeIf(home -> home == e);
            log.info("[{}] endpoint {} removed", name, e);
            if (events.enabled()) {
                events.publish("onEndpointRemoved", new EndpointEvent(name, e), PoolListener::onEndpointRemoved);
            }
            e.drained.complete(null);
        }
    }

    void updateWeight(URI uri, int weight) {
        EndpointUris.requireWeight(uri, weight);
        EndpointState e = existing(uri);
        e.weight(weight);
        log.info("[{}] endpoint {} weight set to {}", name, Endpoint.describe(uri), weight);
    }

    private EndpointState existing(URI uri) {
        Objects.requireNonNull(uri, "uri");
        EndpointState e = endpoints.find(uri);
        if (e == null) {
            throw new IllegalArgumentException("pool '" + name + "' has no endpoint '" + Endpoint.describe(uri) + "'");
        }
        return e;
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
     * opened to restore {@code minConnections} and to serve waiters, and probes to unhealthy endpoints, as far as
     * backoff allows.
     *
     * <p>Releases do not read the clock: a connection released since the last pass has its {@linkplain
     * ManagedConnection#markUsed used flag} up, and this pass takes the flag and counts {@code now} as its last use.
     * So idle time is measured from the first pass after the last use: never early, and late by at most the time
     * between two passes (at most 5 s, {@code MAX_MAINTENANCE_DELAY}). A connection past its lifetime is
     * marked {@code expired} here, so that the release of a leased one recycles it without a clock read; the pass
     * is scheduled for the earliest lifetime end, leased connections included.
     *
     * @return nanoseconds until the next pass has something to do (bounded to [1 ms, 5 s])
     */
    long maintain(long now) {
        if (closed) {
            return MAX_MAINTENANCE_DELAY;
        }
        long next = now + MAX_MAINTENANCE_DELAY;
        int open = slots.get();
        int min = pooling ? config.minConnections() : 0;
        for (EndpointState e : endpoints.array()) {
            e.refreshHealth(); // event-driven anyway; this bounds the damage of a lost update to one pass
            for (ManagedConnection c : e.connections()) {
                if (c.takeUsed()) {
                    c.lastUsedAt = now; // released since the last pass
                }
                ConnectionState s = c.state();
                if (s == READY || s == IDLE || s == ACTIVE) {
                    if (now - c.expiresAt >= 0) {
                        c.expired = true; // before the CAS: whoever wins it recycles the connection on release
                        if (s != ACTIVE && c.transition(s, RECYCLING)) {
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
                if (config.healthProbe() != null) {
                    next = Math.min(next, applicationProbe(c, now));
                }
            }
            if (config.endpointHealthUrl() != null) {
                next = Math.min(next, endpointCheck(e, now));
            }
            next = Math.min(next, probe(e, now));
        }
        next = Math.min(next, refill(now, min));
        long delay = next - now;
        return Math.max(MIN_MAINTENANCE_DELAY, Math.min(MAX_MAINTENANCE_DELAY, delay));
    }

    /**
     * Checks the outstanding ping's deadline and sends the next keepalive ping when due; returns when this connection
     * next needs a look. A connection that misses {@code maxMissedPongs} pongs in a row is unhealthy: only a pong
     * proves the peer alive.
     */
    private long keepalive(ManagedConnection c, long now) {
        if (pingIntervalNanos <= 0) {
            return Long.MAX_VALUE;
        }
        if (c.awaitingPong && now - c.pongDeadline >= 0) {
            c.awaitingPong = false;
            if (++c.missedPongs >= config.maxMissedPongs()) {
                pongMissed(c);
                return Long.MAX_VALUE;
            }
            recordConnectionFailure(c, new TimeoutException("no pong within "
                    + TimeUnit.NANOSECONDS.toMillis(pongTimeoutNanos) + " ms"));
            if (c.state() != READY && c.state() != IDLE && c.state() != ACTIVE) {
                return Long.MAX_VALUE; // the breaker opened: recycled
            }
        }
        if (!c.awaitingPong && now - c.nextPingAt >= 0) {
            // never while a ping is out: a new ping would push the outstanding pong's deadline forward forever
            TransportConnection t = c.transport;
            if (t != null && !c.transportFinished) {
                try {
                    c.lastPingSentAt = now;
                    c.pongDeadline = now + pongTimeoutNanos;
                    c.awaitingPong = true;
                    t.ping();
                    if (log.isTraceEnabled()) {
                        log.trace("[{}] {} ping sent", name, c.id);
                    }
                } catch (RuntimeException e) {
                    log.debug("[{}] {} keepalive ping failed", name, c.id, e); // the close callback follows
                }
            }
            c.nextPingAt = now + pingIntervalNanos - pingJitter();
        }
        return c.awaitingPong ? Math.min(c.nextPingAt, c.pongDeadline) : c.nextPingAt;
    }

    /** Starts the endpoint's HTTP health check on the health thread when due; returns when it is next due. */
    private long endpointCheck(EndpointState e, long now) {
        if (e.isDraining()) {
            return Long.MAX_VALUE;
        }
        if (e.checkInFlight) {
            return e.nextCheckAt; // its completion wakes housekeeping too
        }
        if (now - e.nextCheckAt < 0) {
            return e.nextCheckAt;
        }
        URI url;
        try {
            url = config.endpointHealthUrl().apply(e.uri());
        } catch (RuntimeException ex) {
            log.warn("[{}] health URL mapping failed for {}", name, e, ex);
            e.nextCheckAt = now + config.endpointHealthInterval().toNanos();
            return e.nextCheckAt;
        }
        e.checkInFlight = true;
        e.nextCheckAt = now + config.endpointHealthInterval().toNanos();
        try {
            healthChecks().execute(() -> {
                try {
                    checked(e, url, HttpHealthCheck.check(url, config.endpointHealthTimeout()));
                } finally {
                    e.checkInFlight = false;
                    requestMaintenance();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            e.checkInFlight = false;
        }
        return e.nextCheckAt;
    }

    /** Folds one health-check result into the endpoint's state (on the health thread). */
    private void checked(EndpointState e, URI url, String failure) {
        if (closed) {
            return;
        }
        if (failure == null) {
            e.checkFailures = 0;
            if (e.checkFailing() && ++e.checkPasses >= config.endpointHealthyThreshold()) {
                e.checkFailing(false);
                log.info("[{}] {} passed {} health check(s) in a row: healthy again", name, e, e.checkPasses);
                if (events.enabled()) {
                    events.publish("onEndpointHealthChange", new EndpointHealthEvent(name, e, true, null),
                            PoolListener::onEndpointHealthChange);
                }
                requestMaintenance();
            }
            return;
        }
        e.checkPasses = 0;
        if (!e.checkFailing() && ++e.checkFailures >= config.endpointUnhealthyThreshold()) {
            e.checkFailing(true);
            EndpointConnectException cause = new EndpointConnectException(e.uri(), "health check "
                    + Endpoint.describe(url) + " failed " + e.checkFailures + " time(s) in a row: " + failure, 0, null);
            e.noteFailure(cause);
            log.warn("[{}] {} is unhealthy: {}; its idle connections are drained", name, e, cause.getMessage());
            if (events.enabled()) {
                events.publish("onEndpointHealthChange", new EndpointHealthEvent(name, e, false, cause),
                        PoolListener::onEndpointHealthChange);
            }
            for (ManagedConnection c : e.connections()) {
                ConnectionState s = c.state();
                if (s.isAvailable() && c.transition(s, RECYCLING)) {
                    recycle(c, RecycleReason.UNHEALTHY);
                }
            }
            failWaitersIfNoEndpointUsable();
        }
    }

    /** The health-check thread, started on first use; joined on close. */
    private java.util.concurrent.ExecutorService healthChecks() {
        java.util.concurrent.ExecutorService ex = healthExecutor;
        if (ex == null) {
            healthLock.lock();
            try {
                ex = healthExecutor;
                if (ex == null) {
                    ex = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                        Thread t = new Thread(r, "wspool-" + name + "-health");
                        t.setDaemon(true);
                        healthThread = t;
                        return t;
                    });
                    healthExecutor = ex;
                }
            } finally {
                healthLock.unlock();
            }
        }
        return ex;
    }

    private boolean probeReply(String text, String probeId) {
        try {
            return config.healthProbe().isReply(text, probeId);
        } catch (RuntimeException e) {
            log.warn("[{}] health probe {} threw from isReply; treating the message as no reply", name,
                    config.healthProbe().getClass().getName(), e);
            return false;
        }
    }

    /**
     * Runs the application probe on an idle connection when due, and judges the one in flight when its deadline has
     * passed; returns when this connection next needs a look.
     */
    private long applicationProbe(ManagedConnection c, long now) {
        ConnectionState s = c.state();
        String inFlight = c.probeId;
        if (inFlight != null && now - c.probeDeadline >= 0) {
            c.probeId = null;
            int failures = ++c.probeFailures;
            recordConnectionFailure(c, new TimeoutException("no reply to health probe within "
                    + config.probeTimeout().toMillis() + " ms"));
            if (failures >= config.probeUnhealthyThreshold() && (c.state() == READY || c.state() == IDLE
                    || c.state() == ACTIVE)) {
                log.warn("[{}] {} to {} is unhealthy: {} health probe(s) in a row got no reply within {} ms", name,
                        c.id, c.endpoint, failures, config.probeTimeout().toMillis());
                markBroken(c, RecycleReason.UNHEALTHY);
                return Long.MAX_VALUE;
            }
            inFlight = null;
        }
        if (inFlight != null) {
            return c.probeDeadline;
        }
        if ((s == READY || s == IDLE) && now - c.nextProbeAt >= 0) {
            TransportConnection t = c.transport;
            String id = c.id + "-probe-" + (c.successfulPongs + c.probeFailures) + "-" + (now & 0xffff);
            if (t != null && !c.transportFinished) {
                try {
                    String request = config.healthProbe().request(id);
                    c.probeDeadline = now + config.probeTimeout().toNanos();
                    c.probeId = id;
                    t.sendText(request);
                } catch (RuntimeException e) {
                    c.probeId = null;
                    log.debug("[{}] {} health probe could not be sent", name, c.id, e);
                }
            }
            c.nextProbeAt = now + config.probeInterval().toNanos();
            return c.probeId != null ? Math.min(c.probeDeadline, c.nextProbeAt) : c.nextProbeAt;
        }
        return c.nextProbeAt;
    }

    /**
     * A connection missed its pongs: it is unhealthy (recycled now, or on release if leased). When a second
     * connection of the same endpoint goes the same way with no pong from that endpoint in between, the endpoint is
     * the problem (a silent peer, a blackholed route): eject it and stop handing out its other connections now.
     */
    private void pongMissed(ManagedConnection c) {
        long now = ticker.read();
        EndpointState e = c.endpoint;
        String reason = "sent ping but didn't receive pong within " + TimeUnit.NANOSECONDS.toMillis(pongTimeoutNanos)
                + " ms (after " + c.successfulPongs + " successful ping/pongs)";
        log.warn("[{}] {} to {} is unhealthy: {}", name, c.id, e, reason);
        markBroken(c, RecycleReason.UNHEALTHY);
        connectionFailedOn(e, "stopped answering pings: " + reason, now);
    }

    /**
     * An open connection of {@code e} failed (missed pongs, or an abnormal close such as a reset). Two such failures
     * with no pong or successful connect from {@code e} in between show the endpoint is the problem (one failure may
     * be the connection's own): eject it, withdraw its idle connections now, and let probes bring it back.
     */
    private void connectionFailedOn(EndpointState e, String what, long now) {
        int failures = e.connectionFailures.incrementAndGet();
        if (failures >= 2 && !e.isDraining() && !closed) {
            EndpointConnectException cause = new EndpointConnectException(e.uri(), failures + " connection(s) failed;"
                    + " last: " + what, 0, null);
            if (e.eject(cause, now)) {
                log.warn("[{}] {} is unhealthy: {} of its connections failed ({}); its other connections are taken"
                        + " out of service and it gets no leases until a probe connect succeeds", name, e, failures,
                        what);
                if (events.enabled()) {
                    events.publish("onEndpointHealthChange", new EndpointHealthEvent(name, e, false, cause),
                            PoolListener::onEndpointHealthChange);
                }
                for (ManagedConnection other : e.connections()) {
                    ConnectionState s = other.state();
                    if (s.isAvailable() && other.transition(s, RECYCLING)) {
                        recycle(other, RecycleReason.UNHEALTHY);
                    }
                }
                failWaitersIfNoEndpointUsable();
            }
        }
    }

    /**
     * A probe connect to an ejected endpoint once its breaker's open-state wait has passed (the breaker lets one
     * through, half-open): the connection joins the pool if it opens, and the breaker closes. Returns when to look
     * again: the breaker does not say when its wait ends, so an ejected endpoint is looked at every 100 ms.
     */
    private long probe(EndpointState e, long now) {
        if (!e.isEjected() || e.isDraining()) {
            return Long.MAX_VALUE;
        }
        if (e.tryAcquireProbe()) {
            if (reserveSlot(e)) {
                if (log.isDebugEnabled()) {
                    log.debug("[{}] probing unhealthy endpoint {}", name, e);
                }
                startConnect(e, null, false);
                return Long.MAX_VALUE; // the outcome wakes housekeeping
            }
            e.releaseProbe();
        }
        return now + PROBE_CHECK_NANOS;
    }

    /**
     * Opens connections up to {@code minConnections} and for waiters, where backoff allows; returns when it should
     * be tried again if an endpoint's backoff held a needed connect back, else far in the future.
     */
    private long refill(long now, int min) {
        int deficit = refillToMin(now);
        openForDemand(null);
        boolean demandUnmet = pending.get() > connecting.get() && canOpenMore();
        if (deficit <= 0 && !demandUnmet) {
            return Long.MAX_VALUE;
        }
        long retryAt = Long.MAX_VALUE;
        for (EndpointState e : endpoints.array()) {
            retryAt = Math.min(retryAt, e.backoffUntil());
        }
        return retryAt;
    }

    /** Starts connects up to {@code minConnections} (pooling only); returns how many are still missing. */
    private int refillToMin(long now) {
        int min = pooling ? config.minConnections() : 0;
        while (slots.get() < min && !closed) {
            EndpointState e = selector.forNewConnection(endpoints.snapshot(), now);
            if (e == null || !reserveSlot(e, min)) {
                break;
            }
            startConnect(e, null, false);
        }
        return min - slots.get();
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
            perEndpoint.add(new EndpointSnapshot(e.uri(), e.weight(), e.healthy(), e.slots.get(),
                    e.activeLeases(), available, e.lastFailure(), Duration.ofNanos(e.latencyNanos()),
                    e.breakerState()));
        }
        return PoolStats.of(counts, Math.max(0, pending.get()), perEndpoint);
    }

    int connections(ConnectionState state) {
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

    int pendingAcquires() {
        return Math.max(0, pending.get());
    }

    int minConnections() {
        return config.minConnections();
    }

    int maxConnections() {
        return config.maxConnections();
    }

    private final PoolControlView control = new PoolControlView(this);

    @Override
    public PoolControl control() {
        return control;
    }

    @Override
    public void addListener(PoolListener listener) {
        events.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeListener(PoolListener listener) {
        events.remove(listener);
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
        forEachConnection(c -> {
            ConnectionState s = c.state();
            if (s.isAvailable() && c.transition(s, RECYCLING)) {
                recycle(c, RecycleReason.SHUTDOWN);
            } else if (s == INITIALIZING && c.handle != null) {
                c.handle.abort();
            }
        });
        if (!awaitShutdown(this::noLeases, shutdownTimeoutNanos)) {
            log.warn("[{}] {} lease(s) not released within shutdownTimeout {} ms; closing them anyway", name,
                    activeLeases(), TimeUnit.NANOSECONDS.toMillis(shutdownTimeoutNanos));
        }
        forEachConnection(c -> {
            ConnectionState s = c.state();
            if ((s == ACTIVE || s == UNHEALTHY || s.isAvailable()) && c.transition(s, RECYCLING)) {
                recycle(c, RecycleReason.SHUTDOWN);
            }
        });
        if (!awaitShutdown(this::allClosed, closeTimeoutNanos + TimeUnit.MILLISECONDS.toNanos(200))) {
            forEachConnection(c -> {
                TransportConnection t = c.transport != null ? c.transport : c.handle;
                if (t != null) {
                    t.abort();
                }
            });
            awaitShutdown(this::allClosed, TimeUnit.SECONDS.toNanos(1));
        }
        scheduler.shutdown(TimeUnit.SECONDS.toNanos(2));
        stopHealthChecks();
        transport.close();
        messaging.close(TimeUnit.SECONDS.toNanos(2));
        for (EndpointState e : endpoints.array()) {
            e.drained.complete(null); // a removal still in progress is over: everything is closed
        }
        affinity.invalidateAll();
        int left = slots.get();
        if (left > 0) {
            log.warn("[{}] closed with {} connection(s) not confirmed closed: {}", name, left, stats());
        }
        log.info("[{}] closed in {} ms", name, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        if (events.enabled()) {
            events.publish("onPoolClosed", name, PoolListener::onPoolClosed);
        }
    }

    private void stopHealthChecks() {
        java.util.concurrent.ExecutorService ex = healthExecutor;
        if (ex == null) {
            return;
        }
        ex.shutdownNow();
        try {
            // a check in flight ends within its timeout (connect and read are both bounded by it)
            long waitMillis = config.endpointHealthTimeout().toMillis() * 2 + 500;
            ex.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
            Thread t = healthThread;
            if (t != null && t != Thread.currentThread()) {
                t.join(waitMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void forEachConnection(java.util.function.Consumer<ManagedConnection> action) {
        for (EndpointState e : endpoints.array()) {
            for (ManagedConnection c : e.connections()) {
                action.accept(c);
            }
        }
    }

    private boolean noLeases() {
        return activeLeases() == 0;
    }

    private int activeLeases() {
        int n = 0;
        for (EndpointState e : endpoints.array()) {
            n += e.activeLeases();
        }
        return n;
    }

    private boolean allClosed() {
        return slots.get() == 0;
    }

    /** Waits (real time, not the ticker: shutdown must end even under a frozen fake ticker) until done or timeout. */
    private boolean awaitShutdown(BooleanSupplier done, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        shutdownLock.lock();
        try {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // progress is signalled, but a short bound also covers a transport that reports a close late
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

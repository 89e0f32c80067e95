package io.github.wspool.core.internal.lease;

import io.github.wspool.AcquireRejectedException;
import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.NoHealthyEndpointException;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PoolException;
import io.github.wspool.PooledConnection;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connect.Connector;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.Lease;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.core.internal.endpoint.Affinity;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.endpoint.EndpointSelector;
import io.github.wspool.core.internal.endpoint.EndpointSet;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.internal.messaging.Messaging;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acquire and release: the application's side of the pool. An acquire picks an endpoint (the strategy's choice, or
 * the affinity key's home), takes an available connection there ({@link Handoff}), or queues as a waiter, starts a
 * connect if the demand calls for one, and waits: the barging window first, then until a release or a new connection
 * hands it one, its timeout, or the pool closing. A release is exactly-once and hands the connection on. Kept apart:
 * the operator's suspension, which an acquire passes before it looks for a connection ({@link Suspension}), and the
 * exceptions an acquire fails with, their event and the last timeout ({@link AcquireFailures}).
 *
 * <p>The clock is read only when someone will look at the time (listeners, leak detection) or the caller has to
 * wait: on a virtual TSC one read costs ~25 ns, a third of a whole acquire + release.
 */
public final class LeaseBroker {

    private static final Logger log = LoggerFactory.getLogger(LeaseBroker.class);

    private final String pool;
    private final LeaseSettings settings;
    private final boolean pooling;
    private final boolean multiplexed;
    private final boolean threadAffine;
    private final long bargingWindowNanos;
    /** {@code acquireTimeout}: as configured, or as last changed at runtime; for acquires started afterwards. */
    private volatile AcquireTimeout acquireTimeout;
    private final Ticker ticker;
    private final PoolScheduler scheduler;
    private final PoolEvents events;
    private final Shutdown shutdown;
    private final EndpointRegistry endpoints;
    /** {@code endpoints}' set, read by every acquire's fast path: kept here, one load fewer. */
    private final EndpointSet endpointSet;
    private final EndpointSelector selector;
    private final Affinity affinity;
    private final Connector connector;
    private final Messaging messaging;
    private final Recycler recycler;
    private final WaitQueue waiters = new WaitQueue();
    private final LeakDetector leaks;
    /** {@code leaks.enabled()}: the fast path reads this field, not the detector's. */
    private final boolean leakDetection;
    /** Per thread, the connection it last released (shared with the handoff, which records it). */
    private final RecentConnection recent = new RecentConnection();
    private final Handoff handoff;
    /** The exceptions acquires fail with, their event, the last timeout. */
    private final AcquireFailures failures;
    /** The operator's suspension: the gate acquires started meanwhile wait on. */
    private final Suspension suspension;
    /** Whether acquire and release may take the fast path: one read instead of a check per reason. */
    private final FastPath fast;
    /** Lease releases, fast and general. */
    private final Releases releases;

    /**
     * @param pool          the pool's name, for messages
     * @param settings      the lease settings
     * @param collaborators what the broker works with
     */
    /** {@code connector::canOpenMore}, bound once: the acquire path passes it to the selector on every call. */
    private final java.util.function.BooleanSupplier poolHasRoom;

    public LeaseBroker(String pool, LeaseSettings settings, Collaborators collaborators) {
        this.pool = pool;
        this.settings = settings;
        this.pooling = settings.pooling();
        this.multiplexed = settings.multiplexed();
        this.threadAffine = settings.threadAffine();
        this.bargingWindowNanos = settings.bargingWindowNanos();
        this.acquireTimeout = new AcquireTimeout(settings.acquireTimeout());
        this.ticker = collaborators.ticker();
        this.scheduler = collaborators.scheduler();
        this.events = collaborators.events();
        this.shutdown = collaborators.shutdown();
        this.endpoints = collaborators.endpoints();
        this.endpointSet = endpoints.set();
        this.selector = collaborators.selector();
        this.affinity = collaborators.affinity();
        this.connector = collaborators.connector();
        this.poolHasRoom = connector::canOpenMore;
        this.messaging = collaborators.messaging();
        this.recycler = collaborators.recycler();
        this.leaks = new LeakDetector(pool, scheduler, settings.leakDetectionThreshold().toNanos());
        this.leakDetection = leaks.enabled();
        this.handoff = new Handoff(settings, waiters, endpoints, recycler, events, ticker, shutdown,
                leaks, recent, poolHasRoom, connector.sizing());
        this.failures = new AcquireFailures(pool, ticker, events, endpoints, this::pending);
        this.suspension = new Suspension(pool, ticker, scheduler, failures);
        this.fast = new FastPath(!threadAffine || leakDetection, suspension::suspended, shutdown::begun,
                events::listening, connector.sizing()::overMax);
        shutdown.onBegin(fast::refresh);
        connector.sizing().onChange(fast::refresh);
        this.releases = new Releases(multiplexed, fast, handoff, messaging, events, ticker, leaks, shutdown);
    }

    /**
     * Says what observes lease-cycle transitions besides listeners (the pool's DEBUG log): while it answers
     * {@code true}, acquire and release take the general path, which reports them.
     *
     * @param observed whether transitions are observed (listeners included)
     */
    public void observeTransitionsWhen(java.util.function.BooleanSupplier observed) {
        fast.observedWhen(observed);
    }

    /** Recomputes the fast-path word: after a listener was added or removed, and on every housekeeping pass. */
    public void refreshFastPath() {
        fast.refresh();
    }

    /**
     * The parts of the pool the broker works with.
     *
     * @param ticker    the pool's time source
     * @param scheduler runs async timeouts and leak reports
     * @param events    where acquires and releases are reported
     * @param shutdown  whether the pool is closing
     * @param endpoints the endpoints
     * @param selector  the strategy's picks
     * @param affinity  homes of affinity keys
     * @param connector opens connections for waiters
     * @param messaging cancels a released lease's requests and handlers
     * @param recycler  closes connections that should not go back
     */
    public record Collaborators(Ticker ticker, PoolScheduler scheduler, PoolEvents events, Shutdown shutdown,
                                EndpointRegistry endpoints, EndpointSelector selector, Affinity affinity,
                                Connector connector, Messaging messaging, Recycler recycler) {
    }

    /** The acquire timeout as given and in nanoseconds, published together. */
    private record AcquireTimeout(Duration shown, long nanos) {
        AcquireTimeout(Duration shown) {
            this(shown, timeoutNanos(shown));
        }
    }

    /**
     * The current {@code acquireTimeout}.
     *
     * @return the timeout of {@code acquire()} without one
     */
    public Duration acquireTimeout() {
        return acquireTimeout.shown();
    }

    /**
     * Changes {@code acquireTimeout} for acquires started from now on.
     *
     * @param timeout zero or positive
     */
    public void acquireTimeout(Duration timeout) {
        acquireTimeout = new AcquireTimeout(timeout);
    }

    /**
     * Callers waiting now (never negative), including those waiting for a suspended pool to resume.
     *
     * @return the count
     */
    public int pending() {
        return Math.max(0, waiters.pending()) + suspension.waiting();
    }

    // ------------------------------------------------------------------------------------------------ suspension

    /**
     * Suspends acquisition: acquires started from now on wait for {@link #resume()} (within their own timeout)
     * before they look for a connection. Releases and callers already waiting are not affected.
     *
     * @return whether this call suspended it (it was not suspended)
     */
    public boolean suspend() {
        boolean suspended = suspension.suspend();
        fast.refresh();
        return suspended;
    }

    /**
     * Resumes acquisition: the callers waiting for it go on at once.
     *
     * @return whether this call resumed it (it was suspended)
     */
    public boolean resume() {
        boolean resumed = suspension.resume();
        fast.refresh();
        return resumed;
    }

    /**
     * Whether acquisition is suspended.
     *
     * @return {@code true} between {@link #suspend()} and {@link #resume()}
     */
    public boolean suspended() {
        return suspension.suspended();
    }

    /** Suspended: waits for the pool to resume within the caller's timeout, then acquires with the time left. */
    private PooledConnection acquireAfterResume(CompletableFuture<Void> gate, String affinityKey, long timeoutNanos,
                                                Duration timeout) {
        return acquireNanos(affinityKey, suspension.awaitResume(gate, timeoutNanos, timeout), timeout);
    }

    /**
     * Callers waiting now, as the connector's demand count reads it.
     *
     * @return the raw count
     */
    public int waiting() {
        return waiters.pending();
    }

    /** Whether acquire and release read the clock: someone looks at the times (listeners, leak detection). */
    private boolean timed() {
        return events.listening() || leakDetection;
    }

    // ------------------------------------------------------------------------------------------------ acquire

    /**
     * {@code acquire()}: waits up to the configured {@code acquireTimeout}.
     *
     * @return a lease
     */
    public PooledConnection acquire() {
        if (fast.open()) {
            Lease recentLease = leaseRecent();
            if (recentLease != null) {
                return recentLease; // the fast path reads no timeout: it does not wait
            }
        }
        CompletableFuture<Void> gate = suspension.gate();
        AcquireTimeout t = acquireTimeout;
        return gate != null ? acquireAfterResume(gate, null, t.nanos(), t.shown())
                : acquireNanos(null, t.nanos(), t.shown());
    }

    /**
     * {@code acquire(Duration)}.
     *
     * @param timeout zero or positive
     * @return a lease
     */
    public PooledConnection acquire(Duration timeout) {
        long nanos = timeoutNanos(timeout);
        if (fast.open()) {
            Lease recentLease = leaseRecent();
            if (recentLease != null) {
                return recentLease;
            }
        }
        CompletableFuture<Void> gate = suspension.gate();
        return gate != null ? acquireAfterResume(gate, null, nanos, timeout) : acquireNanos(null, nanos, timeout);
    }

    /**
     * {@code acquire(String)}: a connection of the key's endpoint, waiting up to the configured {@code acquireTimeout}.
     *
     * @param affinityKey the key, not null
     * @return a lease
     */
    public PooledConnection acquire(String affinityKey) {
        AcquireTimeout t = acquireTimeout;
        return acquire(Objects.requireNonNull(affinityKey, "affinityKey"), t.nanos(), t.shown());
    }

    /**
     * {@code acquire(String, Duration)}.
     *
     * @param affinityKey the key, not null
     * @param timeout     zero or positive
     * @return a lease
     */
    public PooledConnection acquire(String affinityKey, Duration timeout) {
        return acquire(Objects.requireNonNull(affinityKey, "affinityKey"), timeoutNanos(timeout), timeout);
    }

    private PooledConnection acquire(String affinityKey, long timeoutNanos, Duration timeout) {
        CompletableFuture<Void> gate = suspension.gate();
        return gate != null ? acquireAfterResume(gate, affinityKey, timeoutNanos, timeout)
                : acquireNanos(affinityKey, timeoutNanos, timeout);
    }

    /**
     * The fast path of an acquire without affinity key, taken while the {@link FastPath} word is zero (thread-affine,
     * no leak detection, not suspended, not closing, nobody observing): the connection this thread released last,
     * when the pool has a single endpoint (no strategy choice to make), which is healthy, and the connection is open,
     * not flagged for recycling, and available. {@code null} when anything calls for the general path, which tries
     * the same connection again among the rest. Everything is read before the take's CAS (reads after a locked
     * instruction wait for it); the lease is made here and only here, untimed and unwatched (the word says nobody
     * looks). Small on purpose, so that the JIT inlines it into the caller.
     */
    private Lease leaseRecent() {
        ManagedConnection c = recent.get();
        if (c == null) {
            return null;
        }
        EndpointState e = c.endpoint;
        // A connection found closed is left to the general path, which takes it and recycles it. (Open before the
        // CAS and closed after it is no different from closed a moment after the take: its release recycles it.)
        if (endpointSet.sole() != e || !e.healthy() || !c.transportOpen()) {
            return null;
        }
        int token = c.takeUnobserved();
        return token < 0 ? null : new Lease(c, Lease.UNTIMED, token);
    }

    private PooledConnection acquireNanos(String affinityKey, long timeoutNanos, Duration timeout) {
        long start = timed() ? ticker.read() : Lease.UNTIMED;
        if (shutdown.begun()) {
            throw failures.report(start, new PoolClosedException(pool));
        }
        EndpointState required = affinityKey == null ? null : homeOf(affinityKey, start);
        EndpointState chosen = required != null ? required : chooseForLease(start);
        if (chosen != null && pooling) {
            ManagedConnection c = handoff.takeLive(chosen);
            if (c != null) {
                return handoff.lease(c, start);
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
        if (start == Lease.UNTIMED) {
            start = ticker.read(); // waiting: the wait is timed
        }
        // due at once where the pool does not barge, or where the caller would not even outwait the window
        Waiter w = enqueue(start, chosen, required, !threadAffine || timeoutNanos <= bargingWindowNanos);
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
                handoff.serveFromAvailable(w, chosen, required); // a release that saw it not yet due made one READY
                if (w.isDone()) {
                    return joinLease(w, start);
                }
                left = timeoutNanos - bargingWindowNanos;
            }
            return w.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            AcquireTimeoutException timeoutException = failures.timedOut(timeout, required);
            if (w.completeExceptionally(timeoutException)) {
                throw failures.report(start, timeoutException);
            }
            return joinLease(w, start); // a connection arrived at the last moment: take it
        } catch (InterruptedException e) {
            PoolException interrupted = new PoolException("Pool '" + pool + "': interrupted while waiting for a"
                    + " connection", e);
            if (!w.completeExceptionally(interrupted)) {
                PooledConnection late = joinLeaseQuietly(w);
                if (late != null) {
                    late.close();
                }
            }
            Thread.currentThread().interrupt();
            throw failures.report(start, interrupted);
        } catch (ExecutionException e) {
            throw failures.report(start, failures.asPoolException(e.getCause()));
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
            throw failures.report(start, failures.asPoolException(e.getCause()));
        } catch (CancellationException e) {
            throw failures.report(start, new PoolException("Pool '" + pool + "': acquire was cancelled", e));
        }
    }

    private static PooledConnection joinLeaseQuietly(Waiter w) {
        try {
            return w.getNow(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * {@code acquireAsync()}.
     *
     * @return a future lease; cancelling it withdraws the request
     */
    public CompletableFuture<PooledConnection> acquireAsync() {
        AcquireTimeout t = acquireTimeout;
        return acquireAsync(t.nanos(), t.shown());
    }

    /**
     * {@code acquireAsync(Duration)}.
     *
     * @param timeout zero or positive
     * @return a future lease; cancelling it withdraws the request
     */
    public CompletableFuture<PooledConnection> acquireAsync(Duration timeout) {
        return acquireAsync(timeoutNanos(timeout), timeout);
    }

    /**
     * {@code acquireAsync} for an affinity key, with the configured {@code acquireTimeout} (what a subscription's
     * carrier is acquired with).
     *
     * @param affinityKey the key, not null
     * @return a future lease on a connection to the key's endpoint; cancelling it withdraws the request
     */
    public CompletableFuture<PooledConnection> acquireAsync(String affinityKey) {
        AcquireTimeout t = acquireTimeout;
        return acquireAsync(Objects.requireNonNull(affinityKey, "affinityKey"), t.nanos(), t.shown());
    }

    private CompletableFuture<PooledConnection> acquireAsync(long timeoutNanos, Duration shown) {
        return acquireAsync(null, timeoutNanos, shown);
    }

    private CompletableFuture<PooledConnection> acquireAsync(String affinityKey, long timeoutNanos, Duration shown) {
        CompletableFuture<Void> gate = suspension.gate();
        if (gate != null) {
            return suspension.acquireAsyncAfterResume(gate, timeoutNanos, shown,
                    left -> acquireAsync(affinityKey, left, shown));
        }
        long start = ticker.read();
        Waiter w;
        EndpointState required = null;
        try {
            if (shutdown.begun()) {
                throw failures.report(start, new PoolClosedException(pool));
            }
            required = affinityKey == null ? null : homeOf(affinityKey, start);
            EndpointState chosen = required != null ? required : chooseForLease(start);
            if (chosen != null && pooling) {
                ManagedConnection c = handoff.takeLive(chosen);
                if (c != null) {
                    return CompletableFuture.completedFuture(handoff.lease(c, start));
                }
            }
            w = enqueue(start, chosen, required, true); // no thread of its own to wake: due at once
        } catch (PoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!w.isDone()) {
            EndpointState home = required;
            w.timeoutTask = scheduler.schedule(() -> {
                AcquireTimeoutException ex = failures.timedOut(shown, home);
                if (w.completeExceptionally(ex)) {
                    failures.report(start, ex);
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
        if (snapshot.array().length == 0) {
            return null; // no endpoint discovered yet: wait for the resolver's first set, within the timeout
        }
        EndpointState chosen = selector.forLease(snapshot, poolHasRoom);
        // (a pick that is known to be down, kept in rotation by the ejection budget, is still tried while another
        // endpoint can serve: that is how it is found again when it comes back)
        if ((chosen == null || chosen.knownDown()) && !selector.anyUsable(snapshot)) {
            throw failures.report(start, failures.noHealthyEndpoint(snapshot));
        }
        return chosen;
    }

    /** The endpoint an affinity key lives on, homing (or re-homing) it when it has none or its endpoint is unusable. */
    private EndpointState homeOf(String key, long start) {
        EndpointState home = affinity.homeOf(key);
        if (home != null && home.healthy()) {
            return home;
        }
        EndpointSet.Snapshot snapshot = endpoints.snapshot();
        if (snapshot.array().length == 0) {
            // no endpoint discovered yet: wait unpinned for the first connection; the key is homed on its next acquire
            return null;
        }
        EndpointState chosen = selector.forLease(snapshot, poolHasRoom);
        if (chosen == null) {
            chosen = selector.forHoming(snapshot);
        }
        if (chosen == null) {
            throw failures.report(start, failures.noHealthyEndpoint(snapshot));
        }
        if (home != null && log.isDebugEnabled()) {
            log.debug("[{}] affinity key re-homed from {} to {}", pool, home, chosen);
        }
        affinity.home(key, chosen);
        return chosen;
    }

    /**
     * Queues a waiter, then closes the handoff race (scan again), and starts a connect if the demand calls for one.
     * The returned waiter may already be settled.
     */
    private Waiter enqueue(long start, EndpointState preferred, EndpointState required, boolean due) {
        int limit = settings.maxPendingAcquires();
        // Where this caller wants its connection, recorded before it counts as waiting: a connect opened for waiters
        // by someone else (the housekeeper's refill, a connect that just settled) then opens there too, not by the
        // background rule, so each waiter's connect follows the strategy's pick.
        waiters.preferring(required != null ? required : preferred);
        // Without pooling the connect for this caller is claimed before the caller counts as pending, so that no
        // background opener sees an uncovered waiter and opens elsewhere: every acquire is exactly one pick.
        EndpointState own = !pooling && preferred != null ? connector.claimConnect(preferred) : null;
        if (!waiters.admit(limit)) {
            connector.unclaimConnect(own);
            throw failures.report(start, new AcquireRejectedException(pool, limit, failures.stats()));
        }
        Waiter w = new Waiter(waiters, start, required, due);
        waiters.add(w);
        if (shutdown.begun()) {
            connector.unclaimConnect(own);
            w.completeExceptionally(new PoolClosedException(pool));
            return w;
        }
        if (own != null) {
            connector.startClaimed(own);
            return w;
        }
        if (pooling && handoff.serveFromAvailable(w, preferred, required)) {
            return w;
        }
        if (required != null) {
            connector.openForRequired(required, waiters.requiring(required));
        } else {
            connector.openForDemand(preferred);
        }
        return w;
    }

    /**
     * Where the latest waiting caller wants its connection (for the connector's demand).
     *
     * @return the endpoint, or {@code null}
     */
    public EndpointState preferred() {
        return waiters.preferred();
    }

    /**
     * A lease the pool itself keeps for long (a subscription's carrier) is no leak: leak detection stops watching it.
     *
     * @param lease a lease from this broker
     */
    public void exemptFromLeakDetection(PooledConnection lease) {
        if (leakDetection && lease instanceof Lease l) {
            leaks.unwatch(l);
        }
    }

    /**
     * When an acquire last timed out (the ticker's time), for the pool's health.
     *
     * @return the time, or empty if none ever did
     */
    public OptionalLong lastAcquireTimeout() {
        return failures.lastTimeout();
    }

    /** When the last usable endpoint went unhealthy, waiting callers get the failure now, not at their timeout. */
    public void failWaitersIfNoEndpointUsable() {
        EndpointSet.Snapshot snapshot = endpoints.snapshot();
        if (snapshot.array().length == 0 || selector.anyUsable(snapshot)) {
            return; // (no endpoint yet: waiters wait for the resolver's first set)
        }
        NoHealthyEndpointException failure = failures.noHealthyEndpoint(snapshot);
        waiters.forEach(w -> {
            if (w.completeExceptionally(failure)) {
                failures.report(w.startedAt, failure);
            }
        });
    }

    /** The pool is closing: every waiting caller fails with {@link PoolClosedException}. */
    public void failWaitersOnClose() {
        suspension.resume(); // callers waiting for a suspended pool go on, and find it closed
        fast.refresh();
        Waiter w;
        while ((w = waiters.poll()) != null) {
            w.completeExceptionally(new PoolClosedException(pool));
        }
    }

    // ------------------------------------------------------------------------------------------------ release

    /**
     * Releases a lease, exactly once however many times and from however many threads it is called.
     *
     * @param lease the lease
     */
    public void release(Lease lease) {
        releases.release(lease);
    }

    /**
     * A connection opened (READY, nobody has it yet): handed to waiters, kept, or recycled.
     *
     * @param c the connection
     * @return whether it stays in the pool
     */
    public boolean opened(ManagedConnection c) {
        return handoff.opened(c);
    }

    /**
     * A connection closed: no thread's hint may name it any more.
     *
     * @param c the connection
     */
    public void forget(ManagedConnection c) {
        handoff.forget(c);
    }
}

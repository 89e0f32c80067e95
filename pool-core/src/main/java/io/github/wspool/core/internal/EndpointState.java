package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.EndpointView;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One endpoint inside a pool: its connections, its counters, its connect backoff, health and latency estimate.
 *
 * <p>The connection array is copy-on-write (changed under {@link #lock} when a connection is created or finally
 * closed, read without a lock by every acquire), so the hot path is a lock-free scan plus one CAS.
 *
 * <p>Health: an endpoint is unhealthy while it is being removed (draining) or while its Resilience4j circuit breaker
 * is not closed. The breaker records connect outcomes (it opens on the configured failure rate, by default after
 * {@code ejectAfterConnectFailures} failures) and is forced open when the endpoint's open connections fail (missed
 * pongs, resets). While open, no connects; once its wait has passed, one probe connect is let through (half-open),
 * and its success closes the breaker again. The wait grows with repeated ejections.
 */
final class EndpointState implements EndpointView {

    private static final ManagedConnection[] NONE = new ManagedConnection[0];

    private final URI uri;
    private volatile int weight;
    private final int maxSlots;
    private final int maxConnects;
    private final CircuitBreaker breaker;

    private final ReentrantLock lock = new ReentrantLock();
    private volatile ManagedConnection[] connections = NONE; // replaced under lock
    /** Connections holding a slot: opening, open or closing. */
    final AtomicInteger slots = new AtomicInteger();
    /** Connect attempts in flight. */
    final AtomicInteger connecting = new AtomicInteger();

    private final Backoff backoff; // guarded by lock
    private final PeakEwma latency; // guarded by lock
    private volatile long latencyEstimate;
    private volatile Throwable lastFailure;
    private volatile boolean draining;
    private final java.util.concurrent.atomic.AtomicBoolean removed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Marks a drained endpoint removed; true only for the one caller that does it. */
    boolean markRemoved() {
        return removed.compareAndSet(false, true);
    }

    /** Completed when a removed endpoint has closed its last connection. */
    final CompletableFuture<Void> drained = new CompletableFuture<>();

    EndpointState(URI uri, int weight, int maxSlots, int maxConnects, CircuitBreaker breaker, Backoff backoff,
                  long latencyDecayNanos) {
        this.uri = uri;
        this.weight = weight;
        this.maxSlots = maxSlots;
        this.maxConnects = maxConnects;
        this.breaker = breaker;
        this.backoff = backoff;
        this.latency = new PeakEwma(latencyDecayNanos);
        refreshHealth();
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public int weight() {
        return weight;
    }

    void weight(int newWeight) {
        this.weight = newWeight;
    }

    /**
     * {@code !draining && !checkFailing && breakerAllowsTraffic()}, kept up to date by {@link #refreshHealth()}: the
     * acquire and release fast paths read this one field instead of following the breaker's state chain (five
     * dependent loads just before the lifecycle CAS, which has to wait for all of them).
     */
    @Override
    public boolean healthy() {
        return healthy;
    }

    private volatile boolean healthy;

    /**
     * Recomputes {@link #healthy()} from its inputs. Called after every change of an input: draining, the health
     * check's verdict, and every breaker state transition (from the breaker's event, on the thread that made it),
     * and by every housekeeping pass for good measure. It re-reads the inputs after writing and repeats if they
     * moved, so that of two racing refreshes the last write always reflects the latest inputs.
     */
    void refreshHealth() {
        while (true) {
            boolean now = !draining && !checkFailing && breakerAllowsTraffic();
            healthy = now;
            if (now == (!draining && !checkFailing && breakerAllowsTraffic())) {
                return;
            }
        }
    }

    /** Set while the endpoint's HTTP health check says it is down. */
    private volatile boolean checkFailing;

    boolean checkFailing() {
        return checkFailing;
    }

    void checkFailing(boolean failing) {
        checkFailing = failing;
        refreshHealth();
    }
    /** HTTP health check bookkeeping, touched only by the pool's health-check thread and the housekeeper. */
    volatile boolean checkInFlight;
    volatile long nextCheckAt;
    int checkPasses; // health-check thread only
    int checkFailures; // health-check thread only

    /** Whether the breaker is in a state that lets ordinary traffic through (not open, half-open or forced open). */
    private boolean breakerAllowsTraffic() {
        CircuitBreaker.State s = breaker.getState();
        return s == CircuitBreaker.State.CLOSED || s == CircuitBreaker.State.DISABLED
                || s == CircuitBreaker.State.METRICS_ONLY;
    }

    boolean isEjected() {
        return !breakerAllowsTraffic();
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    /** Lower-case breaker state names, computed once: gauges read them without allocating. */
    private static final String[] STATE_NAMES = java.util.Arrays.stream(CircuitBreaker.State.values())
            .map(s -> s.name().toLowerCase(java.util.Locale.ROOT)).toArray(String[]::new);

    @Override
    public String breakerState() {
        return STATE_NAMES[breaker.getState().ordinal()];
    }

    boolean isDraining() {
        return draining;
    }

    void startDraining() {
        draining = true;
        refreshHealth();
    }

    @Override
    public int openConnections() {
        return slots.get();
    }

    /**
     * Counted from the connections' states rather than kept in a counter: a shared counter would be two contended
     * atomic updates on every acquire and release, on a line all threads write. A connection is leased from its
     * take (→ ACTIVE) until its release moves it on; UNHEALTHY is reached only from ACTIVE and held until release.
     * Shared connections count their leases. So this is O(connections of the endpoint), exact when no lease is
     * changing hands, and off by the few in flight otherwise.
     */
    @Override
    public int activeLeases() {
        boolean shared = shareLimit > 1;
        int n = 0;
        for (ManagedConnection c : connections) {
            ConnectionState s = c.state();
            if (s == ConnectionState.ACTIVE || s == ConnectionState.UNHEALTHY) {
                n += shared ? c.leases() : 1;
            }
        }
        return n;
    }

    @Override
    public int availableConnections() {
        int n = 0;
        for (ManagedConnection c : connections) {
            if (c.state().isAvailable()) {
                n++;
            }
        }
        return n;
    }

    @Override
    public long latencyNanos() {
        return latencyEstimate;
    }

    /** Records a round-trip time (handshake or ping) for the latency estimate. */
    void recordLatency(long rttNanos, long now) {
        lock.lock();
        try {
            latencyEstimate = latency.sample(rttNanos, now);
        } finally {
            lock.unlock();
        }
    }

    /** Whether this endpoint's own cap leaves room for one more connection (the pool-wide cap is checked apart). */
    boolean hasRoom() {
        return slots.get() < maxSlots;
    }

    /** Reserves one of this endpoint's slots, if its cap allows. */
    boolean tryReserve() {
        while (true) {
            int n = slots.get();
            if (n >= maxSlots) {
                return false;
            }
            if (slots.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    ManagedConnection[] connections() {
        return connections;
    }

    /** Takes an available connection (READY or IDLE → ACTIVE), lowest index first; {@code null} if none. */
    ManagedConnection takeAvailable() {
        for (ManagedConnection c : connections) {
            if (c.take()) {
                return c;
            }
        }
        return null;
    }

    /** Whether a connection is available, or (when shared) held by fewer leases than the limit. */
    boolean hasAvailable() {
        int limit = shareLimit;
        for (ManagedConnection c : connections) {
            ConnectionState s = c.state();
            if (s.isAvailable() || (limit > 1 && s == ConnectionState.ACTIVE && c.leases() >= 1
                    && c.leases() < limit)) {
                return true;
            }
        }
        return false;
    }

    /** {@code maxLeasesPerConnection}: more than 1 lets leases share this endpoint's connections. */
    volatile int shareLimit = 1;
    /** Connects per second to this endpoint, or {@code null} for no limit; set before the endpoint is published. */
    ConnectRate connectRate;
    /** Options for connects to this endpoint (the pool's, with its own headers); set before it is published. */
    io.github.wspool.core.spi.TransportOptions transportOptions;
    /** Set by a 401/403 that will be retried: the next connect here asks the header supplier to refresh. */
    final java.util.concurrent.atomic.AtomicBoolean refreshHeadersNext = new java.util.concurrent.atomic.AtomicBoolean();

    void add(ManagedConnection c) {
        lock.lock();
        try {
            ManagedConnection[] old = connections;
            ManagedConnection[] next = Arrays.copyOf(old, old.length + 1);
            next[old.length] = c;
            connections = next;
        } finally {
            lock.unlock();
        }
    }

    void remove(ManagedConnection c) {
        lock.lock();
        try {
            ManagedConnection[] old = connections;
            for (int i = 0; i < old.length; i++) {
                if (old[i] == c) {
                    ManagedConnection[] next = new ManagedConnection[old.length - 1];
                    System.arraycopy(old, 0, next, 0, i);
                    System.arraycopy(old, i + 1, next, i, old.length - i - 1);
                    connections = next;
                    return;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether a new connect may start at {@code now}: not while the backoff delay runs, and while the endpoint is
     * failing only one attempt at a time (a probe), so a down server is not stampeded by waiting callers.
     */
    boolean mayConnect(long now) {
        lock.lock();
        try {
            return !draining && !checkFailing && breakerAllowsTraffic() && backoff.allows(now)
                    && (backoff.failures() == 0 || connecting.get() == 0) && connecting.get() < maxConnects;
        } finally {
            lock.unlock();
        }
    }

    /** Whether this endpoint's cap on concurrent connects is reached (other connects must finish first). */
    boolean connectsCapped() {
        return connecting.get() >= maxConnects;
    }

    /** When the backoff lets the next connect start, or {@code Long.MAX_VALUE} if it does not hold connects back. */
    long backoffUntil() {
        lock.lock();
        try {
            return backoff.isWaiting() ? backoff.nextAttemptAt() : Long.MAX_VALUE;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Claims the one probe connect an ejected endpoint may make once its breaker's wait has passed (the breaker goes
     * half-open). The connect's outcome, recorded by {@link #connectSucceeded} or {@link #connectFailed}, closes or
     * re-opens it; {@link #releaseProbe} gives the claim back if the connect cannot start.
     */
    boolean tryAcquireProbe() {
        return !draining && !checkFailing && connecting.get() == 0 && !breakerAllowsTraffic()
                && breaker.tryAcquirePermission();
    }

    void releaseProbe() {
        breaker.releasePermission();
    }

    /** Records a connect failure with the backoff and the breaker; returns the delay before the next attempt. */
    long connectFailed(long now, Throwable failure) {
        long delay;
        lock.lock();
        try {
            lastFailure = failure;
            delay = backoff.onFailure(now);
        } finally {
            lock.unlock();
        }
        // outside the lock: a breaker transition publishes events to user listeners
        breaker.onError(0, TimeUnit.NANOSECONDS, failure);
        return delay;
    }

    /**
     * Ejects the endpoint for a reason other than connect failures (its connections stopped answering pings): it gets
     * no leases until a probe connect succeeds. Returns whether this call ejected it.
     */
    boolean eject(Throwable cause, long now) {
        lastFailure = cause;
        if (!breakerAllowsTraffic()) {
            return false;
        }
        try {
            breaker.transitionToOpenState(); // not under the lock: it publishes events to user listeners
            return true;
        } catch (io.github.resilience4j.circuitbreaker.IllegalStateTransitionException alreadyOpen) {
            return false; // another thread opened it meanwhile
        }
    }

    /**
     * Open connections of this endpoint that failed (missed pongs, abnormal closes) since its last pong or
     * successful connect.
     */
    final AtomicInteger connectionFailures = new AtomicInteger();

    /** Consecutive connect failures so far (0 when the last connect succeeded). */
    int consecutiveFailures() {
        lock.lock();
        try {
            return backoff.failures();
        } finally {
            lock.unlock();
        }
    }

    /** Records a connect success; returns how many consecutive failures it ends. */
    int connectSucceeded() {
        int failures;
        lock.lock();
        try {
            failures = backoff.failures();
            backoff.onSuccess();
            lastFailure = null;
            connectionFailures.set(0);
        } finally {
            lock.unlock();
        }
        breaker.onSuccess(0, TimeUnit.NANOSECONDS); // outside the lock: it may publish a transition
        return failures;
    }

    /** Records why the endpoint is unhealthy, for stats and errors, without touching backoff or breaker. */
    void noteFailure(Throwable failure) {
        lastFailure = failure;
    }

    /** The last connect failure, while the endpoint is failing; {@code null} after a success. */
    Throwable lastFailure() {
        return lastFailure;
    }

    @Override
    public String toString() {
        return Endpoint.describe(uri) + (weight != 1 ? " (weight " + weight + ")" : "");
    }
}

package io.github.wspool.core.internal.connection;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.IllegalStateTransitionException;
import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.EndpointView;
import io.github.wspool.core.internal.messaging.Traffic;
import io.github.wspool.core.spi.TransportOptions;
import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One endpoint inside a pool: its connections, its slot and connect counters, its connect backoff and breaker, its
 * health and its latency estimate. Strategies see it as an {@link EndpointView}. The marks of its leaving (being
 * removed, its server going away) are kept apart, in its {@link EndpointDrain}.
 *
 * <p>The connection array is a shared snapshot ({@link ConnectionArray}: changed when a connection is created or
 * finally closed, read without a lock by every acquire), so the hot path is a lock-free scan plus one CAS.
 *
 * <p>Health: an endpoint is unhealthy while it is being removed (draining), while its HTTP health check fails, or
 * while its Resilience4j circuit breaker is not closed. The breaker records connect outcomes (it opens on the
 * configured failure rate, by default after {@code ejectAfterConnectFailures} failures) and is forced open when the
 * endpoint's open connections fail (missed pongs, resets): an ejection. While open, no connects; once its wait has
 * passed, one probe connect is let through (half-open), and its success closes the breaker again. The wait grows with
 * repeated ejections. The health monitor decides; this class keeps the record.
 *
 * <p>A connect counts as a success for backoff and breaker only once its connection has proved itself (it stayed
 * open for {@code ConnectAttempt}'s minimum lifetime, or the pool closed it first): {@link #connectSucceeded()} at the
 * proof, or {@link #connectFailed} if it died before; a completed handshake alone changes nothing here.
 */
public final class EndpointState implements EndpointView {

    /** Lower-case breaker state names, computed once: gauges read them without allocating. */
    private static final String[] STATE_NAMES = Arrays.stream(CircuitBreaker.State.values())
            .map(s -> s.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);

    private final URI uri;
    private volatile int weight;
    private final int maxSlots;
    private final FleetShare fleet;
    private final int maxConnects;
    private final int shareLimit;
    private final CircuitBreaker breaker;
    /** Connects per second to this endpoint, or {@code null} for no limit. */
    private final ConnectRate connectRate;
    /** Options for connects to this endpoint (the pool's, with its own headers). */
    private final TransportOptions transportOptions;

    private final ReentrantLock lock = new ReentrantLock();
    /** Opening, open and closing connections: an exact array per read, changed without copying. */
    private final ConnectionArray connections = new ConnectionArray();
    /** Connections holding a slot: opening, open or closing. */
    private final AtomicInteger slots = new AtomicInteger();
    /** Connect attempts in flight. */
    private final AtomicInteger connecting = new AtomicInteger();
    /** Open connections that failed (missed pongs, abnormal closes) since the last pong or successful connect. */
    private final AtomicInteger connectionFailures = new AtomicInteger();
    /** Set by a 401/403 that will be retried: the next connect here asks the header supplier to refresh. */
    private final AtomicBoolean refreshHeadersNext = new AtomicBoolean();

    private final Backoff backoff; // guarded by lock
    private final PeakEwma latency; // guarded by lock
    private volatile long latencyEstimate;
    /** Connect failures in a row, as the backoff counts them (written under {@link #lock}); read without it. */
    private volatile int failuresInRow;
    /** Failures in a row that make the endpoint known to be down: as many as its breaker needs to judge. */
    private final int downAfter;
    private volatile Throwable lastFailure;
    /** Set while the endpoint's HTTP health check says it is down. */
    private volatile boolean checkFailing;
    private volatile boolean healthy;
    /** Being removed, going away: the marks of its leaving. */
    private final EndpointDrain drain = new EndpointDrain();

    /** The HTTP health check's schedule and streaks; its verdict is {@link #checkFailing}. */
    private final HttpCheckRecord httpCheck = new HttpCheckRecord();
    /** Messages and bytes in and out since the endpoint was added. */
    private final Traffic traffic = new Traffic();

    /**
     * @param uri              as configured
     * @param weight           at least 1
     * @param caps             per-endpoint caps and sharing
     * @param breaker          the endpoint's connect breaker
     * @param backoff          its reconnect backoff
     * @param connectRate      its connects-per-second limit, or {@code null}
     * @param transportOptions its connect options
     * @param latencyDecayNanos decay time of the latency estimate
     */
    public EndpointState(URI uri, int weight, EndpointCaps caps, CircuitBreaker breaker, Backoff backoff,
                         ConnectRate connectRate, TransportOptions transportOptions, long latencyDecayNanos) {
        this.uri = uri;
        this.weight = weight;
        this.maxSlots = caps.maxConnections();
        this.fleet = new FleetShare(caps.maxFleetConnections());
        this.maxConnects = caps.maxConcurrentConnects();
        this.shareLimit = caps.maxLeasesPerConnection();
        this.breaker = breaker;
        this.backoff = backoff;
        this.connectRate = connectRate;
        this.transportOptions = transportOptions;
        this.latency = new PeakEwma(latencyDecayNanos);
        this.downAfter = Math.max(1, breaker.getCircuitBreakerConfig().getMinimumNumberOfCalls());
        refreshHealth();
    }


    /**
     * This endpoint's message counters, shared by its connections.
     *
     * @return the counters
     */
    public Traffic traffic() {
        return traffic;
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public int weight() {
        return weight;
    }

    /**
     * Changes the weight; weight-aware strategies use it from their next pick on.
     *
     * @param newWeight at least 1
     */
    public void weight(int newWeight) {
        this.weight = newWeight;
    }

    // ------------------------------------------------------------------------------------------------ health

    /**
     * {@code !isDraining() && !checkFailing && breakerAllowsTraffic()}, kept up to date by {@link #refreshHealth()}: the
     * acquire and release fast paths read this one field instead of following the breaker's state chain (five
     * dependent loads just before the lifecycle CAS, which has to wait for all of them).
     */
    @Override
    public boolean healthy() {
        return healthy;
    }

    /**
     * Recomputes {@link #healthy()} from its inputs. Called after every change of an input: draining, the health
     * check's verdict, and every breaker state transition (from the breaker's event, on the thread that made it),
     * and by every housekeeping pass for good measure. It re-reads the inputs after writing and repeats if they
     * moved, so that of two racing refreshes the last write always reflects the latest inputs.
     */
    public void refreshHealth() {
        while (true) {
            boolean now = !drain.draining() && !checkFailing && breakerAllowsTraffic();
            healthy = now;
            if (now == (!drain.draining() && !checkFailing && breakerAllowsTraffic())) {
                return;
            }
        }
    }

    /**
     * Whether the HTTP health check says the endpoint is down.
     *
     * @return {@code true} while failing
     */
    public boolean checkFailing() {
        return checkFailing;
    }

    /**
     * Records the HTTP health check's verdict.
     *
     * @param failing whether it says the endpoint is down
     */
    public void checkFailing(boolean failing) {
        checkFailing = failing;
        refreshHealth();
    }

    /** Whether the breaker lets ordinary traffic through (not open, half-open or forced open). */
    private boolean breakerAllowsTraffic() {
        CircuitBreaker.State s = breaker.getState();
        return s == CircuitBreaker.State.CLOSED || s == CircuitBreaker.State.DISABLED
                || s == CircuitBreaker.State.METRICS_ONLY;
    }

    /**
     * Whether the endpoint's breaker keeps traffic away (it was ejected).
     *
     * @return {@code true} while ejected
     */
    public boolean isEjected() {
        return !breakerAllowsTraffic();
    }

    @Override
    public String breakerState() {
        return STATE_NAMES[breaker.getState().ordinal()];
    }

    /**
     * The endpoint's connect breaker.
     *
     * @return the breaker
     */
    public CircuitBreaker breaker() {
        return breaker;
    }

    /**
     * Whether the endpoint is known to be down though it may still be in rotation (the ejection budget kept it): its
     * last connects failed, as many in a row as would open its breaker, and it has no connection to offer.
     *
     * @return {@code true} if down
     */
    public boolean knownDown() {
        return failuresInRow >= downAfter && !hasAvailable(); // one volatile read on the acquire path
    }

    /**
     * Whether the endpoint is being removed.
     *
     * @return {@code true} once its drain began
     */
    public boolean isDraining() {
        return drain.draining();
    }

    /**
     * Whether the server said it is going away (a 1001, 1012 or 1013 close, or the pool's drain signal) within the
     * drain hold-off: leases and new connections go to other endpoints while one of them can serve.
     *
     * @return {@code true} while it is
     */
    public boolean goingAway() {
        return drain.goingAway();
    }

    /**
     * Whether picks pass this endpoint over while another healthy one is not passed over: its server is going away,
     * or the fleet suspects it (other instances saw it fail).
     *
     * @return {@code true} if it is to be avoided
     */
    public boolean passedOver() {
        return drain.goingAway() || fleet.suspect();
    }

    /**
     * Its place in the fleet: other instances' connections, the fleet's suspicion, the fleet-wide cap.
     *
     * @return the share
     */
    public FleetShare fleet() {
        return fleet;
    }

    @Override
    public int fleetConnections() {
        return slots.get() + fleet.others();
    }

    /**
     * The marks of the endpoint's leaving: its removal's end and its server's going-away notices.
     *
     * @return the marks
     */
    public EndpointDrain drain() {
        return drain;
    }

    /** Starts the drain: no new leases or connections. */
    public void startDraining() {
        drain.start();
        refreshHealth();
    }

    /**
     * Ejects the endpoint for a reason other than connect failures (its connections failed): it gets no leases until
     * a probe connect succeeds.
     *
     * @param cause why, kept as its last failure
     * @return whether this call ejected it
     */
    public boolean eject(Throwable cause) {
        lastFailure = cause;
        if (!breakerAllowsTraffic()) {
            return false;
        }
        try {
            breaker.transitionToOpenState(); // not under the lock: it publishes events to user listeners
            return true;
        } catch (IllegalStateTransitionException alreadyOpen) {
            return false; // another thread opened it meanwhile
        }
    }

    /**
     * Open connections of this endpoint that failed since its last pong or successful connect.
     *
     * @return the counter
     */
    public AtomicInteger connectionFailures() {
        return connectionFailures;
    }

    /**
     * Records why the endpoint is unhealthy, for stats and errors, without touching backoff or breaker.
     *
     * @param failure the cause
     */
    public void noteFailure(Throwable failure) {
        lastFailure = failure;
    }

    /**
     * The last failure, while the endpoint is failing.
     *
     * @return the failure, {@code null} after a success
     */
    public Throwable lastFailure() {
        return lastFailure;
    }

    // ------------------------------------------------------------------------------------------------ connections

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
        for (ManagedConnection c : connections.get()) {
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
        for (ManagedConnection c : connections.get()) {
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

    /**
     * Records a round-trip time (handshake or ping) for the latency estimate.
     *
     * @param rttNanos the round trip
     * @param now      the ticker's time
     */
    public void recordLatency(long rttNanos, long now) {
        lock.lock();
        try {
            latencyEstimate = latency.sample(rttNanos, now);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The endpoint's connections (opening, open or closing), in the order they were added: an array nobody changes,
     * iterate freely.
     *
     * @return the current array
     */
    public ManagedConnection[] connections() {
        return connections.get();
    }

    /**
     * Takes an available connection (READY or IDLE → ACTIVE), lowest index first.
     *
     * @return the connection, or {@code null} if none
     */
    public ManagedConnection takeAvailable() {
        for (ManagedConnection c : connections.get()) {
            if (c.lease()) {
                return c;
            }
        }
        return null;
    }

    /**
     * Whether a connection is available, or (when shared) held by fewer leases than the limit.
     *
     * @return {@code true} if one can serve without a connect
     */
    public boolean hasAvailable() {
        int limit = shareLimit;
        for (ManagedConnection c : connections.get()) {
            ConnectionState s = c.state();
            if (s.isAvailable() || (limit > 1 && s == ConnectionState.ACTIVE && c.leases() >= 1
                    && c.leases() < limit)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Adds a connection about to connect.
     *
     * @param c the connection
     */
    public void add(ManagedConnection c) {
        connections.add(c);
    }

    /**
     * Removes a closed connection.
     *
     * @param c the connection
     */
    public void remove(ManagedConnection c) {
        connections.remove(c);
    }

    // ------------------------------------------------------------------------------------------------ slots

    /**
     * Connections holding a slot (opening, open or closing).
     *
     * @return the count
     */
    public int slots() {
        return slots.get();
    }

    /**
     * Whether this endpoint's own cap leaves room for one more connection (the pool-wide cap is checked apart).
     *
     * @return {@code true} if there is room
     */
    public boolean hasRoom() {
        int n = slots.get();
        return n < maxSlots && fleet.allows(n);
    }

    /**
     * Reserves one of this endpoint's slots, if its cap allows.
     *
     * @return whether one was reserved
     */
    public boolean tryReserve() {
        while (true) {
            int n = slots.get();
            if (n >= maxSlots || !fleet.allows(n)) {
                return false;
            }
            if (slots.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Frees a slot reserved with {@link #tryReserve()}. */
    public void freeSlot() {
        slots.decrementAndGet();
    }

    // ------------------------------------------------------------------------------------------------ connecting

    /**
     * Connect attempts in flight.
     *
     * @return the counter
     */
    public AtomicInteger connecting() {
        return connecting;
    }

    /**
     * The connects-per-second limit.
     *
     * @return the limit, or {@code null} for none
     */
    public ConnectRate connectRate() {
        return connectRate;
    }

    /**
     * The options for connects to this endpoint.
     *
     * @return the options
     */
    public TransportOptions transportOptions() {
        return transportOptions;
    }

    /**
     * Set by a 401/403 that will be retried: the next connect asks the header supplier for fresh credentials.
     *
     * @return the flag
     */
    public AtomicBoolean refreshHeadersNext() {
        return refreshHeadersNext;
    }

    /**
     * Whether a new connect may start at {@code now}: not while the backoff delay runs, and while the endpoint is
     * failing only one attempt at a time (a probe), so a down server is not stampeded by waiting callers.
     *
     * @param now the ticker's time
     * @return {@code true} if a connect may start
     */
    public boolean mayConnect(long now) {
        lock.lock();
        try {
            return !drain.draining() && !checkFailing && breakerAllowsTraffic() && backoff.allows(now)
                    && (backoff.failures() == 0 || connecting.get() == 0) && connecting.get() < maxConnects;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether this endpoint's cap on concurrent connects is reached (other connects must finish first).
     *
     * @return {@code true} at the cap
     */
    public boolean connectsCapped() {
        return connecting.get() >= maxConnects;
    }

    /**
     * When the backoff lets the next connect start.
     *
     * @return the ticker's time (possibly past), or {@code Long.MAX_VALUE} if no failure is being backed off from
     */
    public long backoffUntil() {
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
     *
     * @return whether the probe may start
     */
    public boolean tryAcquireProbe() {
        return !drain.draining() && !checkFailing && connecting.get() == 0 && !breakerAllowsTraffic()
                && breaker.tryAcquirePermission();
    }

    /** Gives back a probe claim whose connect could not start. */
    public void releaseProbe() {
        breaker.releasePermission();
    }

    /**
     * Records a connect failure with the backoff (the breaker is told apart: {@link #countConnectFailure}, only for
     * failures that are the server's, within the ejection budget).
     *
     * @param now     the ticker's time
     * @param failure the failure
     * @return the delay before the next attempt
     */
    public long connectFailed(long now, Throwable failure) {
        lock.lock();
        try {
            lastFailure = failure;
            long delay = backoff.onFailure(now);
            failuresInRow = backoff.failures();
            return delay;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Counts a connect failure against the endpoint: its breaker records it, and may open (an ejection).
     *
     * @param failure the failure
     */
    public void countConnectFailure(Throwable failure) {
        // not under the lock: a breaker transition publishes events to user listeners
        breaker.onError(0, TimeUnit.NANOSECONDS, failure);
    }

    /**
     * Consecutive connect failures so far.
     *
     * @return 0 when the last connect succeeded
     */
    public int consecutiveFailures() {
        lock.lock();
        try {
            return backoff.failures();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A connect whose connection the pool closed before it could prove itself, for a reason that says nothing of the
     * endpoint (it was ejected or removed meanwhile): no verdict. If the breaker is half-open, its permission for a
     * probe is given back, so that another probe can go.
     */
    public void noVerdict() {
        if (breaker.getState() == CircuitBreaker.State.HALF_OPEN) {
            breaker.releasePermission();
        }
    }

    /**
     * Records a connect success: its connection proved itself.
     *
     * @return how many consecutive failures it ends
     */
    public int connectSucceeded() {
        int failures;
        lock.lock();
        try {
            failures = backoff.failures();
            backoff.onSuccess();
            failuresInRow = 0;
            lastFailure = null;
            connectionFailures.set(0);
        } finally {
            lock.unlock();
        }
        breaker.onSuccess(0, TimeUnit.NANOSECONDS); // outside the lock: it may publish a transition
        return failures;
    }

    /**
     * The HTTP health check's schedule and streaks for this endpoint (its verdict is {@link #checkFailing(boolean)}).
     *
     * @return the record
     */
    public HttpCheckRecord httpCheck() {
        return httpCheck;
    }

    @Override
    public String toString() {
        return Endpoint.describe(uri) + (weight != 1 ? " (weight " + weight + ")" : "");
    }
}

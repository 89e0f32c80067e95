package io.github.wspool.core.internal.housekeeping;

import io.github.wspool.ConnectionState;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connect.Connector;
import io.github.wspool.core.internal.connection.ConnectionTimes;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.health.EndpointChecks;
import io.github.wspool.core.internal.health.HealthMonitor;
import io.github.wspool.event.RecycleReason;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The pool's one periodic task, written as {@link #maintain(long) maintain(now) → delay until it next has work}
 * (OkHttp's {@code closeConnections(now)}): ages READY connections into IDLE, evicts IDLE ones above the minimum,
 * recycles those past their lifetime, runs the health monitor's pings, probes and checks, and has the connector
 * refill. The scheduler runs it; anything that creates work sooner (a slot freed, a connect failed, a connection
 * opened) asks for a pass with {@link #requestMaintenance()}.
 *
 * <p>Releases do not read the clock (nor write anything for this pass): a connection taken since the last pass, or
 * held at it, has been in use ({@code ConnectionTimes.takeUsed()}, from the holdings its state word counts), and this
 * pass counts {@code now} as its last use. So idle time is measured from the first pass after the last
 * use: never early, and late by at most the time between two passes (at most 5 s). A connection past its lifetime is
 * marked expired here, so that the release of a leased one recycles it without a clock read; the pass is scheduled
 * for the earliest lifetime end, leased connections included.
 */
public final class Housekeeper {

    /** Upper bound on the period, so that a missed wake-up can never stall the pool for long. */
    private static final long MAX_DELAY = TimeUnit.SECONDS.toNanos(5);
    private static final long MIN_DELAY = TimeUnit.MILLISECONDS.toNanos(1);
    /** Connections a pass looks at from which the next pass is kept apart from it ({@link #spacingNanos(int)}). */
    static final int SPACED_FROM = 1_000;
    /** Time kept between two passes per connection the first looked at, from {@link #SPACED_FROM} connections. */
    static final long SPACING_PER_CONNECTION_NANOS = 2_000;

    private final ExpirySettings settings;
    private final Ticker ticker;
    private final PoolScheduler scheduler;
    private final Shutdown shutdown;
    private final EndpointRegistry endpoints;
    private final Recycler recycler;
    private final Connector connector;
    private final HealthMonitor health;
    private final EndpointChecks checks;
    private final long idleAfterNanos;
    /** {@code idleTimeout} and {@code maxLifetime}: as configured, or as last changed at runtime. */
    private volatile long idleTimeoutNanos;
    private volatile long maxLifetimeNanos;
    private final AtomicBoolean wakeupScheduled = new AtomicBoolean();
    private volatile PoolScheduler.Cancellable nextPass;
    /** The ticker's time at the last pass: with the pool's connection count, when the next may start. */
    private volatile long lastPassAt;
    /** Run at the start of every pass: refreshes what is derived from state nobody reports changes of (a log level). */
    private volatile Runnable everyPass = () -> { };

    /**
     * @param settings  the expiry settings
     * @param ticker    the pool's time source
     * @param scheduler runs the passes
     * @param shutdown  whether the pool is closing
     * @param parts     what a pass looks at and works with
     */
    public Housekeeper(ExpirySettings settings, Ticker ticker, PoolScheduler scheduler, Shutdown shutdown,
                       Parts parts) {
        this.settings = settings;
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.shutdown = shutdown;
        this.endpoints = parts.endpoints();
        this.recycler = parts.recycler();
        this.connector = parts.connector();
        this.health = parts.health();
        this.checks = parts.checks();
        this.idleAfterNanos = settings.idleAfter().toNanos();
        this.idleTimeoutNanos = settings.idleTimeout().toNanos();
        this.maxLifetimeNanos = settings.maxLifetime().toNanos();
    }

    /**
     * What a pass works with.
     *
     * @param endpoints the endpoints and their connections
     * @param recycler  closes idle and expired connections
     * @param connector refills
     * @param health    pings, probes, ejected endpoints
     * @param checks    HTTP health checks
     */
    public record Parts(EndpointRegistry endpoints, Recycler recycler, Connector connector, HealthMonitor health,
                        EndpointChecks checks) {
    }

    /**
     * The current {@code idleTimeout}.
     *
     * @return the idle timeout in nanoseconds (zero: never)
     */
    public long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    /**
     * The current {@code maxLifetime}.
     *
     * @return the lifetime in nanoseconds (zero: unlimited)
     */
    public long maxLifetimeNanos() {
        return maxLifetimeNanos;
    }

    /**
     * Changes {@code idleTimeout} at runtime: the next pass (asked for here) evicts by it.
     *
     * @param nanos zero (never) or positive
     */
    public void idleTimeout(long nanos) {
        idleTimeoutNanos = nanos;
        requestMaintenance();
    }

    /**
     * Changes {@code maxLifetime} at runtime: every open connection's end of life is recomputed from its opening
     * (with the jitter it had: up to 2.5% of the new lifetime), and the next pass (asked for here) recycles those past
     * it, leased ones on release.
     *
     * @param nanos zero (unlimited) or positive
     */
    public void maxLifetime(long nanos) {
        maxLifetimeNanos = nanos;
        for (EndpointState e : endpoints.array()) {
            for (ManagedConnection c : e.connections()) {
                ConnectionTimes times = c.times();
                long opened = times.openedAt();
                if (opened != ConnectionTimes.NOT_OPENED) { // one still connecting gets its lifetime as it opens
                    times.expiresAt(nanos > 0 ? opened + nanos - lifetimeJitter() : Long.MAX_VALUE);
                }
            }
        }
        requestMaintenance();
    }

    /**
     * What a soft eviction did.
     *
     * @param closedNow available connections closed at once
     * @param onRelease leased connections marked, to be closed when released
     */
    public record Evicted(int closedNow, int onRelease) {
    }

    /**
     * Soft eviction: every connection in service is retired ({@link Recycler#retire}, reason
     * {@link RecycleReason#SOFT_EVICTED}): an available one is closed now, a leased one is marked and closed when
     * released (a subscription's carrier is told to move). Connections still connecting are new already and left
     * alone. The refill to the minimum follows the closes (and a pass is asked for here).
     *
     * @return how many were closed now and how many will be on release
     */
    /**
     * Soft-evicts one connection: closed now if available, on release if leased.
     *
     * @param connectionId its id
     * @return whether a connection in service had that id
     */
    public boolean evict(String connectionId) {
        for (EndpointState e : endpoints.array()) {
            for (ManagedConnection c : e.connections()) {
                if (c.id.equals(connectionId) && inService(c.state())) {
                    recycler.retire(c, RecycleReason.SOFT_EVICTED);
                    requestMaintenance(); // the minimum, once it is gone
                    return true;
                }
            }
        }
        return false;
    }

    public Evicted softEvict() {
        int now = 0;
        int later = 0;
        for (EndpointState e : endpoints.array()) {
            for (ManagedConnection c : e.connections()) {
                if (!inService(c.state())) {
                    continue;
                }
                if (recycler.retire(c, RecycleReason.SOFT_EVICTED)) {
                    now++;
                } else if (c.times().expired() && inService(c.state())) {
                    later++;
                }
            }
        }
        requestMaintenance();
        return new Evicted(now, later);
    }

    /**
     * A connection opened: its idle time and lifetime start now (the lifetime minus up to 2.5% jitter, so that
     * connections opened together do not all expire together).
     *
     * @param c   the connection
     * @param now the ticker's time
     */
    public void opened(ManagedConnection c, long now) {
        ConnectionTimes times = c.times();
        times.lastUsedAt(now);
        times.openedAt(now); // before the lifetime is read: a lifetime changed meanwhile recomputes from it
        times.expiresAt(maxLifetimeNanos > 0 ? now + maxLifetimeNanos - lifetimeJitter() : Long.MAX_VALUE);
    }

    private long lifetimeJitter() {
        long max = maxLifetimeNanos / 40; // up to 2.5%
        return max > 0 ? ThreadLocalRandom.current().nextLong(max + 1) : 0;
    }

    /**
     * Runs a pass soon, once, however many times it is asked before it runs. In a large pool "soon" is after the
     * spacing a pass over its connections asks for ({@link #spacingNanos(int)}); otherwise at once.
     */
    public void requestMaintenance() {
        if (!shutdown.begun() && wakeupScheduled.compareAndSet(false, true)) {
            long spacing = spacingNanos(connector.slots());
            scheduler.schedule(this::run, spacing == 0 ? 0 : Math.max(0, lastPassAt + spacing - ticker.read()));
        }
    }

    /**
     * How long a pass that looked at {@code connections} keeps the next one away. A pass is O(connections), and work
     * asks for passes often: every connection that opens (so that its keepalive is seen), and every keepalive due,
     * each connection's at its own jittered time. Below {@link #SPACED_FROM} connections that costs little and passes
     * run as asked; above it, the next pass waits {@link #SPACING_PER_CONNECTION_NANOS} per connection (38 ms at
     * 19,000), so that the pool's one periodic task stays a few per cent of a core however large the pool, instead of
     * running back to back (up to 1,000 passes a second while 19,000 connections ramp up or ping). Pings, idle marks
     * and refills are that much later at most.
     *
     * @param connections the connections a pass looks at (the pool's slots: opening, open and closing ones)
     * @return nanoseconds, zero for a small pool
     */
    static long spacingNanos(int connections) {
        return connections < SPACED_FROM ? 0 : connections * SPACING_PER_CONNECTION_NANOS;
    }

    private void run() {
        wakeupScheduled.set(false);
        if (shutdown.begun()) {
            return;
        }
        long delay = maintain(ticker.read());
        PoolScheduler.Cancellable previous = nextPass;
        if (previous != null) {
            previous.cancel();
        }
        nextPass = scheduler.schedule(this::run, Math.max(delay, spacingNanos(connector.slots())));
    }

    /**
     * What to run at the start of every pass (the lease broker's fast-path word, which caches whether the pool's DEBUG
     * log is on: a log level changed at runtime is seen within a pass).
     *
     * @param r the hook (one per pool: the last one set wins)
     */
    public void everyPass(Runnable r) {
        everyPass = r;
    }

    /** Cancels the next pass (the pool is closing). */
    public void stop() {
        PoolScheduler.Cancellable next = nextPass;
        if (next != null) {
            next.cancel();
        }
    }

    /**
     * One pass at {@code now}.
     *
     * @param now the ticker's time
     * @return nanoseconds until the next pass has something to do (bounded to [1 ms, 5 s])
     */
    public long maintain(long now) {
        if (shutdown.begun()) {
            return MAX_DELAY;
        }
        everyPass.run();
        long next = now + MAX_DELAY;
        connector.sizing().shedSurplus(); // above a lowered maxConnections: available connections first
        int open = connector.slots();
        int min = connector.sizing().keepOpen();
        for (EndpointState e : endpoints.array()) {
            e.refreshHealth(); // event-driven anyway; this bounds the damage of a lost update to one pass
            for (ManagedConnection c : e.connections()) {
                ConnectionTimes times = c.times();
                if (times.takeUsed()) {
                    times.lastUsedAt(now); // in use since the last pass
                }
                ConnectionState s = c.state();
                if (inService(s)) {
                    if (now - times.expiresAt() >= 0) {
                        if (recycler.retire(c, RecycleReason.LIFETIME)) {
                            continue;
                        }
                        s = c.state();
                    } else {
                        next = Math.min(next, times.expiresAt());
                    }
                }
                if (s == ConnectionState.READY) {
                    long idleAt = times.lastUsedAt() + idleAfterNanos;
                    if (now - idleAt >= 0 && c.markIdle()) {
                        s = ConnectionState.IDLE;
                    } else {
                        next = Math.min(next, idleAt);
                    }
                }
                if (s == ConnectionState.IDLE && idleTimeoutNanos > 0 && open > min) {
                    long evictAt = times.lastUsedAt() + idleTimeoutNanos;
                    if (now - evictAt < 0) {
                        next = Math.min(next, evictAt);
                    } else if (recycler.recycleIfIdle(c, RecycleReason.IDLE)) {
                        open--;
                        continue;
                    }
                }
                if (inService(s)) {
                    next = Math.min(next, health.keepalive(c, now));
                }
                next = Math.min(next, health.applicationProbe(c, now));
            }
            if (checks.enabled()) {
                next = Math.min(next, checks.check(e, now));
            }
            next = Math.min(next, health.probeEjected(e, now));
        }
        next = Math.min(next, connector.refill(now));
        lastPassAt = now;
        return Math.max(MIN_DELAY, Math.min(MAX_DELAY, next - now));
    }

    private static boolean inService(ConnectionState s) {
        return s == ConnectionState.READY || s == ConnectionState.IDLE || s == ConnectionState.ACTIVE;
    }
}

package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.PoolControl;
import io.github.wspool.PoolListener;
import io.github.wspool.PoolStats;
import io.github.wspool.PooledConnection;
import io.github.wspool.Subscription;
import io.github.wspool.SubscriptionListener;
import io.github.wspool.SubscriptionOptions;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.internal.concurrent.ExecutorPoolScheduler;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connect.Connector;
import io.github.wspool.core.internal.connect.Demand;
import io.github.wspool.core.internal.connection.ConnectionOwner;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.Lease;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.core.internal.endpoint.Affinity;
import io.github.wspool.core.internal.endpoint.EjectionBudget;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.endpoint.EndpointSelector;
import io.github.wspool.core.internal.fleet.FleetMembership;
import io.github.wspool.core.internal.fleet.PoolFleetLink;
import io.github.wspool.core.internal.event.PoolListeners;
import io.github.wspool.core.internal.health.EndpointChecks;
import io.github.wspool.core.internal.health.HealthMonitor;
import io.github.wspool.core.internal.health.ServerDrain;
import io.github.wspool.core.internal.housekeeping.Housekeeper;
import io.github.wspool.core.internal.lease.LeaseBroker;
import io.github.wspool.core.internal.messaging.Messaging;
import io.github.wspool.core.internal.session.Subscriptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool: builds its components from the settings, wires them, and hands the public API to them. It holds no
 * state of its own beyond the wiring; {@code pool-core/ARCHITECTURE.md} is the map of who owns what.
 *
 * <ul>
 *   <li>{@link LeaseBroker}: acquire, wait, release, handoff to waiters (package {@code lease});</li>
 *   <li>{@link Connector}: slots, connects, backoff, refill to the minimum (package {@code connect});</li>
 *   <li>{@link HealthMonitor} and {@link EndpointChecks}: pings, probes, breakers, ejection (package
 *       {@code health});</li>
 *   <li>{@link EndpointRegistry}, {@link EndpointSelector}, {@link Affinity}: which endpoints exist and which one
 *       serves (package {@code endpoint});</li>
 *   <li>{@link Housekeeper}: the periodic pass (package {@code housekeeping});</li>
 *   <li>{@link Messaging}: sends, requests, inbound routing (package {@code messaging});</li>
 *   <li>{@link Subscriptions}: channel subscriptions that survive their connections (package {@code session});</li>
 *   <li>{@link Recycler}: every way out of the pool (package {@code connection}, with the connection model);</li>
 *   <li>{@link ConnectionRouter}: transport callbacks fanned out to the above; {@link PoolShutdown}: close.</li>
 * </ul>
 */
public final class DefaultWebSocketPool implements WebSocketPool, ConnectionOwner {

    private static final Logger log = LoggerFactory.getLogger(DefaultWebSocketPool.class);
    private static final LongUnaryOperator FULL_JITTER = bound -> ThreadLocalRandom.current().nextLong(bound + 1);

    private final PoolSettings settings;
    private final String name;
    private final PoolListeners events;
    private final Shutdown shutdown = new Shutdown();
    private final EndpointRegistry endpoints;
    private final Connector connector;
    private final LeaseBroker leases;
    private final HealthMonitor health;
    private final EndpointChecks checks;
    private final Housekeeper housekeeper;
    private final Messaging messaging;
    private final Subscriptions subscriptions;
    private final PoolShutdown closer;
    private final PoolControl control;
    /** The pool's side of fleet mode, or {@code null} without a fleet. */
    private final PoolFleetLink fleetLink;
    /** Joins the fleet and binds the endpoint resolver at start, leaves and unbinds at close. */
    private final FleetMembership membership;
    /** The pool's MXBean with {@code registerMbeans(true)}, else {@code null}. */
    private final PoolMBean mbean;

    private DefaultWebSocketPool(PoolSettings settings, PoolScheduler scheduler, LongUnaryOperator backoffJitter) {
        this.settings = settings;
        this.name = settings.name();
        this.events = new PoolListeners(name, settings.ticker(), listeners(settings));
        var ticker = settings.ticker();
        var router = new ConnectionRouter(name, settings.connect().transportOptions().maxMessageSize());
        var recycler = new Recycler(name, events, scheduler, settings.connect().closeTimeout().toNanos(), router);
        var affinity = new Affinity(settings.routing().affinityMaxKeys(),
                settings.routing().affinityExpireAfterAccess(), ticker);
        var factory = new EndpointFactory(settings, backoffJitter, events);
        List<EndpointState> initial = new ArrayList<>();
        for (PoolSettings.EndpointSpec spec : settings.endpoints()) {
            initial.add(factory.create(spec.uri(), spec.weight(), spec.headers()));
        }
        this.endpoints = new EndpointRegistry(name, initial, factory, recycler, scheduler, events, affinity, shutdown,
                this::requestMaintenance);
        if (settings.fleet().resolver() != null) {
            endpoints.discoveredFrom(String.valueOf(settings.fleet().resolver()));
        }
        var budget = new EjectionBudget(endpoints, settings.health().maxEjectionPercent());
        var selector = new EndpointSelector(settings.routing().strategy(), name, settings.routing().panicMode());
        this.connector = new Connector(name, settings.connect(), new Connector.Collaborators(ticker,
                settings.transport(), scheduler, events, endpoints, selector, recycler, shutdown, this, budget), router,
                demand(), this::requestMaintenance);
        this.health = new HealthMonitor(name, settings.health(), ticker, events, recycler, connector, shutdown,
                this::failWaitersIfNoEndpointUsable, budget);
        this.messaging = new Messaging(name, settings.messaging(), ticker, scheduler, health, events);
        this.leases = new LeaseBroker(name, settings.lease(), new LeaseBroker.Collaborators(ticker, scheduler, events,
                shutdown, endpoints, selector, affinity, connector, messaging, recycler));
        leases.observeTransitionsWhen(this::observesTransitions); // the fast path's word caches it (listeners, DEBUG)
        this.subscriptions = new Subscriptions(name, settings.sessions(),
                key -> (key == null ? leases.acquireAsync() : leases.acquireAsync(key)).thenApply(lease -> {
                    leases.exemptFromLeakDetection(lease); // held for the subscriptions' life on purpose
                    return lease;
                }), scheduler, events);
        this.checks = new EndpointChecks(name, settings.health(), health, shutdown, this::requestMaintenance);
        this.housekeeper = new Housekeeper(settings.expiry(), ticker, scheduler, shutdown,
                new Housekeeper.Parts(endpoints, recycler, connector, health, checks));
        housekeeper.everyPass(leases::refreshFastPath); // a DEBUG level set at runtime is seen within a pass
        var drain = new ServerDrain(name, settings.sessions().drainSignal(),
                settings.sessions().drainHoldOff().toNanos(), ticker, scheduler, recycler, connector, shutdown);
        router.bind(new ConnectionRouter.Parts(messaging, health, housekeeper, leases, connector, endpoints, recycler,
                shutdown, subscriptions, drain));
        this.closer = new PoolShutdown(name, settings, new PoolShutdown.Parts(shutdown, endpoints, leases, recycler,
                housekeeper, checks, messaging, scheduler, events, connector, subscriptions));
        this.fleetLink = settings.fleet().backend() == null ? null : new PoolFleetLink(name, endpoints,
                null, settings.health().pingInterval());
        this.control = new PoolControlView(name, new PoolControlView.Parts(endpoints, leases, settings.connect(),
                connector, selector, housekeeper, health, subscriptions, events, shutdown, settings.ticker(),
                fleetLink != null ? fleetLink::degradedReason : () -> null));
        if (fleetLink != null) {
            fleetLink.control(control);
        }
        this.membership = new FleetMembership(name, settings.fleet(), fleetLink, control,
                t -> endpoints.add(t.uri(), t.weight(), java.util.Map.of(), t.serverName()));
        this.mbean = settings.registerMbeans() ? new PoolMBean(this, leases) : null;
    }

    /** The builder's listeners, and the resolver's connect-failure hints when endpoints are discovered. */
    private static List<PoolListener> listeners(PoolSettings settings) {
        if (settings.fleet().resolver() == null) {
            return settings.listeners();
        }
        List<PoolListener> all = new ArrayList<>(settings.listeners());
        all.add(FleetMembership.connectFailureHints(settings.fleet().resolver()));
        return all;
    }

    /**
     * Builds and starts a pool on the production scheduler (one daemon thread) with full-jitter backoff.
     *
     * @param settings the settings
     * @return the running pool
     */
    public static DefaultWebSocketPool start(PoolSettings settings) {
        return start(settings, new ExecutorPoolScheduler(settings.name()), FULL_JITTER);
    }

    /**
     * Builds and starts a pool on the given scheduler; {@code backoffJitter} maps a backoff bound to the delay
     * actually used (production: uniform in {@code [0, bound]}; tests: the bound itself).
     *
     * @param settings      the settings
     * @param scheduler     runs the pool's timed work
     * @param backoffJitter the jitter
     * @return the running pool
     */
    public static DefaultWebSocketPool start(PoolSettings settings, PoolScheduler scheduler,
                                             LongUnaryOperator backoffJitter) {
        DefaultWebSocketPool pool = new DefaultWebSocketPool(settings, scheduler, backoffJitter);
        if (pool.mbean != null) {
            try {
                pool.mbean.register(); // before any connect: a name taken already fails the build, nothing started
            } catch (RuntimeException e) {
                pool.close();
                throw e;
            }
        }
        pool.begin();
        return pool;
    }

    /**
     * With fail-fast initialization first connects once to every endpoint; then starts the first connects to
     * {@code minConnections} on the caller's thread (starting a connect does not block), so that they are placed by
     * weight before the first acquire arrives, and schedules housekeeping.
     */
    private void begin() {
        if (!settings.connect().transportOptions().tls().verifyHostname()) {
            log.warn("[{}] TLS hostname verification is OFF (dangerouslyDisableHostnameVerification): a certificate"
                    + " the trust store accepts is accepted for any host name, so whoever holds one can impersonate"
                    + " the servers of this pool and read and change its traffic", name);
        }
        log.info("[{}] starting: endpoints={}, pooling={}, minConnections={}, maxConnections={}, strategy={}", name,
                endpoints.snapshot().list(), settings.lease().pooling(), settings.connect().minConnections(),
                settings.connect().maxConnections(), settings.routing().strategy());
        if (settings.connect().failFastInitialization()) {
            try {
                connector.checkEndpointsReachable();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
        // the fleet first: joining hands the pool the other instances' counts it knows already (no I/O), so that the
        // first connections are placed by the fleet's picture (fleetLeastConnections), not blind
        membership.start();
        connector.refillToMin(settings.ticker().read());
        housekeeper.requestMaintenance();
        if (endpoints.awaitingDiscovery()) {
            log.info("[{}] no endpoint of its own: waiting for the first endpoint set from {}", name,
                    endpoints.discoverySource());
        }
    }

    private void requestMaintenance() {
        housekeeper.requestMaintenance();
    }

    /** The lease broker's waiters as the connector sees them (the broker is made after the connector). */
    private Demand demand() {
        return new Demand() {
            @Override
            public int waiting() {
                return leases.waiting();
            }

            @Override
            public EndpointState preferred() {
                return leases.preferred();
            }
        };
    }

    private void failWaitersIfNoEndpointUsable() {
        leases.failWaitersIfNoEndpointUsable();
    }

    /**
     * One housekeeping pass at {@code now} (tests drive it with a fake ticker).
     *
     * @param now the ticker's time
     * @return nanoseconds until the next pass has work
     */
    long maintain(long now) {
        return housekeeper.maintain(now);
    }

    // ------------------------------------------------------------------------------------------------ the API

    @Override
    public String name() {
        return name;
    }

    @Override
    public PooledConnection acquire() {
        return leases.acquire();
    }

    @Override
    public PooledConnection acquire(Duration timeout) {
        return leases.acquire(timeout);
    }

    @Override
    public PooledConnection acquire(String affinityKey) {
        return leases.acquire(affinityKey);
    }

    @Override
    public PooledConnection acquire(String affinityKey, Duration timeout) {
        return leases.acquire(affinityKey, timeout);
    }

    @Override
    public CompletableFuture<PooledConnection> acquireAsync() {
        return leases.acquireAsync();
    }

    @Override
    public CompletableFuture<PooledConnection> acquireAsync(Duration timeout) {
        return leases.acquireAsync(timeout);
    }

    @Override
    public Subscription subscribe(String channel, SubscriptionListener listener) {
        return subscriptions.subscribe(channel, SubscriptionOptions.defaults(), listener);
    }

    @Override
    public Subscription subscribe(String channel, SubscriptionOptions options, SubscriptionListener listener) {
        return subscriptions.subscribe(channel, options, listener);
    }

    @Override
    public PoolStats stats() {
        return endpoints.stats(leases.pending());
    }

    @Override
    public PoolControl control() {
        return control;
    }

    @Override
    public void addListener(PoolListener listener) {
        events.add(Objects.requireNonNull(listener, "listener"));
        leases.refreshFastPath();
    }

    @Override
    public void removeListener(PoolListener listener) {
        events.remove(listener);
        leases.refreshFastPath();
    }

    @Override
    public boolean isClosed() {
        return shutdown.begun();
    }

    @Override
    public void close() {
        try {
            membership.close(); // no more endpoint sets, no more fleet exchange: the pool is leaving
            closer.close();
        } finally {
            if (mbean != null) {
                mbean.unregister();
            }
        }
    }

    @Override
    public String toString() {
        return "WebSocketPool[" + name + ", " + stats() + "]";
    }

    // ------------------------------------------------------------------------------------------------ ConnectionOwner

    @Override
    public void release(Lease lease) {
        leases.release(lease);
    }

    @Override
    public Messaging messaging() {
        return messaging;
    }

    @Override
    public boolean observesTransitions() {
        return events.listening() || log.isDebugEnabled();
    }

    @Override
    public void onTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} {} -> {}", name, c.id, from, to);
        }
        events.stateChanged(c.id, c.endpoint, from, to);
    }

    @Override
    public void onIllegalTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
        String message = "[" + name + "] illegal lifecycle transition " + from + " -> " + to + " requested for " + c.id
                + " (currently " + c.state() + ")";
        log.error(message, new IllegalStateException(message));
        assert false : message;
    }
}

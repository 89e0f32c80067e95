package io.github.wspool.core.internal;

import io.github.wspool.ConnectionSnapshot;
import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.Endpoint;
import io.github.wspool.PoolControl;
import io.github.wspool.PoolHealth;
import io.github.wspool.SubscriptionState;
import io.github.wspool.core.Ticker;
import io.github.wspool.LoadBalancingStrategy;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PoolReconfiguration;
import io.github.wspool.PoolStats;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connect.ConnectSettings;
import io.github.wspool.core.internal.connect.Connector;
import io.github.wspool.core.internal.connect.Sizing;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.endpoint.EndpointSelector;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.internal.health.HealthMonitor;
import io.github.wspool.core.internal.housekeeping.Housekeeper;
import io.github.wspool.core.internal.lease.LeaseBroker;
import io.github.wspool.core.internal.session.Subscriptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool's {@link PoolControl}: the operator's calls, each going to the component that owns what it changes or
 * reads (the endpoint registry, the lease broker's waiters and suspension, the connector's size bounds, the
 * selector's strategy, the housekeeper's expiry, the health monitor's keepalive). One per pool, created with it.
 *
 * <h2>Reconfiguration</h2>
 * One lock serializes reconfigurations: under it the change is validated whole against the values in force (nothing
 * is written if any part is invalid), then every new value is published to its component (each a volatile write the
 * hot paths read without a lock). Outside the lock the components act on it (connects for waiters, surplus closed,
 * refill, a housekeeping pass), the INFO line is logged and the event published.
 */
final class PoolControlView implements PoolControl {

    private static final Logger log = LoggerFactory.getLogger(PoolControlView.class);

    /**
     * What the operator's calls reach.
     *
     * @param endpoints     the endpoints
     * @param leases        waiters, suspension, the acquire timeout
     * @param connect       the connect settings (pooling)
     * @param connector     the size bounds
     * @param selector      the strategy
     * @param housekeeper   idle timeout, lifetime, soft eviction
     * @param health        the keepalive period
     * @param subscriptions their counts
     * @param events        where changes are reported
     * @param shutdown      whether the pool is closing
     * @param ticker        the pool's time source
     */
    record Parts(EndpointRegistry endpoints, LeaseBroker leases, ConnectSettings connect, Connector connector,
                 EndpointSelector selector, Housekeeper housekeeper, HealthMonitor health, Subscriptions subscriptions,
                 PoolEvents events, Shutdown shutdown, Ticker ticker, Supplier<String> fleetDegraded) {
    }

    private final String pool;
    private final EndpointRegistry endpoints;
    private final LeaseBroker leases;
    private final ConnectSettings connect;
    private final Connector connector;
    private final EndpointSelector selector;
    private final Housekeeper housekeeper;
    private final HealthMonitor health;
    private final Subscriptions subscriptions;
    private final PoolEvents events;
    private final Shutdown shutdown;
    private final Ticker ticker;
    private final Supplier<String> fleetDegraded;
    /** Serializes reconfigurations: validate, then publish, as one. */
    private final ReentrantLock reconfiguring = new ReentrantLock();

    PoolControlView(String pool, Parts parts) {
        this.pool = pool;
        this.endpoints = parts.endpoints();
        this.leases = parts.leases();
        this.connect = parts.connect();
        this.connector = parts.connector();
        this.selector = parts.selector();
        this.housekeeper = parts.housekeeper();
        this.health = parts.health();
        this.subscriptions = parts.subscriptions();
        this.events = parts.events();
        this.shutdown = parts.shutdown();
        this.ticker = parts.ticker();
        this.fleetDegraded = parts.fleetDegraded();
    }

    @Override
    public List<EndpointSnapshot> endpoints() {
        return endpoints.stats(leases.pending()).endpoints();
    }

    @Override
    public void addEndpoint(URI uri, int weight) {
        endpoints.add(uri, weight, Map.of());
    }

    @Override
    public void addEndpoint(URI uri, int weight, Map<String, String> headers) {
        endpoints.add(uri, weight, headers);
    }

    @Override
    public CompletableFuture<Void> removeEndpoint(URI uri, Duration drainTimeout) {
        return endpoints.remove(uri, drainTimeout);
    }

    @Override
    public void updateWeight(URI uri, int weight) {
        endpoints.updateWeight(uri, weight);
    }

    @Override
    public int minConnections() {
        return connector.sizing().minConnections();
    }

    @Override
    public int maxConnections() {
        return connector.sizing().maxConnections();
    }

    // ------------------------------------------------------------------------------------------------ changes

    @Override
    public void reconfigure(PoolReconfiguration change) {
        Objects.requireNonNull(change, "change");
        if (change.isEmpty()) {
            return;
        }
        requireOpen();
        Map<String, String> before = new LinkedHashMap<>();
        Map<String, String> after = new LinkedHashMap<>();
        Sizing.Limits sizeBefore = null;
        reconfiguring.lock();
        try {
            // 1. validate the whole change against the values in force; nothing is written before all of it passed
            int min = connector.sizing().minConnections();
            int max = connector.sizing().maxConnections();
            int newMin = change.minConnections().orElse(min);
            int newMax = change.maxConnections().orElse(max);
            if (newMin > newMax) {
                throw new IllegalArgumentException(invalidSizes(change, min, max, newMin, newMax));
            }
            Long idleTimeout = change.idleTimeout().map(d -> nanos("idleTimeout", d)).orElse(null);
            Long maxLifetime = change.maxLifetime().map(d -> nanos("maxLifetime", d)).orElse(null);
            Long pingInterval = change.healthCheckInterval().map(d -> nanos("healthCheckInterval", d)).orElse(null);
            LoadBalancingStrategy strategy = change.strategy().orElse(null);
            Duration acquireTimeout = change.acquireTimeout().orElse(null);

            // 2. record old and new values, then publish each to its component
            if (change.minConnections().isPresent()) {
                note(before, after, "minConnections", min, newMin);
            }
            if (change.maxConnections().isPresent()) {
                note(before, after, "maxConnections", max, newMax);
            }
            if (strategy != null) {
                note(before, after, "strategy", selector.strategy(), strategy);
                selector.strategy(strategy);
            }
            if (acquireTimeout != null) {
                note(before, after, "acquireTimeout", leases.acquireTimeout(), acquireTimeout);
                leases.acquireTimeout(acquireTimeout);
            }
            if (idleTimeout != null) {
                note(before, after, "idleTimeout", Duration.ofNanos(housekeeper.idleTimeoutNanos()),
                        change.idleTimeout().get());
                housekeeper.idleTimeout(idleTimeout);
            }
            if (maxLifetime != null) {
                note(before, after, "maxLifetime", Duration.ofNanos(housekeeper.maxLifetimeNanos()),
                        change.maxLifetime().get());
                housekeeper.maxLifetime(maxLifetime);
            }
            if (pingInterval != null) {
                note(before, after, "healthCheckInterval", Duration.ofNanos(health.pingIntervalNanos()),
                        change.healthCheckInterval().get());
                health.pingInterval(pingInterval);
            }
            if (newMin != min || newMax != max) {
                sizeBefore = connector.sizing().resize(newMin, newMax);
            }
        } finally {
            reconfiguring.unlock();
        }
        // 3. outside the lock: act on the new sizes, then tell
        if (sizeBefore != null) {
            connector.resized(sizeBefore);
        } else {
            housekeeper.requestMaintenance();
        }
        log.info("[{}] reconfigured: {}", pool, describe(before, after));
        events.reconfigured(before, after);
    }

    private static void note(Map<String, String> before, Map<String, String> after, String name, Object old,
                               Object now) {
        before.put(name, String.valueOf(old));
        after.put(name, String.valueOf(now));
    }

    /** "name old -> new, ..." for the log line. */
    private static String describe(Map<String, String> before, Map<String, String> after) {
        StringJoiner line = new StringJoiner(", ");
        before.forEach((name, old) -> line.add(name + " " + old + " -> " + after.get(name)));
        return line.toString();
    }

    private String invalidSizes(PoolReconfiguration change, int min, int max, int newMin, int newMax) {
        String minPart = "minConnections=" + newMin + (change.minConnections().isPresent() ? "" : " (unchanged)");
        String maxPart = "maxConnections=" + newMax + (change.maxConnections().isPresent() ? "" : " (unchanged)");
        return "Pool '" + pool + "': invalid reconfiguration " + change.describe() + ": minConnections must not"
                + " exceed maxConnections, but would be " + minPart + " > " + maxPart + "; nothing was changed"
                + " (in force: minConnections=" + min + ", maxConnections=" + max + ")";
    }

    private long nanos(String name, Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("Pool '" + pool + "': invalid reconfiguration: " + name + "=" + d
                    + " is too long (at most about 292 years); nothing was changed", e);
        }
    }

    private void requireOpen() {
        if (shutdown.begun()) {
            throw new PoolClosedException(pool);
        }
    }

    @Override
    public void suspend() {
        requireOpen();
        if (leases.suspend()) {
            log.info("[{}] acquisition suspended: suspended false -> true (acquires wait until resume(); {} caller(s)"
                    + " waiting, {} lease(s) out)", pool, leases.pending(), connections(ConnectionState.ACTIVE));
            events.reconfigured(Map.of("suspended", "false"), Map.of("suspended", "true"));
        }
    }

    @Override
    public void resume() {
        if (leases.resume()) {
            log.info("[{}] acquisition resumed: suspended true -> false ({} caller(s) waiting)", pool,
                    leases.pending());
            events.reconfigured(Map.of("suspended", "true"), Map.of("suspended", "false"));
        }
    }

    @Override
    public boolean isSuspended() {
        return leases.suspended();
    }

    @Override
    public List<ConnectionSnapshot> connections() {
        List<ConnectionSnapshot> all = new ArrayList<>();
        endpoints.forEachConnection(c -> all.add(new ConnectionSnapshot(c.id, c.endpoint.uri(), c.state(),
                c.leases())));
        return List.copyOf(all);
    }

    @Override
    public boolean recycle(String connectionId) {
        java.util.Objects.requireNonNull(connectionId, "connectionId");
        requireOpen();
        boolean found = housekeeper.evict(connectionId);
        if (found) {
            log.info("[{}] connection {} recycled by the operator (now if available, else on release)", pool,
                    connectionId);
        }
        return found;
    }

    @Override
    public void softEvict() {
        requireOpen();
        Housekeeper.Evicted evicted = housekeeper.softEvict();
        int total = evicted.closedNow() + evicted.onRelease();
        log.info("[{}] soft-evicted: softEvicted 0 -> {} ({} available connection(s) closed now, {} leased one(s)"
                + " closed on release; refilling to minConnections={})", pool, total, evicted.closedNow(),
                evicted.onRelease(), connector.sizing().minConnections());
        events.reconfigured(Map.of("softEvicted", "0"), Map.of("softEvicted", String.valueOf(total)));
    }

    @Override
    public int connections(ConnectionState state) {
        return endpoints.connections(state);
    }

    @Override
    public int pendingAcquires() {
        return leases.pending();
    }

    @Override
    public String toString() {
        return "PoolControl[" + pool + "]";
    }

    @Override
    public int subscriptions(SubscriptionState state) {
        return subscriptions.count(Objects.requireNonNull(state, "state"));
    }

    /** How long an acquire timeout keeps the pool DEGRADED. */
    private static final long TIMEOUT_MEMORY_NANOS = TimeUnit.MINUTES.toNanos(1);

    @Override
    public PoolHealth health() {
        List<String> down = new ArrayList<>(2);
        List<String> degraded = new ArrayList<>(4);
        if (shutdown.begun()) {
            down.add("pool '" + pool + "' is closed");
        }
        PoolStats stats = endpoints.stats(leases.pending()); // one pass: the endpoints and the states together
        List<EndpointSnapshot> all = stats.endpoints();
        int healthy = 0;
        for (EndpointSnapshot e : all) {
            if (e.healthy()) {
                healthy++;
            } else {
                degraded.add("endpoint " + Endpoint.describe(e.uri()) + " is out of rotation (breaker "
                        + e.breakerState() + (e.lastFailure() != null ? ", last failure: " + e.lastFailure() : "")
                        + ")");
            }
        }
        String source = endpoints.discoverySource();
        if (all.isEmpty() && source != null) {
            down.add("no endpoint discovered yet from " + source);
        } else if (healthy == 0) {
            down.add("no healthy endpoint (" + all.size() + " configured)");
        }
        if (connect.pooling()) {
            int open = stats.count(ConnectionState.READY) + stats.count(ConnectionState.ACTIVE)
                    + stats.count(ConnectionState.IDLE);
            int min = connector.sizing().minConnections();
            if (open < min) {
                degraded.add("below minConnections: " + open + " of " + min + " open");
            }
        }
        if (leases.suspended()) {
            degraded.add("acquisition is suspended (PoolControl.resume() resumes it)");
        }
        OptionalLong timeout = leases.lastAcquireTimeout();
        if (timeout.isPresent() && ticker.read() - timeout.getAsLong() < TIMEOUT_MEMORY_NANOS) {
            degraded.add("an acquire timed out in the last minute (" + leases.pending() + " waiting now)");
        }
        String fleet = fleetDegraded.get();
        if (fleet != null) {
            degraded.add("fleet mode degraded (running on this instance's state only): " + fleet);
        }
        int recovering = subscriptions.count(SubscriptionState.RECOVERING);
        if (recovering > 0) {
            degraded.add(recovering + " subscription(s) recovering");
        }
        List<String> reasons = new ArrayList<>(down);
        reasons.addAll(degraded);
        PoolHealth.Status status = !down.isEmpty() ? PoolHealth.Status.DOWN
                : !degraded.isEmpty() ? PoolHealth.Status.DEGRADED : PoolHealth.Status.UP;
        return new PoolHealth(status, reasons);
    }
}

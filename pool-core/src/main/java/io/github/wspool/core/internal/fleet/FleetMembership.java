package io.github.wspool.core.internal.fleet;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointResolver;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PoolControl;
import io.github.wspool.PoolListener;
import io.github.wspool.event.ConnectEvent;
import java.net.URI;
import java.util.Collection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool's ties to the world beyond its builder: the endpoint resolver it follows and the fleet it is one instance of.
 * Started once the pool runs, closed first when it closes.
 *
 * <p><b>Reconciling endpoint sets.</b> Each set the resolver gives replaces the one before, for the endpoints this
 * resolver gave (the builder's own are never touched): new endpoints are added first, then changed weights applied,
 * then vanished endpoints removed through the pool's drain ({@link PoolControl#removeEndpoint}: no new leases, its
 * connections close as their leases come back). The pool keeps its last endpoint: a set that would remove it leaves it
 * in place (and says so once) until a later set brings another. Sets are reconciled one at a time, and none after the
 * pool began closing. An endpoint that comes back while it still drains from an earlier removal is not pulled out of
 * its drain (its connections are already on their way out): it joins again, as a new endpoint, once the drain is over,
 * if the latest set still has it. Nothing is thrown at the resolver: what cannot be applied is logged.
 */
public final class FleetMembership implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FleetMembership.class);

    private final String pool;
    private final FleetSettings settings;
    private final PoolFleetLink link;
    private final PoolControl control;
    private final ReentrantLock reconciling = new ReentrantLock();
    /** The endpoints this resolver gave and the pool has, with their weights; guarded by {@link #reconciling}. */
    private final Map<URI, Integer> resolved = new LinkedHashMap<>();
    /** The latest set given, by URI; guarded by {@link #reconciling}. */
    private Map<URI, EndpointResolver.Target> latest;
    /** Endpoints this membership removed whose drain is not over yet; guarded by {@link #reconciling}. */
    private final Map<URI, CompletableFuture<Void>> draining = new HashMap<>();
    /** Endpoints kept although no longer discovered (the pool's last), warned about once; guarded likewise. */
    private final Set<URI> keptLast = new HashSet<>();
    /** Discovered endpoints the pool refused (invalid, or one of the builder's), warned about once; likewise. */
    private final Set<URI> refused = new HashSet<>();
    /** Adds a discovered endpoint to the pool (with its server name). */
    private final Adder adder;
    private volatile boolean closed;
    /**
     * Held by {@link #start()} and {@link #close()}: a lock, not a monitor, since a resolver may deliver its first set
     * (and so take {@link #reconciling}) inside {@code subscribe}, and leaving the fleet may wait on its store.
     */
    private final ReentrantLock lifecycle = new ReentrantLock();
    private AutoCloseable subscription; // guarded by lifecycle
    private AutoCloseable fleetHandle; // guarded by lifecycle

    /**
     * @param pool     the pool's name
     * @param settings its resolver and fleet
     * @param link     its side of the fleet, or {@code null} without one
     * @param control  its operator view (endpoint changes go through it)
     */
    public FleetMembership(String pool, FleetSettings settings, PoolFleetLink link, PoolControl control) {
        this(pool, settings, link, control, t -> control.addEndpoint(t.uri(), t.weight()));
    }

    /**
     * @param pool     the pool's name
     * @param settings its resolver and fleet
     * @param link     its side of the fleet, or {@code null} without one
     * @param control  its operator view (weights and removals go through it)
     * @param adder    adds a discovered endpoint (with its server name)
     */
    public FleetMembership(String pool, FleetSettings settings, PoolFleetLink link, PoolControl control,
                           Adder adder) {
        this.pool = pool;
        this.settings = settings;
        this.link = link;
        this.control = control;
        this.adder = adder;
    }

    /** Adds a discovered endpoint to the pool. */
    @FunctionalInterface
    public interface Adder {
        /**
         * Adds it.
         *
         * @param target the endpoint
         * @throws IllegalArgumentException if the pool refuses it (already there, invalid)
         */
        void add(EndpointResolver.Target target);
    }

    /**
     * A listener that tells the resolver of connect failures to its endpoints (a hint to refresh sooner).
     *
     * @param resolver the resolver
     * @return the listener
     */
    public static PoolListener connectFailureHints(EndpointResolver resolver) {
        return new PoolListener() {
            @Override
            public void onConnect(ConnectEvent event) {
                if (!event.succeeded()) {
                    try {
                        resolver.connectFailed(event.endpoint().uri());
                    } catch (RuntimeException e) {
                        log.debug("endpoint resolver {} failed on a connect-failure hint", resolver, e);
                    }
                }
            }
        };
    }

    /** Joins the fleet and subscribes to the resolver; neither blocks on a remote store. */
    public void start() {
        lifecycle.lock();
        try {
            startLocked();
        } finally {
            lifecycle.unlock();
        }
    }

    private void startLocked() {
        if (closed) {
            return;
        }
        if (settings.backend() != null && link != null) {
            try {
                fleetHandle = settings.backend().join(link);
            } catch (RuntimeException e) {
                log.warn("[{}] could not join the fleet; running on this instance's state only", pool, e);
                link.degraded("joining failed: " + e);
            }
        }
        if (settings.resolver() != null) {
            try {
                subscription = settings.resolver().subscribe(this::reconcile);
            } catch (RuntimeException e) {
                log.warn("[{}] endpoint resolver {} failed to start; the pool keeps the endpoints it has", pool,
                        settings.resolver(), e);
            }
        }
    }

    /**
     * Makes the resolver's endpoints those of {@code targets}. Public for the resolver's callback. Never throws at the
     * resolver: a set that cannot be applied in part is logged and the rest applied; a set arriving while the pool
     * closes is ignored.
     *
     * @param targets the whole current set
     */
    public void reconcile(Collection<EndpointResolver.Target> targets) {
        Map<URI, EndpointResolver.Target> wanted = new LinkedHashMap<>();
        try {
            for (EndpointResolver.Target t : targets) {
                if (t != null) {
                    wanted.putIfAbsent(t.uri(), t);
                }
            }
        } catch (RuntimeException e) {
            log.warn("[{}] endpoint resolver {} gave a set that could not be read; ignored", pool,
                    settings.resolver(), e);
            return;
        }
        reconciling.lock();
        try {
            if (closed) {
                return;
            }
            latest = wanted;
            apply(wanted);
        } catch (PoolClosedException e) {
            // closing: the set no longer matters
        } catch (RuntimeException e) {
            log.warn("[{}] reconciling the endpoints of {} failed part way; the next set tries again", pool,
                    settings.resolver(), e);
        } finally {
            reconciling.unlock();
        }
    }

    /** Adds, re-weights and removes so that the resolver's endpoints are {@code wanted}; under the lock. */
    private void apply(Map<URI, EndpointResolver.Target> wanted) {
        for (EndpointResolver.Target t : wanted.values()) {
            Integer had = resolved.get(t.uri());
            if (had == null) {
                if (draining.containsKey(t.uri())) {
                    // removed by an earlier set and still draining: it joins again when that drain is over
                    log.info("[{}] endpoint {} discovered again while it still drains: it rejoins once drained", pool,
                            Endpoint.describe(t.uri()));
                    continue;
                }
                add(t);
            } else if (had != t.weight()) {
                reweight(t);
            }
        }
        for (URI gone : new ArrayList<>(resolved.keySet())) {
            if (!wanted.containsKey(gone)) {
                remove(gone);
            }
        }
    }

    private void add(EndpointResolver.Target t) {
        try {
            adder.add(t);
            resolved.put(t.uri(), t.weight());
            log.info("[{}] endpoint {} discovered (weight {}{})", pool, Endpoint.describe(t.uri()), t.weight(),
                    t.serverName() == null ? "" : ", server name " + t.serverName());
        } catch (IllegalArgumentException e) {
            if (refused.add(t.uri())) {
                log.warn("[{}] discovered endpoint {} not added: {}", pool, Endpoint.describe(t.uri()),
                        e.getMessage());
            }
        }
    }

    private void reweight(EndpointResolver.Target t) {
        try {
            control.updateWeight(t.uri(), t.weight());
            resolved.put(t.uri(), t.weight());
        } catch (IllegalArgumentException e) {
            // removed by someone else meanwhile (the operator): no longer ours; a later set adds it again
            resolved.remove(t.uri());
            log.warn("[{}] weight of discovered endpoint {} not changed: {}", pool, Endpoint.describe(t.uri()),
                    e.getMessage());
        }
    }

    private void remove(URI gone) {
        CompletableFuture<Void> drained;
        try {
            drained = control.removeEndpoint(gone, settings.resolverDrainTimeout());
        } catch (IllegalArgumentException e) {
            if (keptLast.add(gone)) {
                log.warn("[{}] endpoint {} is no longer discovered but stays: {}", pool, Endpoint.describe(gone),
                        e.getMessage());
            }
            return;
        }
        resolved.remove(gone);
        keptLast.remove(gone);
        log.info("[{}] endpoint {} no longer discovered: draining it", pool, Endpoint.describe(gone));
        if (!drained.isDone()) {
            draining.put(gone, drained);
            drained.whenComplete((ignored, failure) -> drainOver(gone, drained));
        }
    }

    /**
     * An endpoint this membership removed finished draining (on the thread that closed its last connection, or the
     * closing pool's): if the latest set wants it again, it joins now.
     */
    private void drainOver(URI uri, CompletableFuture<Void> drained) {
        reconciling.lock();
        try {
            if (!draining.remove(uri, drained) || closed || latest == null) {
                return;
            }
            EndpointResolver.Target again = latest.get(uri);
            if (again != null && !resolved.containsKey(uri)) {
                add(again);
            }
        } catch (PoolClosedException e) {
            // closing
        } catch (RuntimeException e) {
            log.warn("[{}] re-adding discovered endpoint {} after its drain failed", pool, Endpoint.describe(uri), e);
        } finally {
            reconciling.unlock();
        }
    }

    /** Stops following the resolver and leaves the fleet. */
    @Override
    public void close() {
        lifecycle.lock();
        try {
            reconciling.lock(); // a set being applied now finishes first; none is applied after
            try {
                closed = true;
            } finally {
                reconciling.unlock();
            }
            closeQuietly(subscription, "endpoint resolver subscription");
            closeQuietly(fleetHandle, "fleet membership");
            subscription = null;
            fleetHandle = null;
        } finally {
            lifecycle.unlock();
        }
    }

    private void closeQuietly(AutoCloseable c, String what) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.warn("[{}] closing the {} failed", pool, what, e);
        }
    }
}

package io.github.wspool.core.internal.fleet;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointResolver;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PoolControl;
import io.github.wspool.PoolListener;
import io.github.wspool.event.ConnectEvent;
import java.net.URI;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * in place (and says so once) until a later set brings another. Sets are reconciled one at a time.
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
    private volatile boolean closed;
    private AutoCloseable subscription; // guarded by this
    private AutoCloseable fleetHandle; // guarded by this

    /**
     * @param pool     the pool's name
     * @param settings its resolver and fleet
     * @param link     its side of the fleet, or {@code null} without one
     * @param control  its operator view (endpoint changes go through it)
     */
    public FleetMembership(String pool, FleetSettings settings, PoolFleetLink link, PoolControl control) {
        this.pool = pool;
        this.settings = settings;
        this.link = link;
        this.control = control;
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
    public synchronized void start() {
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
     * Makes the resolver's endpoints those of {@code targets}. Public for the resolver's callback.
     *
     * @param targets the whole current set
     */
    public void reconcile(Collection<EndpointResolver.Target> targets) {
        Map<URI, EndpointResolver.Target> wanted = new LinkedHashMap<>();
        for (EndpointResolver.Target t : targets) {
            wanted.putIfAbsent(t.uri(), t);
        }
        reconciling.lock();
        try {
            if (closed) {
                return;
            }
            for (EndpointResolver.Target t : wanted.values()) {
                Integer had = resolved.get(t.uri());
                if (had == null) {
                    add(t);
                } else if (had != t.weight()) {
                    control.updateWeight(t.uri(), t.weight());
                    resolved.put(t.uri(), t.weight());
                }
            }
            for (URI gone : new HashMap<>(resolved).keySet()) {
                if (!wanted.containsKey(gone)) {
                    remove(gone);
                }
            }
        } catch (PoolClosedException e) {
            // closing: the set no longer matters
        } finally {
            reconciling.unlock();
        }
    }

    private void add(EndpointResolver.Target t) {
        try {
            control.addEndpoint(t.uri(), t.weight());
            resolved.put(t.uri(), t.weight());
            log.info("[{}] endpoint {} discovered (weight {})", pool, Endpoint.describe(t.uri()), t.weight());
        } catch (IllegalArgumentException e) {
            log.warn("[{}] discovered endpoint {} not added: {}", pool, Endpoint.describe(t.uri()), e.getMessage());
        }
    }

    private void remove(URI gone) {
        try {
            control.removeEndpoint(gone, settings.resolverDrainTimeout());
            resolved.remove(gone);
            log.info("[{}] endpoint {} no longer discovered: draining it", pool, Endpoint.describe(gone));
        } catch (IllegalArgumentException e) {
            log.warn("[{}] endpoint {} is no longer discovered but stays: {}", pool, Endpoint.describe(gone),
                    e.getMessage());
        }
    }

    /** Stops following the resolver and leaves the fleet. */
    @Override
    public synchronized void close() {
        closed = true;
        closeQuietly(subscription, "endpoint resolver subscription");
        closeQuietly(fleetHandle, "fleet membership");
        subscription = null;
        fleetHandle = null;
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

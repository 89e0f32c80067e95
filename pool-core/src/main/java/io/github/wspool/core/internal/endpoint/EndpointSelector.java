package io.github.wspool.core.internal.endpoint;

import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Chooses endpoints for the pool: which one serves an acquire, and where a new connection opens. The strategy makes
 * the choice; this class decides which endpoints it may choose from.
 *
 * <ul>
 *   <li><b>For a lease</b>: endpoints that are healthy and can serve now, i.e. have an available connection or room
 *       to open one (so a recovered or newly added endpoint gets its share at once). With panic mode and no healthy
 *       endpoint, every endpoint not being removed counts as healthy.</li>
 *   <li><b>Draining servers</b>: an endpoint whose server said it is going away is passed over, for leases and new
 *       connections alike, while another endpoint is healthy and is not going away.</li>
 *   <li><b>For a connection opened in the background</b> (pre-warm, replenishing): among healthy endpoints whose
 *       backoff allows a connect and whose caps (its own, the fleet-wide one) have room, the strategy's
 *       {@link LoadBalancingStrategy#place} choice; when it leaves the choice to the pool (the built-in strategies but
 *       {@code fleetLeastConnections} do), the one with the fewest connections per unit of weight, ties rotating.
 *       Connections then spread in proportion to weight, and the strategy's own sequence (smooth weighted round-robin
 *       keeps state) is left to the acquires it is meant for.</li>
 *   <li><b>Passed over</b>: an endpoint the fleet suspects (other instances saw its server fail) is avoided like a
 *       draining one, for leases and new connections, while another healthy endpoint is not passed over.</li>
 * </ul>
 */
public final class EndpointSelector {

    /** The pool's strategy; changed at runtime by {@link #strategy(LoadBalancingStrategy)}, read once per pick. */
    private volatile LoadBalancingStrategy strategy;
    private final String poolName;
    private final boolean panicMode;
    private final java.util.concurrent.atomic.AtomicInteger placementTieBreaker = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param strategy  the pool's strategy
     * @param poolName  the pool's name, for error messages
     * @param panicMode whether every endpoint counts as healthy when none is
     */
    public EndpointSelector(LoadBalancingStrategy strategy, String poolName, boolean panicMode) {
        this.strategy = strategy;
        this.poolName = poolName;
        this.panicMode = panicMode;
    }

    /**
     * The strategy.
     *
     * @return the strategy
     */
    public LoadBalancingStrategy strategy() {
        return strategy;
    }

    /**
     * Changes the strategy: from the next pick on (a pick under way finishes with the one it read).
     *
     * @param next not null
     */
    public void strategy(LoadBalancingStrategy next) {
        strategy = Objects.requireNonNull(next, "strategy");
    }

    /**
     * Whether any endpoint may take leases: one is healthy, or panic mode lets every endpoint not being removed.
     *
     * @param snapshot the endpoints
     * @return {@code true} if one may
     */
    public boolean anyUsable(EndpointSet.Snapshot snapshot) {
        for (EndpointState e : snapshot.array()) {
            if ((e.healthy() && !e.knownDown()) || (panicMode && !e.isDraining())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The strategy's pick among endpoints able to serve a lease now; {@code null} if none can (every usable endpoint
     * is busy and full, or none is usable: {@link #anyUsable} tells which).
     *
     * @param snapshot the endpoints
     * @param poolRoom whether the pool-wide cap allows one more connection (asked only with several endpoints)
     * @return the pick, or {@code null}
     */
    public EndpointState forLease(EndpointSet.Snapshot snapshot, BooleanSupplier poolRoom) {
        EndpointState[] all = snapshot.array();
        if (all.length == 0) {
            return null; // no endpoint discovered yet: the caller waits for the first
        }
        if (all.length == 1) {
            // no availability scan here: the caller's take scans once, and waits if nothing is free
            EndpointState only = all[0];
            return only.healthy() || (panicMode && !only.isDraining()) ? only : null;
        }
        boolean panic = panicMode && noneHealthy(all);
        boolean poolHasRoom = poolRoom.getAsBoolean();
        // one pass in the common case: count who can serve, and notice on the way whether a draining server is to be
        // passed over (then, rarely, count again without it)
        int able = 0;
        boolean goingAway = false;
        boolean settled = false;
        for (EndpointState e : all) {
            if (canServe(e, poolHasRoom, panic, false)) {
                able++;
            }
            if (e.passedOver()) {
                goingAway = true;
            } else if (e.healthy()) {
                settled = true;
            }
        }
        boolean avoid = goingAway && settled;
        if (avoid) {
            able = 0;
            for (EndpointState e : all) {
                if (canServe(e, poolHasRoom, panic, true)) {
                    able++;
                }
            }
        }
        if (able == all.length) {
            return picked(strategy.select(snapshot.list()), snapshot.list()); // the common case: no allocation
        }
        if (able == 0) {
            return null;
        }
        List<EndpointState> some = new ArrayList<>(able);
        for (EndpointState e : all) {
            if (canServe(e, poolHasRoom, panic, avoid)) {
                some.add(e); // counts may have moved since the first pass: filter again, in one pass
            }
        }
        return some.isEmpty() ? null : picked(strategy.select(some), some);
    }

    /**
     * The strategy's pick among usable endpoints regardless of what they have available (to home an affinity key).
     *
     * @param snapshot the endpoints
     * @return the pick, or {@code null} if none is usable
     */
    public EndpointState forHoming(EndpointSet.Snapshot snapshot) {
        boolean panic = panicMode && noneHealthy(snapshot.array());
        boolean avoid = avoidPassedOver(snapshot.array());
        List<EndpointState> usable = new ArrayList<>();
        for (EndpointState e : snapshot.array()) {
            if ((e.healthy() || (panic && !e.isDraining())) && !(avoid && e.passedOver())) {
                usable.add(e);
            }
        }
        return usable.isEmpty() ? null : picked(strategy.select(usable), usable);
    }

    /**
     * Where a connection opened in the background goes.
     *
     * @param snapshot the endpoints
     * @param now      the ticker's time
     * @return the endpoint, or {@code null} if none may take one now
     */
    public EndpointState forNewConnection(EndpointSet.Snapshot snapshot, long now) {
        EndpointState[] all = snapshot.array();
        boolean panic = panicMode && noneHealthy(all);
        boolean avoid = avoidPassedOver(all);
        List<EndpointState> eligible = new ArrayList<>(all.length);
        for (EndpointState e : all) {
            if (!(e.healthy() || (panic && !e.isDraining())) || !e.hasRoom() || (avoid && e.passedOver())) {
                continue;
            }
            if (!e.mayConnect(now) && !e.connectsCapped()) {
                continue; // backing off after failures: place the connection elsewhere
            }
            eligible.add(e);
        }
        if (eligible.isEmpty()) {
            return null;
        }
        EndpointView placed = strategy.place(eligible);
        EndpointState chosen = placed != null ? picked(placed, eligible) : fewestPerWeight(eligible);
        // An endpoint at its cap of concurrent connects is not replaced by another: its share waits for its connects
        // to finish (slow start), rather than spilling onto the others and skewing the spread.
        return chosen.mayConnect(now) ? chosen : null;
    }

    /** The pool's own spread: the fewest connections per unit of weight, ties rotating. */
    private EndpointState fewestPerWeight(List<EndpointState> eligible) {
        EndpointState best = eligible.get(0);
        int ties = 1;
        for (int i = 1; i < eligible.size(); i++) {
            int cmp = compareSlotsPerWeight(eligible.get(i), best);
            if (cmp < 0) {
                best = eligible.get(i);
                ties = 1;
            } else if (cmp == 0) {
                ties++;
            }
        }
        if (ties == 1) {
            return best;
        }
        int n = Math.floorMod(placementTieBreaker.getAndIncrement(), ties);
        for (EndpointState e : eligible) {
            if (compareSlotsPerWeight(e, best) == 0 && n-- == 0) {
                return e;
            }
        }
        return best; // counts moved between the passes: the first minimum will do
    }

    private static boolean noneHealthy(EndpointState[] all) {
        for (EndpointState e : all) {
            if (e.healthy()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether endpoints to be passed over (their server is going away, or the fleet suspects it) are to be passed over
     * now: some endpoint is, and another is healthy and is not. (When every healthy endpoint is passed over they still
     * serve: a drain or the fleet's suspicion never makes the pool refuse work it could do.)
     *
     * @param all the endpoints
     * @return {@code true} if passed-over endpoints are to be avoided now
     */
    public static boolean avoidPassedOver(EndpointState[] all) {
        boolean some = false;
        boolean settled = false;
        for (EndpointState e : all) {
            if (e.passedOver()) {
                some = true;
            } else if (e.healthy()) {
                settled = true;
            }
        }
        return some && settled;
    }

    private static boolean canServe(EndpointState e, boolean poolHasRoom, boolean panic, boolean avoidGoingAway) {
        if (avoidGoingAway && e.passedOver()) {
            return false;
        }
        boolean usable = e.healthy() || (panic && !e.isDraining());
        return usable && (e.hasAvailable() || (poolHasRoom && e.hasRoom()));
    }

    /** Compares slots/weight of two endpoints by cross-multiplication (no division, no rounding). */
    private static int compareSlotsPerWeight(EndpointState a, EndpointState b) {
        return Long.compare((long) a.slots() * b.weight(), (long) b.slots() * a.weight());
    }

    private EndpointState picked(EndpointView view, List<? extends EndpointView> candidates) {
        if (view instanceof EndpointState e) {
            for (EndpointView c : candidates) {
                if (c == e) {
                    return e;
                }
            }
        }
        throw new IllegalStateException("strategy " + strategy + " of pool '" + poolName + "' returned " + view
                + ", which is not one of the candidates it was given " + candidates);
    }
}

package io.github.wspool.core.internal.connect;

import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.event.RecycleReason;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pool's size: its bounds ({@code minConnections}, {@code maxConnections}: as configured, or as an operator last
 * {@linkplain #resize resized} them) and the pool-wide count of slots taken against them, and, after a lowered
 * maximum, the shedding of the surplus. Apart from {@link Connector} because the size is read by more than the
 * connects: the release path asks {@link #shedOnRelease()}, the housekeeper {@link #shedSurplus()} and
 * {@link #keepOpen()}, the operator's view the bounds. The connector decides where and when a connection opens, and
 * takes and frees slots here ({@link #take}, {@link #free}); it also acts on a resize ({@code Connector.resized}).
 *
 * <p>{@code slots} counts connections opening, open or closing (two-phase: taken before a connect starts, freed at
 * CLOSED). The bounds are one {@link Limits} in one volatile field, so a reader sees a matching pair. After a lowered
 * maximum, {@code shedding} counts the connections chosen to close and not yet closed, so the surplus is
 * {@code slots - shedding - max}.
 */
public final class Sizing {

    private final boolean pooling;
    private final EndpointRegistry endpoints;
    private final Recycler recycler;
    /** Connections holding a slot (opening, open or closing), over all endpoints. */
    private final AtomicInteger slots = new AtomicInteger();
    /** {@code minConnections} and {@code maxConnections}, published together, read with one volatile load. */
    private volatile Limits limits;
    /**
     * Connections chosen to be closed because the pool is above a lowered {@code maxConnections} and not yet closed
     * (see {@link #shedOnRelease()}); a freed slot takes one off, so surplus counts as {@code slots - shedding - max}.
     */
    private final AtomicInteger shedding = new AtomicInteger();
    /** Run after a resize and a freed slot ({@link #onChange}). */
    private volatile Runnable onChange = () -> { };

    /**
     * @param limits    the configured bounds
     * @param pooling   whether connections are pooled (without, none are kept open)
     * @param endpoints whose connections surplus is shed from
     * @param recycler  closes surplus connections
     */
    Sizing(Limits limits, boolean pooling, EndpointRegistry endpoints, Recycler recycler) {
        this.limits = limits;
        this.pooling = pooling;
        this.endpoints = endpoints;
        this.recycler = recycler;
    }

    /**
     * The pool's size bounds.
     *
     * @param min {@code minConnections}: kept open with pooling
     * @param max {@code maxConnections}: open plus connecting
     */
    public record Limits(int min, int max) {
    }

    /**
     * The current {@code minConnections} (as configured or last {@linkplain #resize resized}).
     *
     * @return the minimum
     */
    public int minConnections() {
        return limits.min();
    }

    /**
     * The current {@code maxConnections} (as configured or last {@linkplain #resize resized}).
     *
     * @return the maximum
     */
    public int maxConnections() {
        return limits.max();
    }

    /** Both bounds, as one read. */
    Limits limits() {
        return limits;
    }

    /**
     * Connections kept open: {@code minConnections} with pooling, none without.
     *
     * @return the current minimum
     */
    public int keepOpen() {
        return pooling ? limits.min() : 0;
    }

    /**
     * Changes the pool's size bounds at runtime (the caller validated {@code min <= max} and serializes resizes);
     * the caller then calls {@code Connector.resized(Limits)} outside its lock.
     *
     * @param min the new {@code minConnections}
     * @param max the new {@code maxConnections}
     * @return the bounds before
     */
    public Limits resize(int min, int max) {
        Limits before = limits;
        limits = new Limits(min, max);
        onChange.run();
        return before;
    }

    /**
     * Whether more connections hold slots than {@code maxConnections} allows (after a lowered maximum).
     *
     * @return {@code true} if above the maximum
     */
    public boolean overMax() {
        return slots.get() > limits.max();
    }

    /**
     * What to run after the maximum changed or a slot was freed, so that whoever caches {@link #overMax()} (the lease
     * broker's fast-path word) refreshes it.
     *
     * @param r the hook (one per pool: the last one set wins)
     */
    public void onChange(Runnable r) {
        onChange = r;
    }

    // ------------------------------------------------------------------------------------------------ slots

    /**
     * Connections holding a slot, over all endpoints.
     *
     * @return the count
     */
    public int slots() {
        return slots.get();
    }

    /**
     * Whether the pool-wide cap allows one more connection.
     *
     * @return {@code true} if there is room
     */
    public boolean canOpenMore() {
        return slots.get() < limits.max();
    }

    /**
     * Takes a pool-wide slot if fewer than {@code limit} (and than {@code maxConnections}) are taken: one CAS
     * decides, so concurrent refills cannot together overshoot {@code minConnections}.
     */
    boolean take(int limit) {
        int max = Math.min(limit, limits.max());
        while (true) {
            int n = slots.get();
            if (n >= max) {
                return false;
            }
            if (slots.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back a slot taken by {@link #take} whose connect will not start. */
    void giveBack() {
        slots.decrementAndGet();
    }

    /** A connection holding a slot reached CLOSED: its slot is free, and one surplus connection fewer is to shed. */
    void free() {
        slots.decrementAndGet();
        if (shedding.get() > 0) {
            shedding.updateAndGet(n -> Math.max(0, n - 1)); // one surplus connection fewer to shed, whichever closed
        }
        onChange.run();
    }

    // ------------------------------------------------------------------------------------------------ surplus

    /**
     * Whether the pool is above its maximum (it was lowered) with fewer connections on their way out than the
     * surplus: if so, claims one, and the caller closes the connection it holds. Called on every release; one
     * comparison of two volatile reads while the pool is within its maximum (always, but after a resize).
     *
     * @return whether the caller's connection is to be closed ({@code RecycleReason.RESIZED})
     */
    public boolean shedOnRelease() {
        if (slots.get() <= limits.max()) {
            return false;
        }
        return claimShed();
    }

    private boolean claimShed() {
        while (true) {
            int s = shedding.get();
            if (slots.get() - s <= limits.max()) {
                return false;
            }
            if (shedding.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /**
     * Above a lowered maximum: closes available (READY, IDLE) connections until the surplus is gone or none is
     * available; leased ones are left to {@link #shedOnRelease()}.
     *
     * @return how many were closed
     */
    public int shedSurplus() {
        if (slots.get() - shedding.get() <= limits.max()) {
            return 0; // the usual case: no surplus, no need to look at (or copy) any endpoint's connections
        }
        int shed = 0;
        for (EndpointState e : endpoints.array()) {
            for (ManagedConnection c : e.connections()) {
                if (slots.get() - shedding.get() <= limits.max()) {
                    return shed;
                }
                if (!c.state().isAvailable() || !claimShed()) {
                    continue;
                }
                if (recycler.recycleIfAvailable(c, RecycleReason.RESIZED)) {
                    shed++;
                } else {
                    shedding.decrementAndGet(); // taken meanwhile: its release decides
                }
            }
        }
        return shed;
    }
}

package io.github.wspool.core.internal.connection;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The two ways an endpoint stops taking work, as marks on the endpoint: the operator removes it (it drains, then is
 * removed once its last connection closed, which completes {@link #drained()}), or its server says it is going away
 * (a close code 1001/1012/1013 or the drain signal: a mark that the drain hold-off clears unless a later notice renewed
 * it). Apart from {@link EndpointState} because neither is the endpoint's connections, slots, backoff or breaker: the
 * endpoint registry ({@code EndpointRegistry}) and the server drain ({@code ServerDrain}) write these marks, strategies
 * and the connector read them. Reached through the endpoint's final field ({@link EndpointState#drain()}).
 *
 * <p>Draining is also one of the inputs of the endpoint's health flag, so it is started through
 * {@link EndpointState#startDraining()}, which recomputes the flag; the rest is written here directly.
 */
public final class EndpointDrain {

    private volatile boolean draining;
    private final AtomicBoolean removed = new AtomicBoolean();
    /** Completed when a removed endpoint has closed its last connection. */
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    /** Set while its server said it is going away (see {@link #goingAway()}). */
    private volatile boolean goingAway;
    private final AtomicLong goingAwayMarks = new AtomicLong();

    EndpointDrain() {
    }

    /**
     * Whether the endpoint is being removed.
     *
     * @return {@code true} once its drain began
     */
    boolean draining() {
        return draining;
    }

    /** Starts the drain: no new leases or connections (the endpoint then recomputes its health). */
    void start() {
        draining = true;
    }

    /**
     * Marks a drained endpoint removed.
     *
     * @return {@code true} only for the one caller that does it
     */
    public boolean markRemoved() {
        return removed.compareAndSet(false, true);
    }

    /**
     * Completed when a removed endpoint has closed its last connection (or the pool closed).
     *
     * @return the future
     */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    /**
     * Whether the server said it is going away (a 1001, 1012 or 1013 close, or the pool's drain signal) within the
     * drain hold-off: leases and new connections go to other endpoints while one of them can serve.
     *
     * @return {@code true} while it is
     */
    boolean goingAway() {
        return goingAway;
    }

    /**
     * The server said it is going away.
     *
     * @return the mark's generation, for {@link #settled(long)}; and whether it was new: positive if it was
     *         not going away before, negative if it was (the mark is renewed either way)
     */
    public long markGoingAway() {
        boolean fresh = !goingAway;
        goingAway = true;
        long generation = goingAwayMarks.incrementAndGet();
        return fresh ? generation : -generation;
    }

    /**
     * The drain hold-off of mark {@code generation} passed: the endpoint takes leases again, unless a later mark
     * renewed it.
     *
     * @param generation what {@link #markGoingAway()} returned (its absolute value)
     * @return whether this cleared it
     */
    public boolean settled(long generation) {
        if (goingAway && goingAwayMarks.get() == generation) {
            goingAway = false;
            return true;
        }
        return false;
    }
}

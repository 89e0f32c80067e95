package io.github.wspool.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * Each connection's circuit breaker, made when the connection records its first failure rather than when it opens.
 *
 * <p>A Resilience4j breaker with the default 20-call window holds about 1 KiB (the window's measurements, metrics,
 * event processor); a pool of 10,000 healthy connections would carry 10 MiB of them, all allocated in the connect ramp
 * where they lengthen young GC pauses, and would take the breaker's lock on every send. Until its first failure a
 * connection only counts its successes (up to the window size). At the first failure the breaker is made, those
 * successes are replayed into it, and the failure is recorded: for a count-based window, the outcome is exactly what
 * an eager breaker would show, because only the last window-size calls count. A time-based window (a user's
 * {@code connectionBreakerConfig}) gets its breaker when the connection opens, as before, since replayed successes
 * would carry the wrong time.
 */
final class ConnectionBreakers {

    private static final VarHandle SUCCESSES;
    /** {@code successesWithoutBreaker} before the connection opened. */
    static final int NOT_OPEN = -1;
    /** {@code successesWithoutBreaker} once the breaker is made (plus any late increments: still negative). */
    static final int SEALED = Integer.MIN_VALUE;

    static {
        try {
            SUCCESSES = MethodHandles.lookup().findVarHandle(ManagedConnection.class, "successesWithoutBreaker", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String namePrefix;
    private final CircuitBreakerConfig config;
    private final Clock clock;
    private final boolean lazy;
    private final int window;

    /**
     * @param poolName names the breakers {@code wspool.<pool>.<connection id>}
     * @param config the connections' breaker configuration
     * @param clock the pool's ticker as a clock
     */
    ConnectionBreakers(String poolName, CircuitBreakerConfig config, Clock clock) {
        this.namePrefix = "wspool." + poolName + ".";
        this.config = config;
        this.clock = clock;
        this.lazy = config.getSlidingWindowType() == CircuitBreakerConfig.SlidingWindowType.COUNT_BASED;
        this.window = config.getSlidingWindowSize();
    }

    /** The connection opened: from now on its outcomes count. */
    void opened(ManagedConnection c) {
        if (lazy) {
            c.successesWithoutBreaker = 0;
        } else {
            c.breaker = create(c);
        }
    }

    /** A send queued, a reply or a pong arrived. Ignored before the connection opened. */
    void success(ManagedConnection c) {
        CircuitBreaker b = c.breaker;
        if (b != null) {
            b.onSuccess(0, TimeUnit.NANOSECONDS);
            return;
        }
        int s = c.successesWithoutBreaker;
        if (s == NOT_OPEN || s >= window) {
            return; // not open yet; or the window is full of successes already, which is all a replay can give
        }
        if (s >= 0 && (int) SUCCESSES.getAndAdd(c, 1) >= 0) {
            return; // counted (a racing thread may pass the cap: the replay takes at most window)
        }
        // Sealed: the breaker exists, or is being made right now under the connection's lock. Wait for it there,
        // then record outside the lock.
        b = c.breaker;
        if (b == null) {
            synchronized (c) {
                b = c.breaker;
            }
        }
        b.onSuccess(0, TimeUnit.NANOSECONDS);
    }

    /**
     * A send, ping or request failed.
     *
     * @return the connection's breaker after recording the failure, or {@code null} if it had not opened yet
     */
    CircuitBreaker failure(ManagedConnection c, Throwable failure) {
        CircuitBreaker b = c.breaker;
        if (b == null) {
            b = materialize(c);
            if (b == null) {
                return null;
            }
        }
        b.onError(0, TimeUnit.NANOSECONDS, failure);
        return b;
    }

    private CircuitBreaker materialize(ManagedConnection c) {
        synchronized (c) { // nothing else locks on a connection; nothing under it blocks (no events, no I/O)
            CircuitBreaker b = c.breaker;
            if (b != null || c.successesWithoutBreaker == NOT_OPEN) {
                return b;
            }
            b = create(c);
            // sealed: a success that reads the count from now on records into the breaker instead of being lost
            int replay = Math.min(window, (int) SUCCESSES.getAndSet(c, SEALED));
            for (int i = 0; i < replay; i++) {
                b.onSuccess(0, TimeUnit.NANOSECONDS);
            }
            c.breaker = b;
            return b;
        }
    }

    private CircuitBreaker create(ManagedConnection c) {
        return new CircuitBreakerStateMachine(namePrefix + c.id, config, clock);
    }
}

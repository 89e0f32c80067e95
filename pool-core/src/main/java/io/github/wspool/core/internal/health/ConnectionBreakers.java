package io.github.wspool.core.internal.health;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.wspool.core.internal.connection.ConnectionHealth;
import io.github.wspool.core.internal.connection.ManagedConnection;
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
 * {@code connectionBreakerConfig}) gets its breaker when the connection opens, since replayed successes would carry
 * the wrong time. Breakers run on the pool's ticker ({@code CircuitBreakerConfig.Builder.clock}).
 */
final class ConnectionBreakers {

    private final String namePrefix;
    private final CircuitBreakerConfig config;
    private final boolean lazy;
    private final int window;

    /**
     * @param poolName names the breakers {@code wspool.<pool>.<connection id>}
     * @param config   the connections' breaker configuration
     * @param clock    the pool's ticker as a clock
     */
    ConnectionBreakers(String poolName, CircuitBreakerConfig config, Clock clock) {
        this.namePrefix = "wspool." + poolName + ".";
        this.config = CircuitBreakerConfig.from(config).clock(clock).build();
        this.lazy = config.getSlidingWindowType() == CircuitBreakerConfig.SlidingWindowType.COUNT_BASED;
        this.window = config.getSlidingWindowSize();
    }

    /** The connection opened: from now on its outcomes count. */
    void opened(ManagedConnection c) {
        if (lazy) {
            c.health().startCounting();
        } else {
            c.health().breaker(create(c));
        }
    }

    /** A send queued, a reply or a pong arrived. Ignored before the connection opened. */
    void success(ManagedConnection c) {
        ConnectionHealth h = c.health();
        CircuitBreaker b = h.breaker();
        if (b != null) {
            b.onSuccess(0, TimeUnit.NANOSECONDS);
            return;
        }
        int s = h.successesWithoutBreaker();
        if (s == ConnectionHealth.NOT_OPEN || s >= window) {
            return; // not open yet; or the window is full of successes already, which is all a replay can give
        }
        if (s >= 0 && h.countSuccess() >= 0) {
            return; // counted (a racing thread may pass the cap: the replay takes at most window)
        }
        // Sealed: the breaker exists, or is being made right now under the record's lock. Wait for it there, then
        // record outside the lock.
        b = h.breaker();
        if (b == null) {
            synchronized (h) {
                b = h.breaker();
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
        CircuitBreaker b = c.health().breaker();
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
        ConnectionHealth h = c.health();
        synchronized (h) { // nothing else locks on it; nothing under it blocks (no events, no I/O)
            CircuitBreaker b = h.breaker();
            if (b != null || h.successesWithoutBreaker() == ConnectionHealth.NOT_OPEN) {
                return b;
            }
            b = create(c);
            // sealed: a success that reads the count from now on records into the breaker instead of being lost
            int replay = Math.min(window, h.seal());
            for (int i = 0; i < replay; i++) {
                b.onSuccess(0, TimeUnit.NANOSECONDS);
            }
            h.breaker(b);
            return b;
        }
    }

    private CircuitBreaker create(ManagedConnection c) {
        return CircuitBreaker.of(namePrefix + c.id, config);
    }
}

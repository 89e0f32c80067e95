package io.github.wspool.core.internal.lease;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.NoEndpointDiscoveredException;
import io.github.wspool.NoHealthyEndpointException;
import io.github.wspool.PoolException;
import io.github.wspool.PoolStats;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.endpoint.EndpointSet;
import io.github.wspool.core.internal.event.PoolEvents;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.IntSupplier;

/**
 * How an acquire fails: the exception it fails with (a timeout carries the pool's stats and the latest connect
 * failure, "no healthy endpoint" each endpoint's last failure), the {@code acquireFailed} event, and when an acquire
 * last timed out, for the pool's health. Apart from {@link LeaseBroker} because none of it is on the way to a lease:
 * the broker decides that an acquire fails, this says how, and {@link Suspension} uses the same for acquires that
 * timed out while the pool was suspended.
 */
final class AcquireFailures {

    private final String pool;
    private final Ticker ticker;
    private final PoolEvents events;
    private final EndpointRegistry endpoints;
    /** Callers waiting now, for the stats a failure carries. */
    private final IntSupplier pending;

    /** When an acquire last timed out; meaningful once {@link #timedOutSinceStart}. */
    private volatile long lastTimeoutAt;
    private volatile boolean timedOutSinceStart;

    /**
     * @param pool      the pool's name, for messages
     * @param ticker    the pool's time source
     * @param events    where failed acquires are reported
     * @param endpoints the endpoints, for stats and their failures
     * @param pending   callers waiting now
     */
    AcquireFailures(String pool, Ticker ticker, PoolEvents events, EndpointRegistry endpoints, IntSupplier pending) {
        this.pool = pool;
        this.ticker = ticker;
        this.events = events;
        this.endpoints = endpoints;
        this.pending = pending;
    }

    /**
     * Reports a failed acquire (and remembers a timeout's time).
     *
     * @param start   when the acquire started (the ticker's time)
     * @param failure what it fails with
     * @return {@code failure}, for the caller to throw or complete with
     */
    <E extends PoolException> E report(long start, E failure) {
        if (failure instanceof AcquireTimeoutException) {
            lastTimeoutAt = ticker.read();
            timedOutSinceStart = true;
        }
        events.acquireFailed(start, failure);
        return failure;
    }

    /**
     * When an acquire last timed out (the ticker's time), for the pool's health.
     *
     * @return the time, or empty if none ever did
     */
    OptionalLong lastTimeout() {
        return timedOutSinceStart ? OptionalLong.of(lastTimeoutAt) : OptionalLong.empty();
    }

    /** A failure as a {@link PoolException}: itself if it is one, else wrapped. */
    PoolException asPoolException(Throwable t) {
        if (t instanceof PoolException p) {
            return p;
        }
        return new PoolException("Pool '" + pool + "': acquire failed: " + t, t);
    }

    /** An acquire waited {@code timeout} for a connection (of {@code required}'s endpoint, if not {@code null}). */
    AcquireTimeoutException timedOut(Duration timeout, EndpointState required) {
        String source = endpoints.discoverySource();
        if (source != null && endpoints.awaitingDiscovery()) {
            return new NoEndpointDiscoveredException(pool, timeout, stats(), source);
        }
        return new AcquireTimeoutException(pool, timeout, stats(), recentConnectFailure(required));
    }

    /** An acquire waited {@code timeout} for a suspended pool to resume. */
    AcquireTimeoutException timedOutSuspended(Duration timeout) {
        return new AcquireTimeoutException(pool, timeout, stats(), null, true);
    }

    /** No endpoint of {@code snapshot} can serve: each one's last failure. */
    NoHealthyEndpointException noHealthyEndpoint(EndpointSet.Snapshot snapshot) {
        Map<URI, Throwable> failures = new LinkedHashMap<>();
        for (EndpointState e : snapshot.array()) {
            failures.put(e.uri(), e.lastFailure());
        }
        return new NoHealthyEndpointException(pool, failures);
    }

    /** The pool's stats now, for a failure to carry. */
    PoolStats stats() {
        return endpoints.stats(pending.getAsInt());
    }

    /** The latest failure of an endpoint that is failing now (its last connect attempt failed), else {@code null}. */
    private Throwable recentConnectFailure(EndpointState required) {
        if (required != null) {
            return required.lastFailure();
        }
        Throwable latest = null;
        for (EndpointState e : endpoints.array()) {
            Throwable f = e.lastFailure();
            if (f != null) {
                latest = f;
            }
        }
        return latest;
    }
}

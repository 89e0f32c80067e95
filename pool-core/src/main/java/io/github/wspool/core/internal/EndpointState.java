package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.EndpointView;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One endpoint inside a pool: its connections, its counters, its connect backoff and last failure.
 *
 * <p>The connection array is copy-on-write (changed under {@link #lock} when a connection is created or finally
 * closed, read without a lock by every acquire), so the hot path is a lock-free scan plus one CAS.
 */
final class EndpointState implements Endpoint, EndpointView {

    private static final ManagedConnection[] NONE = new ManagedConnection[0];

    private final URI uri;
    private volatile int weight;
    private volatile boolean healthy = true;

    private final ReentrantLock lock = new ReentrantLock();
    private volatile ManagedConnection[] connections = NONE; // replaced under lock
    /** Connections holding a slot: opening, open or closing. */
    final AtomicInteger slots = new AtomicInteger();
    /** Connect attempts in flight. */
    final AtomicInteger connecting = new AtomicInteger();
    /** Leases currently held. */
    final AtomicInteger activeLeases = new AtomicInteger();

    private final Backoff backoff; // guarded by lock
    private volatile Throwable lastFailure;

    EndpointState(URI uri, int weight, Backoff backoff) {
        this.uri = uri;
        this.weight = weight;
        this.backoff = backoff;
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public Endpoint endpoint() {
        return this;
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    @Override
    public int openConnections() {
        return slots.get();
    }

    @Override
    public int activeLeases() {
        return activeLeases.get();
    }

    @Override
    public int availableConnections() {
        int n = 0;
        for (ManagedConnection c : connections) {
            if (c.state().isAvailable()) {
                n++;
            }
        }
        return n;
    }

    @Override
    public long latencyNanos() {
        return 0;
    }

    ManagedConnection[] connections() {
        return connections;
    }

    /** Takes an available connection (READY or IDLE → ACTIVE), lowest index first; {@code null} if none. */
    ManagedConnection takeAvailable() {
        for (ManagedConnection c : connections) {
            ConnectionState s = c.state();
            if (s.isAvailable() && c.transition(s, ConnectionState.ACTIVE)) {
                return c;
            }
        }
        return null;
    }

    boolean hasAvailable() {
        for (ManagedConnection c : connections) {
            if (c.state().isAvailable()) {
                return true;
            }
        }
        return false;
    }

    void add(ManagedConnection c) {
        lock.lock();
        try {
            ManagedConnection[] old = connections;
            ManagedConnection[] next = Arrays.copyOf(old, old.length + 1);
            next[old.length] = c;
            connections = next;
        } finally {
            lock.unlock();
        }
    }

    void remove(ManagedConnection c) {
        lock.lock();
        try {
            ManagedConnection[] old = connections;
            for (int i = 0; i < old.length; i++) {
                if (old[i] == c) {
                    ManagedConnection[] next = new ManagedConnection[old.length - 1];
                    System.arraycopy(old, 0, next, 0, i);
                    System.arraycopy(old, i + 1, next, i, old.length - i - 1);
                    connections = next;
                    return;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether a new connect may start at {@code now}: not while the backoff delay runs, and while the endpoint is
     * failing only one attempt at a time (a probe), so a down server is not stampeded by waiting callers.
     */
    boolean mayConnect(long now) {
        lock.lock();
        try {
            return backoff.allows(now) && (backoff.failures() == 0 || connecting.get() == 0);
        } finally {
            lock.unlock();
        }
    }

    /** When the backoff lets the next connect start, or {@code Long.MAX_VALUE} if it does not hold connects back. */
    long backoffUntil() {
        lock.lock();
        try {
            return backoff.isWaiting() ? backoff.nextAttemptAt() : Long.MAX_VALUE;
        } finally {
            lock.unlock();
        }
    }

    /** Records a connect failure; returns the backoff delay before the next attempt. */
    long connectFailed(long now, Throwable failure) {
        lock.lock();
        try {
            lastFailure = failure;
            return backoff.onFailure(now);
        } finally {
            lock.unlock();
        }
    }

    /** Consecutive connect failures so far (0 when the last connect succeeded). */
    int consecutiveFailures() {
        lock.lock();
        try {
            return backoff.failures();
        } finally {
            lock.unlock();
        }
    }

    /** Records a connect success; returns how many consecutive failures it ends. */
    int connectSucceeded() {
        lock.lock();
        try {
            int failures = backoff.failures();
            backoff.onSuccess();
            lastFailure = null;
            return failures;
        } finally {
            lock.unlock();
        }
    }

    /** The last connect failure, while the endpoint is failing; {@code null} after a success. */
    Throwable lastFailure() {
        return lastFailure;
    }

    @Override
    public String toString() {
        return Endpoint.describe(uri) + (weight != 1 ? " (weight " + weight + ")" : "");
    }
}

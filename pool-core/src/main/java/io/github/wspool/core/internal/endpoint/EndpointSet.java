package io.github.wspool.core.internal.endpoint;

import io.github.wspool.core.internal.connection.EndpointState;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool's endpoints as an immutable snapshot, replaced (copy-on-write, under a lock) when an endpoint is added or
 * finally removed. Readers take the snapshot once per operation and never lock.
 */
public final class EndpointSet {

    /**
     * One consistent view: the array for iteration, the same endpoints as a list for strategies, and the endpoint
     * itself when there is exactly one (the acquire fast path's test), else {@code null}.
     *
     * @param array the endpoints, in configuration order
     * @param list  the same, as an unmodifiable list
     * @param sole  the only endpoint, or {@code null} when there are several
     */
    public record Snapshot(EndpointState[] array, List<EndpointState> list, EndpointState sole) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private volatile Snapshot snapshot;

    /**
     * @param initial the configured endpoints, in order
     */
    public EndpointSet(List<EndpointState> initial) {
        this.snapshot = snapshotOf(initial);
    }

    private static Snapshot snapshotOf(List<EndpointState> list) {
        return new Snapshot(list.toArray(new EndpointState[0]), List.copyOf(list),
                list.size() == 1 ? list.get(0) : null);
    }

    /**
     * The current snapshot.
     *
     * @return the snapshot
     */
    public Snapshot snapshot() {
        return snapshot;
    }

    /**
     * The current endpoints.
     *
     * @return the snapshot's array
     */
    public EndpointState[] array() {
        return snapshot.array();
    }

    /**
     * The pool's only endpoint.
     *
     * @return it, or {@code null} when the pool has several
     */
    public EndpointState sole() {
        return snapshot.sole();
    }

    /**
     * The endpoint configured with exactly this URI.
     *
     * @param uri the URI
     * @return the endpoint, or {@code null}
     */
    public EndpointState find(URI uri) {
        for (EndpointState e : snapshot.array()) {
            if (e.uri().equals(uri)) {
                return e;
            }
        }
        return null;
    }

    /**
     * Adds an endpoint.
     *
     * @param e the endpoint
     * @return {@code false} if one with the same URI is already there
     */
    public boolean add(EndpointState e) {
        lock.lock();
        try {
            if (find(e.uri()) != null) {
                return false;
            }
            List<EndpointState> next = new ArrayList<>(snapshot.list());
            next.add(e);
            snapshot = snapshotOf(next);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes an endpoint.
     *
     * @param e the endpoint
     */
    public void remove(EndpointState e) {
        lock.lock();
        try {
            List<EndpointState> next = new ArrayList<>(snapshot.list());
            if (next.remove(e)) {
                snapshot = snapshotOf(next);
            }
        } finally {
            lock.unlock();
        }
    }
}

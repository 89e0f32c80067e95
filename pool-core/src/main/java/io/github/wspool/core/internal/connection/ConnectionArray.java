package io.github.wspool.core.internal.connection;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An endpoint's connections as readers want them: an exact array that never changes once handed out (iterate it
 * freely, without a lock). Unlike a plain copy-on-write array, a change does not copy: adds and removes edit a
 * growable backing array under the lock and only mark the snapshot stale; the next reader takes one copy, which every
 * reader shares until the next change.
 *
 * <p>So the copies made are at most as many as the changes, and usually far fewer: a pool ramping up to 19,000
 * connections with no acquires meanwhile used to allocate a new array per connect, {@code N²/2} references in all
 * (about 700 MB at 19,000, the same again when they all closed); now it copies once per read that follows a change.
 * Removing stays O(n) (a search and a shift of the backing array, in insertion order), without allocating.
 */
final class ConnectionArray {

    private static final ManagedConnection[] NONE = new ManagedConnection[0];
    private static final int MIN_CAPACITY = 8;

    private final ReentrantLock lock = new ReentrantLock();
    private ManagedConnection[] members = NONE; // guarded by lock
    private int size; // guarded by lock
    /** The array readers get; {@code null} after a change until the next reader copies it. */
    private volatile ManagedConnection[] snapshot = NONE;

    /**
     * The current connections, in the order they were added.
     *
     * @return an array nobody changes
     */
    ManagedConnection[] get() {
        ManagedConnection[] s = snapshot;
        return s != null ? s : copy();
    }

    private ManagedConnection[] copy() {
        lock.lock();
        try {
            ManagedConnection[] s = snapshot;
            if (s == null) {
                s = size == 0 ? NONE : Arrays.copyOf(members, size);
                snapshot = s;
            }
            return s;
        } finally {
            lock.unlock();
        }
    }

    void add(ManagedConnection c) {
        lock.lock();
        try {
            if (size == members.length) {
                members = Arrays.copyOf(members, Math.max(MIN_CAPACITY, size * 2));
            }
            members[size++] = c;
            snapshot = null;
        } finally {
            lock.unlock();
        }
    }

    /** Removes {@code c} (identity) if present. */
    void remove(ManagedConnection c) {
        lock.lock();
        try {
            for (int i = 0; i < size; i++) {
                if (members[i] == c) {
                    System.arraycopy(members, i + 1, members, i, size - i - 1);
                    members[--size] = null;
                    if (size == 0) {
                        members = NONE;
                        snapshot = NONE;
                    } else {
                        if (size < members.length / 4 && members.length > MIN_CAPACITY) {
                            members = Arrays.copyOf(members, Math.max(MIN_CAPACITY, size * 2));
                        }
                        snapshot = null;
                    }
                    return;
                }
            }
        } finally {
            lock.unlock();
        }
    }
}

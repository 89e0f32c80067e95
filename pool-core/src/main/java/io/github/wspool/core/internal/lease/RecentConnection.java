package io.github.wspool.core.internal.lease;

import io.github.wspool.core.internal.connection.ManagedConnection;
/**
 * Per thread, the connection that thread last released to the pool: its next acquire tries that one first (one CAS
 * on a connection no other thread is likely to touch) before it scans the endpoint's shared array. This is the
 * thread-affine fast path of HikariCP's {@code ConcurrentBag} and Stormpot's claim cache, cut down to one entry per
 * thread.
 *
 * <p>It is a hint, never an owner: the entry is taken by the same READY/IDLE → ACTIVE compare-and-set as any other
 * take, so a connection named here can still be taken from the shared array by another thread, and a stale entry (the
 * connection was taken, recycled or closed since) just fails its CAS. Per thread it is LIFO, which keeps the pool's
 * eviction order: connections no thread used lately still age into IDLE and are evicted.
 *
 * <p>Not a {@link ThreadLocal}: a thread-local lookup is a hash probe through the thread's map (and a collision with
 * another thread-local, which depends on what else the thread holds, makes it a loop), and a thread that outlives
 * the pool would keep the pool reachable. Instead each pool has a small array of entries indexed by thread id, each
 * entry on its own cache line so that threads writing their entries do not contend. Threads whose ids collide share
 * an entry: they may take each other's hint, which costs at most a failed CAS. Virtual threads (one per task) just
 * share entries with each other, at no allocation.
 *
 * <p>Entries are read and written without ordering (plain accesses): a stale or torn view of a hint is harmless,
 * because the state CAS decides, and a {@link ManagedConnection} read racily is safely initialised (its identity
 * fields are final, its state volatile). An entry is written only when the thread's connection changes, so the
 * steady state only reads.
 */
final class RecentConnection {

    /** Array elements between two entries: 16 references span at least one 64-byte cache line. */
    private static final int STRIDE = 16;

    private final ManagedConnection[] entries;
    private final int mask;

    /** Entries for about four threads per processor, at least 16 (a power of two). */
    RecentConnection() {
        int wanted = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
        int size = Integer.highestOneBit(wanted - 1) << 1;
        this.entries = new ManagedConnection[size * STRIDE];
        this.mask = size - 1;
    }

    private int index() {
        long id = Thread.currentThread().getId();
        return ((int) (id ^ (id >>> 32)) & mask) * STRIDE;
    }

    /** The connection the calling thread released last, or {@code null}; it may have been taken or closed since. */
    ManagedConnection get() {
        return entries[index()];
    }

    /** Records {@code c} as the calling thread's last released connection. */
    void put(ManagedConnection c) {
        int i = index();
        if (entries[i] != c) {
            entries[i] = c;
        }
    }

    /** Forgets {@code c} wherever it is named, so that a closed connection is not kept reachable by a hint. */
    void forget(ManagedConnection c) {
        for (int i = 0; i < entries.length; i += STRIDE) {
            if (entries[i] == c) {
                entries[i] = null;
            }
        }
    }
}

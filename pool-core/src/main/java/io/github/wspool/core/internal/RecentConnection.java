package io.github.wspool.core.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;

/**
 * Per thread, the connection that thread last released to the pool: its next acquire tries that one first (one CAS
 * on a connection no other thread is likely to touch) before it scans the endpoint's shared array. This is the
 * thread-affine fast path of HikariCP's {@code ConcurrentBag} and Stormpot's claim cache, cut down to one entry per
 * thread and pool.
 *
 * <p>It is a hint, never an owner: the entry is taken by the same READY/IDLE → ACTIVE compare-and-set as any other
 * take, so a connection in another thread's cache can still be taken from the shared array, and a stale entry (the
 * connection was taken, recycled or closed since) just fails its CAS. Per thread it is LIFO, which keeps the pool's
 * eviction order: connections no thread uses lately still age into IDLE and are evicted.
 *
 * <p>The entry holds the connection through a {@link WeakReference}, so that a thread that outlives its pool does not
 * keep the pool reachable (a connection references its pool); the reference object is replaced only when the thread's
 * connection changes, so the steady state allocates nothing. Virtual threads (JDK 21+) skip the cache: they are
 * usually one per task, and a thread-local map per task would cost more than the scan it saves.
 */
final class RecentConnection {

    /** {@code Thread.isVirtual()} where the JDK has it (21+), else {@code null}. */
    private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

    private final ThreadLocal<Slot> slots = new ThreadLocal<>();

    /** One thread's entry; written and read by that thread only. */
    private static final class Slot {
        WeakReference<ManagedConnection> connection;
    }

    private static MethodHandle isVirtualHandle() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                    MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // JDK 17-20: no virtual threads
        }
    }

    private static boolean onVirtualThread() {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(Thread.currentThread());
        } catch (Throwable e) {
            throw new IllegalStateException("Thread.isVirtual() failed", e);
        }
    }

    /** The calling thread's last released connection, or {@code null}; it may have been taken or closed since. */
    ManagedConnection get() {
        if (onVirtualThread()) {
            return null; // before slots.get(): that would create the thread's map
        }
        Slot s = slots.get();
        if (s == null) {
            return null;
        }
        WeakReference<ManagedConnection> ref = s.connection;
        return ref == null ? null : ref.get();
    }

    /** Records {@code c} as the calling thread's last released connection. */
    void put(ManagedConnection c) {
        if (onVirtualThread()) {
            return;
        }
        Slot s = slots.get();
        if (s == null) {
            s = new Slot();
            slots.set(s);
        }
        WeakReference<ManagedConnection> ref = s.connection;
        if (ref == null || !ref.refersTo(c)) {
            s.connection = new WeakReference<>(c);
        }
    }
}

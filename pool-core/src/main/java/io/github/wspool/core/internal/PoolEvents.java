package io.github.wspool.core.internal;

import io.github.wspool.PoolListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the pool's listeners, each call guarded: a listener that throws is logged (at WARN the first
 * time for that listener and event kind, at DEBUG after) and the pool carries on. Callers check {@link #enabled()}
 * before building an event, so a pool without listeners allocates nothing for them.
 */
final class PoolEvents {

    private static final Logger log = LoggerFactory.getLogger(PoolEvents.class);

    private static final PoolListener[] NONE = new PoolListener[0];

    private final String poolName;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile PoolListener[] listeners; // replaced under lock: copy-on-write
    /** {@code listeners.length > 0}, written with it: the hot path reads one field, not the array's length. */
    private volatile boolean enabled;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    PoolEvents(String poolName, List<PoolListener> listeners) {
        this.poolName = poolName;
        this.listeners = listeners.isEmpty() ? NONE : listeners.toArray(new PoolListener[0]);
        this.enabled = !listeners.isEmpty();
    }

    /** One volatile read: with no listener the pool builds no event object at all. */
    boolean enabled() {
        return enabled;
    }

    void add(PoolListener listener) {
        lock.lock();
        try {
            PoolListener[] old = listeners;
            PoolListener[] next = Arrays.copyOf(old, old.length + 1);
            next[old.length] = listener;
            listeners = next;
            enabled = true;
        } finally {
            lock.unlock();
        }
    }

    void remove(PoolListener listener) {
        lock.lock();
        try {
            List<PoolListener> next = new ArrayList<>(Arrays.asList(listeners));
            if (next.remove(listener)) {
                listeners = next.isEmpty() ? NONE : next.toArray(new PoolListener[0]);
                enabled = !next.isEmpty();
            }
        } finally {
            lock.unlock();
        }
    }

    <E> void publish(String kind, E event, Dispatch<E> dispatch) {
        for (PoolListener l : listeners) {
            try {
                dispatch.deliver(l, event);
            } catch (RuntimeException | LinkageError e) {
                String key = System.identityHashCode(l) + "/" + kind;
                if (warned.add(key)) {
                    log.warn("[{}] listener {} threw from {}; it is skipped for this event (further failures logged at"
                            + " DEBUG)", poolName, l.getClass().getName(), kind, e);
                } else {
                    log.debug("[{}] listener {} threw from {}", poolName, l.getClass().getName(), kind, e);
                }
            }
        }
    }

    /** How to hand one event to one listener, e.g. {@code PoolListener::onAcquire}. */
    @FunctionalInterface
    interface Dispatch<E> {
        void deliver(PoolListener listener, E event);
    }

}

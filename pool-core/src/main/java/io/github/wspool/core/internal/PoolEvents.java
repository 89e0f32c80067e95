package io.github.wspool.core.internal;

import io.github.wspool.PoolListener;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the pool's listeners, each call guarded: a listener that throws is logged (at WARN the first
 * time for that listener and event kind, at DEBUG after) and the pool carries on. Callers check {@link #enabled()}
 * before building an event, so a pool without listeners allocates nothing for them.
 */
final class PoolEvents {

    private static final Logger log = LoggerFactory.getLogger(PoolEvents.class);

    private final String poolName;
    private final PoolListener[] listeners;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    PoolEvents(String poolName, List<PoolListener> listeners) {
        this.poolName = poolName;
        this.listeners = listeners.toArray(new PoolListener[0]);
    }

    boolean enabled() {
        return listeners.length > 0;
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

package io.github.wspool.core.internal.event;

import io.github.wspool.MessageNotSentException;
import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.PoolException;
import io.github.wspool.PoolListener;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.CopyOnWrite;
import io.github.wspool.event.ConnectFailureCause;
import io.github.wspool.event.MessageDroppedEvent;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.event.RequestEvent;
import io.github.wspool.event.SubscriptionEvent;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool's listeners, as the {@link PoolEvents} every component calls: with no listener registered each call ends
 * at one volatile read and builds nothing ({@link PoolEvents#NONE} is the dispatcher then); with listeners, it goes to
 * a {@link ListenerEvents} over the current set.
 * Listeners may be added and removed while the pool runs (copy-on-write under a lock; calls read one volatile field).
 */
public final class PoolListeners implements PoolEvents {

    private static final PoolListener[] NO_LISTENERS = new PoolListener[0];

    private final String pool;
    private final Ticker ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private PoolListener[] listeners; // guarded by lock
    private volatile PoolEvents target;
    /** {@code target != NONE}, written with it: the hot path reads one boolean, no type check. */
    private volatile boolean listening;

    /**
     * @param pool      the pool's name, carried by every event
     * @param ticker    the pool's time source, for durations measured at dispatch
     * @param listeners the builder's listeners, in order
     */
    public PoolListeners(String pool, Ticker ticker, List<PoolListener> listeners) {
        this.pool = pool;
        this.ticker = ticker;
        this.listeners = listeners.toArray(NO_LISTENERS);
        retarget();
    }

    /** Publishes the dispatcher for the current listeners (under the lock, or in the constructor). */
    private void retarget() {
        PoolEvents next = listeners.length == 0 ? PoolEvents.NONE
                : new ListenerEvents(pool, ticker, listeners, warned);
        target = next;
        listening = next != PoolEvents.NONE;
    }

    /**
     * Adds a listener; it receives events from now on.
     *
     * @param listener not null
     */
    public void add(PoolListener listener) {
        Objects.requireNonNull(listener, "listener");
        lock.lock();
        try {
            listeners = CopyOnWrite.with(listeners, listener);
            retarget();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes a listener added before (the first registration of it); events already being delivered may still
     * reach it.
     *
     * @param listener the listener
     */
    public void remove(PoolListener listener) {
        lock.lock();
        try {
            listeners = CopyOnWrite.without(listeners, listener, NO_LISTENERS);
            retarget();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean listening() {
        return listening;
    }

    @Override
    public void stateChanged(String connectionId, Endpoint endpoint, ConnectionState from, ConnectionState to) {
        if (listening) {
            target.stateChanged(connectionId, endpoint, from, to);
        }
    }

    @Override
    public void connectFinished(String connectionId, Endpoint endpoint, long nanos, Throwable failure,
                                ConnectFailureCause cause) {
        if (listening) {
            target.connectFinished(connectionId, endpoint, nanos, failure, cause);
        }
    }

    @Override
    public void sendWritten(String connectionId, Endpoint endpoint, long bytes, long acceptedAt) {
        if (listening) {
            target.sendWritten(connectionId, endpoint, bytes, acceptedAt);
        }
    }

    @Override
    public void acquired(String connectionId, Endpoint endpoint, long waitedNanos) {
        if (listening) {
            target.acquired(connectionId, endpoint, waitedNanos);
        }
    }

    @Override
    public void acquireFailed(long startedAt, PoolException failure) {
        if (listening) {
            target.acquireFailed(startedAt, failure);
        }
    }

    @Override
    public void released(String connectionId, Endpoint endpoint, long heldNanos) {
        if (listening) {
            target.released(connectionId, endpoint, heldNanos);
        }
    }

    @Override
    public void recycled(String connectionId, Endpoint endpoint, RecycleReason reason) {
        if (listening) {
            target.recycled(connectionId, endpoint, reason);
        }
    }

    @Override
    public void pong(String connectionId, Endpoint endpoint, long rttNanos) {
        if (listening) {
            target.pong(connectionId, endpoint, rttNanos);
        }
    }

    @Override
    public void endpointAdded(Endpoint endpoint) {
        if (listening) {
            target.endpointAdded(endpoint);
        }
    }

    @Override
    public void endpointRemoved(Endpoint endpoint) {
        if (listening) {
            target.endpointRemoved(endpoint);
        }
    }

    @Override
    public void endpointHealthChanged(Endpoint endpoint, boolean healthy, Throwable cause) {
        if (listening) {
            target.endpointHealthChanged(endpoint, healthy, cause);
        }
    }

    @Override
    public void endpointBreakerChanged(Endpoint endpoint, String from, String to) {
        if (listening) {
            target.endpointBreakerChanged(endpoint, from, to);
        }
    }

    @Override
    public void requestFinished(String connectionId, Endpoint endpoint, long sentAt,
                                RequestEvent.Outcome outcome) {
        if (listening) {
            target.requestFinished(connectionId, endpoint, sentAt, outcome);
        }
    }

    @Override
    public void messageDropped(String connectionId, Endpoint endpoint, MessageDroppedEvent.Reason reason) {
        if (listening) {
            target.messageDropped(connectionId, endpoint, reason);
        }
    }

    @Override
    public void sendRejected(String connectionId, Endpoint endpoint, long messageBytes, long queuedBytes,
                             long maxBufferedBytes) {
        if (listening) {
            target.sendRejected(connectionId, endpoint, messageBytes, queuedBytes, maxBufferedBytes);
        }
    }

    @Override
    public void messageUndelivered(String connectionId, Endpoint endpoint, MessageNotSentException.Reason reason,
                                   int messages, long bytes) {
        if (listening) {
            target.messageUndelivered(connectionId, endpoint, reason, messages, bytes);
        }
    }

    @Override
    public void subscription(String channel, SubscriptionEvent.Kind kind, String connectionId, long position,
                             boolean recovered, long gapFrom, long gapTo) {
        if (listening) {
            target.subscription(channel, kind, connectionId, position, recovered, gapFrom, gapTo);
        }
    }

    @Override
    public void reconfigured(Map<String, String> before, Map<String, String> after) {
        if (listening) {
            target.reconfigured(before, after);
        }
    }

    @Override
    public void poolClosed() {
        if (listening) {
            target.poolClosed();
        }
    }
}

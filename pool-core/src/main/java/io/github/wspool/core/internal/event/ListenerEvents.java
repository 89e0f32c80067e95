package io.github.wspool.core.internal.event;

import io.github.wspool.MessageNotSentException;
import io.github.wspool.core.internal.concurrent.Fatal;
import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.PoolException;
import io.github.wspool.PoolListener;
import io.github.wspool.core.Ticker;
import io.github.wspool.event.AcquireEvent;
import io.github.wspool.event.AcquireFailureEvent;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.ConnectionStateChange;
import io.github.wspool.event.EndpointBreakerEvent;
import io.github.wspool.event.EndpointEvent;
import io.github.wspool.event.EndpointHealthEvent;
import io.github.wspool.event.ConnectFailureCause;
import io.github.wspool.event.MessageDroppedEvent;
import io.github.wspool.event.MessageUndeliveredEvent;
import io.github.wspool.event.PongEvent;
import io.github.wspool.event.ReconfigurationEvent;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.event.ReleaseEvent;
import io.github.wspool.event.RequestEvent;
import io.github.wspool.event.SendEvent;
import io.github.wspool.event.SendRejectedEvent;
import io.github.wspool.event.SubscriptionEvent;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to a fixed set of listeners: builds each {@link PoolListener} event object once and hands it to
 * every listener in order, each call guarded (Resilience4j's {@code publishEvent}): a listener that throws is logged
 * (at WARN the first time for that listener and event kind, at DEBUG after) and the pool carries on.
 */
final class ListenerEvents implements PoolEvents {

    private static final Logger log = LoggerFactory.getLogger(ListenerEvents.class);

    private final String pool;
    private final Ticker ticker;
    private final PoolListener[] listeners;
    /** Listener/event kinds that already logged a failure at WARN; shared by every dispatcher of the pool. */
    private final Set<String> warned;

    ListenerEvents(String pool, Ticker ticker, PoolListener[] listeners, Set<String> warned) {
        this.pool = pool;
        this.ticker = ticker;
        this.listeners = listeners;
        this.warned = warned;
    }

    @Override
    public boolean listening() {
        return true;
    }

    /** How to hand one event to one listener, e.g. {@code PoolListener::onAcquire}. */
    @FunctionalInterface
    private interface Dispatch<E> {
        void deliver(PoolListener listener, E event);
    }

    private <E> void publish(String kind, E event, Dispatch<E> dispatch) {
        for (PoolListener l : listeners) {
            try {
                dispatch.deliver(l, event);
            } catch (Throwable e) { // an Error from a listener too: the pool and the other listeners carry on
                Fatal.rethrowIfFatal(e);
                if (warned.add(System.identityHashCode(l) + "/" + kind)) {
                    log.warn("[{}] listener {} threw from {}; it is skipped for this event (further failures logged at"
                            + " DEBUG)", pool, l.getClass().getName(), kind, e);
                } else {
                    log.debug("[{}] listener {} threw from {}", pool, l.getClass().getName(), kind, e);
                }
            }
        }
    }

    private static Duration nanos(long n) {
        return n > 0 ? Duration.ofNanos(n) : Duration.ZERO;
    }

    private Duration since(long start) {
        return start == UNTIMED ? Duration.ZERO : nanos(ticker.read() - start);
    }

    @Override
    public void stateChanged(String connectionId, Endpoint endpoint, ConnectionState from, ConnectionState to) {
        publish("onStateChange", new ConnectionStateChange(pool, connectionId, endpoint, from, to),
                PoolListener::onStateChange);
    }

    @Override
    public void connectFinished(String connectionId, Endpoint endpoint, long nanos, Throwable failure,
                                ConnectFailureCause cause) {
        publish("onConnect", new ConnectEvent(pool, connectionId, endpoint, nanos(nanos), failure, cause),
                PoolListener::onConnect);
    }

    @Override
    public void sendWritten(String connectionId, Endpoint endpoint, long bytes, long acceptedAt) {
        publish("onSend", new SendEvent(pool, connectionId, endpoint, bytes, since(acceptedAt)), PoolListener::onSend);
    }

    @Override
    public void acquired(String connectionId, Endpoint endpoint, long waitedNanos) {
        publish("onAcquire", new AcquireEvent(pool, connectionId, endpoint, nanos(waitedNanos)),
                PoolListener::onAcquire);
    }

    @Override
    public void acquireFailed(long startedAt, PoolException failure) {
        publish("onAcquireFailure", new AcquireFailureEvent(pool, since(startedAt), failure),
                PoolListener::onAcquireFailure);
    }

    @Override
    public void released(String connectionId, Endpoint endpoint, long heldNanos) {
        publish("onRelease", new ReleaseEvent(pool, connectionId, endpoint, nanos(heldNanos)),
                PoolListener::onRelease);
    }

    @Override
    public void recycled(String connectionId, Endpoint endpoint, RecycleReason reason) {
        publish("onRecycle", new RecycleEvent(pool, connectionId, endpoint, reason), PoolListener::onRecycle);
    }

    @Override
    public void pong(String connectionId, Endpoint endpoint, long rttNanos) {
        publish("onPong", new PongEvent(pool, connectionId, endpoint, nanos(rttNanos)), PoolListener::onPong);
    }

    @Override
    public void endpointAdded(Endpoint endpoint) {
        publish("onEndpointAdded", new EndpointEvent(pool, endpoint), PoolListener::onEndpointAdded);
    }

    @Override
    public void endpointRemoved(Endpoint endpoint) {
        publish("onEndpointRemoved", new EndpointEvent(pool, endpoint), PoolListener::onEndpointRemoved);
    }

    @Override
    public void endpointHealthChanged(Endpoint endpoint, boolean healthy, Throwable cause) {
        publish("onEndpointHealthChange", new EndpointHealthEvent(pool, endpoint, healthy, cause),
                PoolListener::onEndpointHealthChange);
    }

    @Override
    public void endpointBreakerChanged(Endpoint endpoint, String from, String to) {
        publish("onEndpointBreakerStateChange", new EndpointBreakerEvent(pool, endpoint, from, to),
                PoolListener::onEndpointBreakerStateChange);
    }

    @Override
    public void requestFinished(String connectionId, Endpoint endpoint, long sentAt,
                                RequestEvent.Outcome outcome) {
        publish("onRequest", new RequestEvent(pool, connectionId, endpoint, since(sentAt), outcome),
                PoolListener::onRequest);
    }

    @Override
    public void messageDropped(String connectionId, Endpoint endpoint, MessageDroppedEvent.Reason reason) {
        publish("onMessageDropped", new MessageDroppedEvent(pool, connectionId, endpoint, reason),
                PoolListener::onMessageDropped);
    }

    @Override
    public void sendRejected(String connectionId, Endpoint endpoint, long messageBytes, long queuedBytes,
                             long maxBufferedBytes) {
        publish("onSendRejected", new SendRejectedEvent(pool, connectionId, endpoint, messageBytes, queuedBytes,
                maxBufferedBytes), PoolListener::onSendRejected);
    }

    @Override
    public void messageUndelivered(String connectionId, Endpoint endpoint, MessageNotSentException.Reason reason,
                                   int messages, long bytes) {
        publish("onMessageUndelivered", new MessageUndeliveredEvent(pool, connectionId, endpoint, reason, messages,
                bytes), PoolListener::onMessageUndelivered);
    }

    @Override
    public void subscription(String channel, SubscriptionEvent.Kind kind, String connectionId, long position,
                             boolean recovered, long gapFrom, long gapTo) {
        publish("onSubscription", new SubscriptionEvent(pool, channel, kind, connectionId, position, recovered, gapFrom,
                gapTo), PoolListener::onSubscription);
    }

    @Override
    public void reconfigured(Map<String, String> before, Map<String, String> after) {
        publish("onReconfigured", new ReconfigurationEvent(pool, before, after),
                PoolListener::onReconfigured);
    }

    @Override
    public void poolClosed() {
        publish("onPoolClosed", pool, PoolListener::onPoolClosed);
    }
}

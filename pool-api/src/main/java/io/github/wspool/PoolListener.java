package io.github.wspool;

import io.github.wspool.event.AcquireEvent;
import io.github.wspool.event.AcquireFailureEvent;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.ConnectionStateChange;
import io.github.wspool.event.EndpointBreakerEvent;
import io.github.wspool.event.EndpointEvent;
import io.github.wspool.event.EndpointHealthEvent;
import io.github.wspool.event.MessageDroppedEvent;
import io.github.wspool.event.MessageUndeliveredEvent;
import io.github.wspool.event.PongEvent;
import io.github.wspool.event.ReconfigurationEvent;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.ReleaseEvent;
import io.github.wspool.event.RequestEvent;
import io.github.wspool.event.SendEvent;
import io.github.wspool.event.SendRejectedEvent;
import io.github.wspool.event.SubscriptionEvent;

/**
 * Receives what happens inside a pool: every lifecycle transition, connects, acquires, releases and recycles.
 *
 * <p>Register listeners on the builder, or on a running pool with {@link WebSocketPool#addListener}. Every method has an empty default, so implement only what you need.
 * Callbacks run synchronously on the pool's or the caller's thread, outside the pool's locks: keep them short and
 * non-blocking (hand heavy work to your own executor). A listener that throws is logged and skipped; it never
 * breaks the pool. With no listener registered no event object is created.
 */
public interface PoolListener {

    /**
     * A connection changed lifecycle state.
     *
     * @param event the transition
     */
    default void onStateChange(ConnectionStateChange event) {
    }

    /**
     * A connect attempt finished, successfully or not.
     *
     * @param event the outcome
     */
    default void onConnect(ConnectEvent event) {
    }

    /**
     * A caller got a lease.
     *
     * @param event the acquire
     */
    default void onAcquire(AcquireEvent event) {
    }

    /**
     * An acquire failed (timeout, rejection, pool closed, interrupt).
     *
     * @param event the failure
     */
    default void onAcquireFailure(AcquireFailureEvent event) {
    }

    /**
     * A lease was given back.
     *
     * @param event the release
     */
    default void onRelease(ReleaseEvent event) {
    }

    /**
     * A connection is being recycled (closed) for a reason.
     *
     * @param event the recycle
     */
    default void onRecycle(RecycleEvent event) {
    }

    /**
     * A keepalive pong arrived, with its round-trip time.
     *
     * @param event the pong
     */
    default void onPong(PongEvent event) {
    }

    /**
     * An endpoint was added at runtime.
     *
     * @param event the endpoint
     */
    default void onEndpointAdded(EndpointEvent event) {
    }

    /**
     * An endpoint was removed, after its drain.
     *
     * @param event the endpoint
     */
    default void onEndpointRemoved(EndpointEvent event) {
    }

    /**
     * An endpoint became unhealthy or healthy again.
     *
     * @param event the change
     */
    default void onEndpointHealthChange(EndpointHealthEvent event) {
    }

    /**
     * An endpoint's circuit breaker changed state (it opens when connects to the endpoint keep failing or its
     * connections stop answering, goes half-open to let a probe through, and closes when the probe succeeds).
     *
     * @param event the transition
     */
    default void onEndpointBreakerStateChange(EndpointBreakerEvent event) {
    }

    /**
     * A request finished: replied, timed out, cancelled by its lease's release, or failed with its connection.
     * Called on the thread that settled it.
     *
     * @param event the event
     */
    default void onRequest(RequestEvent event) {
    }

    /**
     * An inbound message reached no application code: a late reply, a message nobody handles, a handler that threw.
     *
     * @param event the event
     */
    default void onMessageDropped(MessageDroppedEvent event) {
    }

    /**
     * A message sent with {@code sendAsync} was written to the socket (plain {@code send} calls report nothing: they
     * are counted, not timed). Called on the thread that wrote it, a transport's: return quickly.
     *
     * @param event the event
     */
    default void onSend(SendEvent event) {
    }

    /**
     * A send was refused because the connection's outgoing buffer was full.
     *
     * @param event the event
     */
    default void onSendRejected(SendRejectedEvent event) {
    }

    /**
     * Outgoing messages the pool had accepted were not written to the socket (see {@link MessageUndeliveredEvent}).
     *
     * @param event the event
     */
    default void onMessageUndelivered(MessageUndeliveredEvent event) {
    }

    /**
     * A subscription was acknowledged, lost its connection, was re-subscribed, found a hole, dropped a duplicate, was
     * refused or closed (see {@link SubscriptionEvent}).
     *
     * @param event the event
     */
    default void onSubscription(SubscriptionEvent event) {
    }

    /**
     * The pool's settings were changed at runtime, or acquisition suspended or resumed, or its connections
     * soft-evicted (see {@link ReconfigurationEvent}).
     *
     * @param event the event
     */
    default void onReconfigured(ReconfigurationEvent event) {
    }

    /**
     * The pool finished closing: no more events follow.
     *
     * @param pool the pool's name
     */
    default void onPoolClosed(String pool) {
    }
}

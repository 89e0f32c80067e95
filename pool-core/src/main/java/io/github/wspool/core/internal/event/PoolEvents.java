package io.github.wspool.core.internal.event;

import io.github.wspool.MessageNotSentException;
import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.PoolException;
import io.github.wspool.event.ConnectFailureCause;
import io.github.wspool.event.MessageDroppedEvent;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.event.RequestEvent;
import io.github.wspool.event.SubscriptionEvent;
import java.util.Map;

/**
 * Everything the engine reports, one method per event (OkHttp's {@code EventListener} is the model). Call sites make
 * one call and never ask whether anyone listens: {@link #NONE} does nothing and is what a pool without listeners
 * uses, so the event objects of {@link io.github.wspool.PoolListener} are built only when someone receives them
 * ({@link ListenerEvents}). Times are nanoseconds of the pool's ticker; a negative or unknown duration is reported as
 * zero. Where the caller has not measured a duration it passes the start time, and the listeners' dispatcher reads
 * the clock: a pool nobody listens to reads no clock for its events.
 */
public interface PoolEvents {

    /** A start time that was not read (nobody would have looked at it): its duration is reported as zero. */
    long UNTIMED = Long.MIN_VALUE;

    /** Does nothing: the events of a pool that nobody listens to. */
    PoolEvents NONE = new PoolEvents() {
    };

    /**
     * Whether anyone receives events: the acquire and release paths read the clock only when someone will look at
     * the time (a clock read is a third of an uncontended acquire + release here).
     *
     * @return {@code false} for {@link #NONE}
     */
    default boolean listening() {
        return false;
    }

    /**
     * A connection moved from one lifecycle state to another.
     *
     * @param connectionId the connection
     * @param endpoint     its endpoint
     * @param from         the state before
     * @param to           the state after
     */
    default void stateChanged(String connectionId, Endpoint endpoint, ConnectionState from, ConnectionState to) {
    }

    /**
     * A connect attempt finished.
     *
     * @param connectionId the connection's id
     * @param endpoint     the endpoint
     * @param nanos        how long it took
     * @param failure      why it failed, or {@code null} if it opened
     * @param cause        the failure's class, or {@code null} if it opened
     */
    default void connectFinished(String connectionId, Endpoint endpoint, long nanos, Throwable failure,
                                 ConnectFailureCause cause) {
    }

    /**
     * A message sent with {@code sendAsync} was written (only reported when it was timed: someone listened when it was
     * accepted).
     *
     * @param connectionId the connection
     * @param endpoint     its endpoint
     * @param bytes        its payload bytes
     * @param acceptedAt   when the pool accepted it (ticker)
     */
    default void sendWritten(String connectionId, Endpoint endpoint, long bytes, long acceptedAt) {
    }

    /**
     * A caller got a lease.
     *
     * @param connectionId the leased connection
     * @param endpoint     its endpoint
     * @param waitedNanos  how long the caller waited
     */
    default void acquired(String connectionId, Endpoint endpoint, long waitedNanos) {
    }

    /**
     * An acquire failed.
     *
     * @param startedAt when the acquire began (the ticker's time), or {@link #UNTIMED}
     * @param failure   what the caller gets
     */
    default void acquireFailed(long startedAt, PoolException failure) {
    }

    /**
     * A lease was given back.
     *
     * @param connectionId the connection
     * @param endpoint     its endpoint
     * @param heldNanos    how long the lease was held
     */
    default void released(String connectionId, Endpoint endpoint, long heldNanos) {
    }

    /**
     * A connection is being recycled.
     *
     * @param connectionId the connection
     * @param endpoint     its endpoint
     * @param reason       why
     */
    default void recycled(String connectionId, Endpoint endpoint, RecycleReason reason) {
    }

    /**
     * A keepalive pong arrived.
     *
     * @param connectionId the connection
     * @param endpoint     its endpoint
     * @param rttNanos     the round trip
     */
    default void pong(String connectionId, Endpoint endpoint, long rttNanos) {
    }

    /**
     * An endpoint joined the pool at runtime.
     *
     * @param endpoint the endpoint
     */
    default void endpointAdded(Endpoint endpoint) {
    }

    /**
     * An endpoint left the pool after its drain.
     *
     * @param endpoint the endpoint
     */
    default void endpointRemoved(Endpoint endpoint) {
    }

    /**
     * An endpoint became unhealthy or healthy again.
     *
     * @param endpoint the endpoint
     * @param healthy  its new health
     * @param cause    why it is unhealthy, {@code null} when healthy
     */
    default void endpointHealthChanged(Endpoint endpoint, boolean healthy, Throwable cause) {
    }

    /**
     * An endpoint's circuit breaker changed state.
     *
     * @param endpoint the endpoint
     * @param from     the state before, lower-case
     * @param to       the state after, lower-case
     */
    default void endpointBreakerChanged(Endpoint endpoint, String from, String to) {
    }

    /**
     * A request finished.
     *
     * @param connectionId the connection it was sent on
     * @param endpoint     its endpoint
     * @param sentAt       when it was sent (the ticker's time)
     * @param outcome      how it ended
     */
    default void requestFinished(String connectionId, Endpoint endpoint, long sentAt,
                                 RequestEvent.Outcome outcome) {
    }

    /**
     * An inbound message reached no application code.
     *
     * @param connectionId the connection it arrived on
     * @param endpoint     its endpoint
     * @param reason       why
     */
    default void messageDropped(String connectionId, Endpoint endpoint, MessageDroppedEvent.Reason reason) {
    }

    /**
     * A send was refused: the outgoing buffer had no room.
     *
     * @param connectionId     the connection
     * @param endpoint         its endpoint
     * @param messageBytes     the refused frame's size on the wire
     * @param queuedBytes      bytes queued at the time
     * @param maxBufferedBytes the bound
     */
    default void sendRejected(String connectionId, Endpoint endpoint, long messageBytes, long queuedBytes,
                              long maxBufferedBytes) {
    }

    /**
     * Outgoing messages the pool had accepted were not written.
     *
     * @param connectionId the connection
     * @param endpoint     its endpoint
     * @param reason       why
     * @param messages     how many
     * @param bytes        their bytes not written
     */
    default void messageUndelivered(String connectionId, Endpoint endpoint, MessageNotSentException.Reason reason,
                                    int messages, long bytes) {
    }

    /**
     * Something happened to a subscription.
     *
     * @param channel      the channel
     * @param kind         what
     * @param connectionId the connection concerned, or {@code null}
     * @param position     the last delivered position (a duplicate's position for a dropped duplicate)
     * @param recovered    for a re-subscribe: whether the server replays the missed part
     * @param gapFrom      for a gap: the first missing position, else -1
     * @param gapTo        for a gap: the last missing position, else -1
     */
    default void subscription(String channel, SubscriptionEvent.Kind kind, String connectionId, long position,
                              boolean recovered, long gapFrom, long gapTo) {
    }

    /**
     * The pool's settings were changed at runtime, or acquisition suspended or resumed, or its connections
     * soft-evicted.
     *
     * @param before the changed settings' old values, by builder name
     * @param after  their new values, same keys
     */
    default void reconfigured(Map<String, String> before, Map<String, String> after) {
    }

    /** The pool finished closing: no more events follow. */
    default void poolClosed() {
    }
}

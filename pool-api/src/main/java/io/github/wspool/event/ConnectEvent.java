package io.github.wspool.event;

import io.github.wspool.Endpoint;
import java.time.Duration;

/**
 * A connect attempt (TCP connect plus WebSocket opening handshake) finished.
 *
 * @param pool         the pool's name
 * @param connectionId the id the connection had (or would have had)
 * @param endpoint     the endpoint connected to
 * @param duration     how long the attempt took
 * @param failure      why it failed, or {@code null} if it succeeded
 * @param failureCause the class of the failure (the tag of {@code wspool.connect.failures}), {@code null} if it
 *                     succeeded
 */
public record ConnectEvent(String pool, String connectionId, Endpoint endpoint, Duration duration,
                           Throwable failure, ConnectFailureCause failureCause) {

    /**
     * An event whose failure is classified by {@link ConnectFailureCause#of(Throwable)}.
     *
     * @param pool         the pool's name
     * @param connectionId the id the connection had (or would have had)
     * @param endpoint     the endpoint connected to
     * @param duration     how long the attempt took
     * @param failure      why it failed, or {@code null} if it succeeded
     */
    public ConnectEvent(String pool, String connectionId, Endpoint endpoint, Duration duration, Throwable failure) {
        this(pool, connectionId, endpoint, duration, failure, ConnectFailureCause.of(failure));
    }

    /** Fills in a missing cause of a failure, drops one given for a success. */
    public ConnectEvent {
        if (failure == null) {
            failureCause = null;
        } else if (failureCause == null) {
            failureCause = ConnectFailureCause.of(failure);
        }
    }

    /**
     * @return {@code true} if the connection opened
     */
    public boolean succeeded() {
        return failure == null;
    }
}

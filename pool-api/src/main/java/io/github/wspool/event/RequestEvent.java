package io.github.wspool.event;

import io.github.wspool.Endpoint;
import java.time.Duration;

/**
 * A {@link io.github.wspool.PooledConnection#request request} finished.
 *
 * @param pool         the pool's name
 * @param connectionId the connection it was sent on
 * @param endpoint     its endpoint
 * @param latency      from sending to the outcome
 * @param outcome      how it ended
 */
public record RequestEvent(String pool, String connectionId, Endpoint endpoint, Duration latency, Outcome outcome) {

    /** How a request ended. */
    public enum Outcome {
        /** Its reply arrived. */
        REPLIED("replied"),
        /** No reply within its timeout. */
        TIMED_OUT("timed-out"),
        /** Its connection closed first. */
        CONNECTION_CLOSED("connection-closed"),
        /** Its lease was released first. */
        CANCELLED("cancelled"),
        /** It could not be sent (outgoing buffer full, connection gone). */
        SEND_FAILED("send-failed");

        private final String tagValue;

        Outcome(String tagValue) {
            this.tagValue = tagValue;
        }

        /**
         * A lower-case name for metric tags and logs.
         *
         * @return e.g. {@code timed-out}
         */
        public String tagValue() {
            return tagValue;
        }
    }
}

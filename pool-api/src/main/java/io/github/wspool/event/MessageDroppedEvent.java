package io.github.wspool.event;

import io.github.wspool.Endpoint;

/**
 * An inbound message was not delivered to application code.
 *
 * @param pool         the pool's name
 * @param connectionId the connection it arrived on
 * @param endpoint     its endpoint
 * @param reason       why it was dropped
 */
public record MessageDroppedEvent(String pool, String connectionId, Endpoint endpoint, Reason reason) {

    /** Why an inbound message was dropped. */
    public enum Reason {
        /** The reply to a request that had already timed out or been cancelled. */
        LATE_REPLY("late-reply"),
        /** No lease handler, no pending request and no pool handler wanted it. */
        UNHANDLED("unhandled"),
        /** The handler threw. */
        HANDLER_FAILED("handler-failed"),
        /** The pool was closing, so the message could not be dispatched. */
        POOL_CLOSED("pool-closed"),
        /** The connection was closing while its inbound queue ({@code maxQueuedInboundBytes}) was full. */
        OVERFLOW("overflow");

        private final String tagValue;

        Reason(String tagValue) {
            this.tagValue = tagValue;
        }

        /**
         * A lower-case name for metric tags and logs.
         *
         * @return e.g. {@code late-reply}
         */
        public String tagValue() {
            return tagValue;
        }
    }
}

package io.github.wspool.core.internal.messaging;

import java.util.concurrent.atomic.LongAdder;

/**
 * One endpoint's message counters: messages and payload bytes in and out since the endpoint was added. Owned by the
 * endpoint ({@code connection.EndpointState}), reached by {@link Messaging} through {@link Channel#traffic()}, read by
 * the endpoint's snapshot (and so by {@code wspool.messages.*}, {@code wspool.bytes.*}).
 *
 * <p>The cost of counting is two {@link LongAdder} additions per message, with no allocation once a cell exists for
 * the contending threads: no event is published per message. Sends are counted under the connection's send lock,
 * once the transport took the frame; inbound messages on the transport's thread, before they are routed.
 */
public final class Traffic {

    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder messagesOut = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();

    /** Counters at zero. */
    public Traffic() {
    }

    void received(long bytes) {
        messagesIn.increment();
        bytesIn.add(bytes);
    }

    void sent(long bytes) {
        messagesOut.increment();
        bytesOut.add(bytes);
    }

    /**
     * @return messages received
     */
    public long messagesIn() {
        return messagesIn.sum();
    }

    /**
     * @return payload bytes received
     */
    public long bytesIn() {
        return bytesIn.sum();
    }

    /**
     * @return messages accepted for sending
     */
    public long messagesOut() {
        return messagesOut.sum();
    }

    /**
     * @return payload bytes accepted for sending
     */
    public long bytesOut() {
        return bytesOut.sum();
    }
}

package io.github.wspool.core.internal.messaging;

import io.github.wspool.MessageCorrelator;
import io.github.wspool.MessageHandler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * How a pool moves messages: the builder's {@code onMessage}, {@code messageExecutor}, {@code correlator},
 * {@code maxBufferedBytes}, {@code sendBlockTimeout}, {@code maxQueuedInboundBytes} and {@code completionExecutor},
 * validated there.
 *
 * @param messageHandler        the pool handler for messages no lease claims, or {@code null}
 * @param messageExecutor       where handlers run, or {@code null} for the pool's own executor
 * @param correlator            matches replies to requests
 * @param maxBufferedBytes      bound on each connection's outgoing buffer
 * @param sendBlockTimeout      how long a send waits for room; zero fails at once
 * @param maxQueuedInboundBytes bound on each connection's inbound queue
 * @param completionExecutor    where request and send futures complete, or {@code null} for the pool's own threads
 */
public record MessagingSettings(MessageHandler messageHandler, Executor messageExecutor, MessageCorrelator correlator,
                                long maxBufferedBytes, Duration sendBlockTimeout, long maxQueuedInboundBytes,
                                Executor completionExecutor) {

    /** Checks the required parts. */
    public MessagingSettings {
        Objects.requireNonNull(correlator, "correlator");
        Objects.requireNonNull(sendBlockTimeout, "sendBlockTimeout");
    }
}

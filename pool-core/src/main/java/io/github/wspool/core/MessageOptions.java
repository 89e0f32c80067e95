package io.github.wspool.core;

import io.github.wspool.MessageCorrelator;
import io.github.wspool.MessageHandler;
import io.github.wspool.core.internal.messaging.MessagingSettings;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The builder's messaging options: the pool handler, where handlers run, how replies are matched, and the bounds of
 * each connection's outgoing and inbound queues.
 *
 * <p>One group of {@link WebSocketPoolBuilder}'s options, in a file of its own. The groups are stacked
 * ({@code SessionOptions} ← {@code MessageOptions} ← {@code HealthOptions} ← {@code ConnectionOptions} ← {@code WebSocketPoolBuilder}) only so
 * that one public builder carries them all; no other class extends them.
 */
abstract class MessageOptions extends SessionOptions {

    private MessageHandler messageHandler;
    private Executor messageExecutor;
    private Executor completionExecutor;
    private MessageCorrelator correlator = Correlators.messageId();
    private long maxBufferedBytes = 4L << 20;
    private Duration sendBlockTimeout = Duration.ZERO;
    private long maxQueuedInboundBytes = 8L << 20;

    MessageOptions() {
    }

    /**
     * The pool-level message handler: it receives every inbound text and binary message that no lease claims (no
     * pending request matches it and no holder attached a handler with {@link
     * io.github.wspool.PooledConnection#onMessage}), including those that arrive while the connection is not
     * leased: server pushes, for example. Without one, such messages are dropped and reported to listeners as
     * {@code unhandled}.
     *
     * @param handler not null
     * @return this
     */
    public WebSocketPoolBuilder onMessage(MessageHandler handler) {
        this.messageHandler = Objects.requireNonNull(handler, "message handler must not be null");
        return self();
    }

    /**
     * Where message handlers run. By default the pool starts its own elastic executor (daemon threads named
     * {@code wspool-<pool>-msg-N}: as many as cores to start with, another whenever all are busy, up to 256, each
     * ended after a minute idle, all stopped on {@code close()}), so that a handler that blocks holds its own thread
     * and never the other connections' messages. Whatever the executor, one connection's messages are handled one at
     * a time and in order, and {@code request(...)} futures never complete through it (a saturated executor delays
     * no reply and no timeout). An executor given here is not shut down by the pool. {@code Runnable::run} runs handlers on the transport's I/O thread: the lowest latency, but a handler that
     * blocks then stalls reads: on the default shared-selector transport of every connection on that selector, on
     * the {@linkplain WebSocketPoolBuilder#threadPerConnectionTransport() thread-per-connection} one of its own connection only.
     *
     * @param executor not null
     * @return this
     */
    public WebSocketPoolBuilder messageExecutor(Executor executor) {
        this.messageExecutor = Objects.requireNonNull(executor, "messageExecutor must not be null");
        return self();
    }

    /**
     * Where the stages of {@code request(...)}, {@code sendAsync(...)} and {@code acquireAsync()} chains run when
     * the reply, the write or the timeout that completes the future happens on one of the pool's own threads. By
     * default the pool completes such a future on its own completion threads ({@code wspool-<pool>-reply-N},
     * elastic, started on first use): a stage that blocks then holds only its own thread, never a selector. (A
     * caller blocked in {@code join()} or {@code get()} with no stage attached is woken directly, without a hop.)
     *
     * <p>{@code Runnable::run} completes the future where the reply was read, like gRPC's
     * {@code directExecutor()}: an asynchronous chain (reply → next request → reply …) then costs no thread hop
     * and no wake-up per message, the lowest CPU and latency, <b>but every stage must be quick and must never
     * block</b>: on the default shared-selector transport a blocked stage stalls reading and writing for every
     * connection on that selector. Any other executor is used as given (and not shut down by the pool); a stage it
     * rejects runs on the completing thread.
     *
     * @param executor not null
     * @return this
     */
    public WebSocketPoolBuilder completionExecutor(Executor executor) {
        this.completionExecutor = Objects.requireNonNull(executor, "completionExecutor must not be null");
        return self();
    }

    /**
     * How {@code request(...)} matches replies to requests (default {@link Correlators#messageId()}: the top-level
     * JSON field {@code messageId}; {@link Correlators#jsonField(String)} for another field name).
     *
     * @param correlator not null
     * @return this
     */
    public WebSocketPoolBuilder correlator(MessageCorrelator correlator) {
        this.correlator = Objects.requireNonNull(correlator, "correlator must not be null");
        return self();
    }

    /**
     * Bound on each connection's outgoing buffer: the bytes of frames sent but not yet written to the socket
     * (Java-WebSocket's own queue is unbounded). A send that does not fit fails with
     * {@link io.github.wspool.SendBufferFullException}, at once or after {@link WebSocketPoolBuilder#sendBlockTimeout(Duration)}; nothing
     * of it is queued. A single message larger than this can never be sent. Default 4 MiB.
     *
     * @param bytes at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxBufferedBytes(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxBufferedBytes must be at least 1 byte, but was " + bytes);
        }
        this.maxBufferedBytes = bytes;
        return self();
    }

    /**
     * How long a send waits for room when the outgoing buffer is full, before it fails with
     * {@link io.github.wspool.SendBufferFullException}. Zero (the default) fails at once, so a send never blocks.
     *
     * @param timeout zero or positive
     * @return this
     */
    public WebSocketPoolBuilder sendBlockTimeout(Duration timeout) {
        this.sendBlockTimeout = Check.nonNegative("sendBlockTimeout", timeout);
        return self();
    }

    /**
     * Bound on the inbound messages of one connection that wait for their handler, in bytes (2 per character of
     * text). When it is reached the connection's reader waits until handlers catch up, which with the default
     * transport stops reading that socket: TCP flow control then slows the server down, and the heap does not grow
     * with a peer that sends faster than handlers consume. Default 8 MiB.
     *
     * @param bytes at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxQueuedInboundBytes(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxQueuedInboundBytes must be at least 1 byte, but was " + bytes);
        }
        this.maxQueuedInboundBytes = bytes;
        return self();
    }

    MessagingSettings messagingSettings() {
        return new MessagingSettings(messageHandler, messageExecutor, correlator, maxBufferedBytes, sendBlockTimeout,
                maxQueuedInboundBytes, completionExecutor);
    }
}

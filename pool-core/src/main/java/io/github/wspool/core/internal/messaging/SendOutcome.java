package io.github.wspool.core.internal.messaging;

import io.github.wspool.MessageNotSentException;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.spi.SendCallback;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The outcome of one {@code sendAsync}: the transport's callback for the frame, and the caller's future. Completes
 * the future where it runs none of the caller's code (no stage derived from it: the transport's thread only wakes a
 * blocked caller), else on the pool's completion threads, so that dependent stages never run on a writer's or selector's
 * thread. A frame written is one success for the connection's breaker; one not written is an undelivered message
 * (event and meter), and, when the transport lost it, one failure for the breaker.
 */
final class SendOutcome implements SendCallback {

    final ReplyFuture<Void> future = new ReplyFuture<>();
    private final Sending sending;
    private final Channel channel;
    private final AtomicBoolean reported = new AtomicBoolean();
    /** The message's payload bytes. */
    private final long bytes;
    /**
     * When the pool accepted it (ticker), or {@link PoolEvents#UNTIMED} when nobody listened then; set before the
     * transport is given the frame, so the transport's hand-off publishes it to the writer's thread.
     */
    long acceptedAt = PoolEvents.UNTIMED;

    SendOutcome(Sending sending, Channel channel, long bytes) {
        this.sending = sending;
        this.channel = channel;
        this.bytes = bytes;
    }

    @Override
    public void written() {
        if (reported.compareAndSet(false, true)) {
            sending.written(channel, bytes, acceptedAt);
            complete(null);
        }
    }

    @Override
    public void notWritten(MessageNotSentException.Reason reason, long pendingBytes, Throwable cause) {
        failed(reason, pendingBytes, cause, true);
    }

    /**
     * Fails the send.
     *
     * @param lostByTransport whether the transport had taken the frame (a failure for the breaker) or it was
     *                        refused at the call (reported there already)
     */
    void failed(MessageNotSentException.Reason reason, long pendingBytes, Throwable cause, boolean lostByTransport) {
        if (reported.compareAndSet(false, true)) {
            sending.undelivered(channel, 1, pendingBytes, reason, lostByTransport);
            complete(new MessageNotSentException(channel.id(), reason, pendingBytes, cause));
        }
    }

    private void complete(Throwable failure) {
        if (!future.completeIfNoStages(null, failure)) {
            sending.completeOffThread(() -> {
                if (failure == null) {
                    future.complete(null);
                } else {
                    future.completeExceptionally(failure);
                }
            });
        }
    }
}

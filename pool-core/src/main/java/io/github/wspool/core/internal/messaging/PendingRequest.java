package io.github.wspool.core.internal.messaging;

import io.github.wspool.core.internal.concurrent.PoolScheduler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** One request waiting for its reply on one connection: its id, its holder (lease), its future and its timeout. */
final class PendingRequest {

    final String id;
    final Holder lease;
    final long sentAt;
    /** Exactly one of the two is set, by the request's type. */
    final ReplyFuture<String> text;
    final ReplyFuture<ByteBuffer> binary;
    volatile PoolScheduler.Cancellable timeout;

    private PendingRequest(String id, Holder lease, long sentAt, ReplyFuture<String> text,
                           ReplyFuture<ByteBuffer> binary) {
        this.id = id;
        this.lease = lease;
        this.sentAt = sentAt;
        this.text = text;
        this.binary = binary;
    }

    static PendingRequest forText(String id, Holder lease, long sentAt) {
        return new PendingRequest(id, lease, sentAt, new ReplyFuture<>(), null);
    }

    static PendingRequest forBinary(String id, Holder lease, long sentAt) {
        return new PendingRequest(id, lease, sentAt, null, new ReplyFuture<>());
    }

    CompletableFuture<?> future() {
        return text != null ? text : binary;
    }

    void cancelTimeout() {
        PoolScheduler.Cancellable t = timeout;
        if (t != null) {
            t.cancel();
        }
    }

    /** The reply as this request's future takes it: the text itself, or its UTF-8 bytes for a binary request. */
    Object replyOf(String message) {
        return text != null ? message : ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
    }

    /**
     * The reply as this request's future takes it: decoded as UTF-8 for a text request, else a read-only copy (the
     * transport's buffer is not ours to keep).
     */
    Object replyOf(ByteBuffer message) {
        if (text != null) {
            return StandardCharsets.UTF_8.decode(message.duplicate()).toString();
        }
        ByteBuffer copy = ByteBuffer.allocate(message.remaining());
        copy.put(message.duplicate()).flip();
        return copy.asReadOnlyBuffer();
    }

    /**
     * Completes the future with a reply from {@link #replyOf}.
     *
     * @param reply      from {@code replyOf}
     * @param onlyWaiter complete only if that merely wakes a caller blocked in join/get (see
     *                   {@link ReplyFuture#completeIfOnlyWaiter}); otherwise leave it as it is
     * @return whether this call completed the future
     */
    boolean reply(Object reply, boolean onlyWaiter) {
        if (text != null) {
            String value = (String) reply;
            return onlyWaiter ? text.completeIfOnlyWaiter(value) : text.complete(value);
        }
        ByteBuffer value = (ByteBuffer) reply;
        return onlyWaiter ? binary.completeIfOnlyWaiter(value) : binary.complete(value);
    }

    /**
     * Fails the future here only if that merely wakes a caller blocked in join/get (see
     * {@link ReplyFuture#completeExceptionallyIfOnlyWaiter}).
     *
     * @param failure why
     * @return whether this call failed the future; if not, nothing changed
     */
    boolean failIfOnlyWaiter(Throwable failure) {
        return text != null ? text.completeExceptionallyIfOnlyWaiter(failure)
                : binary.completeExceptionallyIfOnlyWaiter(failure);
    }

    boolean fail(Throwable failure) {
        return future().completeExceptionally(failure);
    }
}

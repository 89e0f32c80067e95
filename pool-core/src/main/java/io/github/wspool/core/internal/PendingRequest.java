package io.github.wspool.core.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** One request waiting for its reply on one connection: its id, its lease, its future and its timeout. */
final class PendingRequest {

    final String id;
    final Lease lease;
    final long sentAt;
    /** Exactly one of the two is set, by the request's type. */
    final CompletableFuture<String> text;
    final CompletableFuture<ByteBuffer> binary;
    volatile PoolScheduler.Cancellable timeout;

    private PendingRequest(String id, Lease lease, long sentAt, CompletableFuture<String> text,
                           CompletableFuture<ByteBuffer> binary) {
        this.id = id;
        this.lease = lease;
        this.sentAt = sentAt;
        this.text = text;
        this.binary = binary;
    }

    static PendingRequest forText(String id, Lease lease, long sentAt) {
        return new PendingRequest(id, lease, sentAt, new ReplyFuture<>(), null);
    }

    static PendingRequest forBinary(String id, Lease lease, long sentAt) {
        return new PendingRequest(id, lease, sentAt, null, new ReplyFuture<>());
    }

    CompletableFuture<?> future() {
        return text != null ? text : binary;
    }

    /**
     * Completes with a text reply on the calling thread if that only wakes the caller blocked in join/get (see
     * {@link ReplyFuture#completeIfOnlyWaiter}); otherwise changes nothing.
     *
     * @return whether the future was completed
     */
    @SuppressWarnings("unchecked")
    boolean replyIfOnlyWaiter(String message) {
        if (text != null) {
            return ((ReplyFuture<String>) text).completeIfOnlyWaiter(message);
        }
        return ((ReplyFuture<ByteBuffer>) binary).completeIfOnlyWaiter(
                ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer());
    }

    /** The binary form of {@link #replyIfOnlyWaiter(String)}; the reply is copied (or decoded) first. */
    @SuppressWarnings("unchecked")
    boolean replyIfOnlyWaiter(ByteBuffer message) {
        if (text != null) {
            return ((ReplyFuture<String>) text).completeIfOnlyWaiter(
                    StandardCharsets.UTF_8.decode(message.duplicate()).toString());
        }
        ByteBuffer copy = ByteBuffer.allocate(message.remaining());
        copy.put(message.duplicate()).flip();
        return ((ReplyFuture<ByteBuffer>) binary).completeIfOnlyWaiter(copy.asReadOnlyBuffer());
    }

    void cancelTimeout() {
        PoolScheduler.Cancellable t = timeout;
        if (t != null) {
            t.cancel();
        }
    }

    /** Completes with a text reply (encoded as UTF-8 for a binary request). */
    void reply(String message) {
        if (text != null) {
            text.complete(message);
        } else {
            binary.complete(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer());
        }
    }

    /** Completes with a copy of a binary reply (decoded as UTF-8 for a text request). */
    void reply(ByteBuffer message) {
        if (text != null) {
            text.complete(StandardCharsets.UTF_8.decode(message.duplicate()).toString());
        } else {
            ByteBuffer copy = ByteBuffer.allocate(message.remaining());
            copy.put(message.duplicate()).flip();
            binary.complete(copy.asReadOnlyBuffer());
        }
    }

    boolean fail(Throwable failure) {
        return future().completeExceptionally(failure);
    }
}

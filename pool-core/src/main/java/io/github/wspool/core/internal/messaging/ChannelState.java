package io.github.wspool.core.internal.messaging;

import io.github.wspool.core.internal.concurrent.CopyOnWrite;
import io.github.wspool.core.internal.concurrent.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What {@link Messaging} keeps per channel: the send lock and the estimate of queued bytes it guards, the holders
 * with a message handler (copy-on-write), the requests waiting for replies and the inbound queue (the lock, the
 * requests and the queue are created on first use, so a connection never sent on carries none of them).
 */
public final class ChannelState {

    private static final VarHandle HOLDERS = VarHandles.field(MethodHandles.lookup(), ChannelState.class, "holders",
            Holder[].class);
    private static final VarHandle PENDING_REQUESTS = VarHandles.field(MethodHandles.lookup(), ChannelState.class,
            "pendingRequests", ConcurrentHashMap.class);
    private static final VarHandle MAILBOX = VarHandles.field(MethodHandles.lookup(), ChannelState.class, "mailbox",
            Mailbox.class);
    private static final VarHandle SEND_LOCK = VarHandles.field(MethodHandles.lookup(), ChannelState.class, "sendLock",
            ReentrantLock.class);
    private static final Holder[] NO_HOLDERS = new Holder[0];

    /** Serialises sends, so the outgoing-buffer check and the enqueue are one step; created by the first send. */
    private volatile ReentrantLock sendLock;
    /** Over-estimate of the bytes queued in the transport (guarded by {@link #sendLock()}). */
    long sendEstimate;
    /** Holders of the channel that attached a message handler; copy-on-write. */
    private volatile Holder[] holders = NO_HOLDERS;
    /** Requests waiting for replies, by correlation id; created on the first request. */
    private volatile ConcurrentHashMap<String, PendingRequest> pendingRequests;
    /** Inbound messages on their way to handlers; created on the first message that has a handler. */
    private volatile Mailbox mailbox;

    /** Empty state for a new channel. */
    public ChannelState() {
    }

    /** The send lock, made by the first send on the channel. */
    ReentrantLock sendLock() {
        ReentrantLock l = sendLock;
        if (l != null) {
            return l;
        }
        ReentrantLock created = new ReentrantLock();
        Object witness = SEND_LOCK.compareAndExchange(this, null, created);
        return witness == null ? created : (ReentrantLock) witness;
    }

    /** Whether a send lock was made (tests). */
    boolean hasSendLock() {
        return sendLock != null;
    }

    Holder[] holders() {
        return holders;
    }

    void addHolder(Holder h) {
        while (true) {
            Holder[] old = holders;
            if (CopyOnWrite.contains(old, h) || HOLDERS.compareAndSet(this, old, CopyOnWrite.with(old, h))) {
                return;
            }
        }
    }

    void removeHolder(Holder h) {
        while (true) {
            Holder[] old = holders;
            Holder[] next = CopyOnWrite.without(old, h, NO_HOLDERS);
            if (next == old || HOLDERS.compareAndSet(this, old, next)) {
                return;
            }
        }
    }

    @SuppressWarnings("unchecked")
    ConcurrentHashMap<String, PendingRequest> pendingRequests() {
        ConcurrentHashMap<String, PendingRequest> m = pendingRequests;
        if (m != null) {
            return m;
        }
        ConcurrentHashMap<String, PendingRequest> created = new ConcurrentHashMap<>();
        Object witness = PENDING_REQUESTS.compareAndExchange(this, null, created);
        return witness == null ? created : (ConcurrentHashMap<String, PendingRequest>) witness;
    }

    ConcurrentHashMap<String, PendingRequest> pendingRequestsIfAny() {
        return pendingRequests;
    }

    /**
     * Whether requests are waiting for replies on the channel (read without creating the table).
     *
     * @return {@code true} if any is pending
     */
    public boolean hasPendingRequests() {
        ConcurrentHashMap<String, PendingRequest> m = pendingRequests;
        return m != null && !m.isEmpty();
    }

    /**
     * Whether reading from the channel's socket is paused because its inbound queue is full (handlers are behind):
     * while it is, no reply and no pong can arrive.
     *
     * @return {@code true} while paused
     */
    public boolean readingPaused() {
        Mailbox m = mailbox;
        return m != null && m.readingPaused();
    }

    Mailbox mailbox(Channel channel, Mailbox.Sink sink, Executor executor, long maxBytes) {
        Mailbox m = mailbox;
        if (m != null) {
            return m;
        }
        Mailbox created = new Mailbox(channel, sink, executor, maxBytes);
        Object witness = MAILBOX.compareAndExchange(this, null, created);
        return witness == null ? created : (Mailbox) witness;
    }
}

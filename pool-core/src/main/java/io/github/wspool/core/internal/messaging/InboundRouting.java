package io.github.wspool.core.internal.messaging;

import io.github.wspool.InboundMessage;
import io.github.wspool.MessageHandler;
import io.github.wspool.core.internal.concurrent.Fatal;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.event.MessageDroppedEvent;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where {@link Messaging}'s inbound messages go. On the transport's I/O thread, in order: (1) a reply to a pending
 * request completes that request's future, and (2) the reply to a request that timed out or was cancelled is dropped
 * and reported ({@code late-reply}), both decided by {@link Requests#claim}; (3) any other message goes, through the
 * connection's {@link Mailbox}, to the handlers of the leases holding the connection, or (4) to the pool handler when
 * no holder has one, or (5) is reported as {@code unhandled}.
 *
 * <p>Handlers run on the message executor, one connection's messages in order ({@link Mailbox}), never on the I/O
 * thread: a handler that blocks holds up its own connection's messages and nothing else. A handler that throws is
 * counted and reported ({@code handler-failed}), and the next message is delivered all the same.
 */
final class InboundRouting implements Mailbox.Sink {

    private static final Logger log = LoggerFactory.getLogger(Messaging.class); // one log category for messaging

    private final String pool;
    private final Messaging.Host host;
    private final PoolEvents events;
    /** Takes replies (and late ones) out before routing. */
    private final Requests requests;
    private final MessageHandler poolHandler;
    private final Executor executor;
    private final long maxQueuedInboundBytes;
    private final AtomicLong handlerFailures = new AtomicLong();
    private final AtomicLong unhandled = new AtomicLong();

    /**
     * @param pool     the pool's name, for logs
     * @param settings the messaging settings (pool handler, inbound queue bound)
     * @param executor runs the handlers
     * @param host     hears when a channel's reading pauses or resumes
     * @param events   where dropped messages are reported
     * @param requests takes replies out first
     */
    InboundRouting(String pool, MessagingSettings settings, Executor executor, Messaging.Host host, PoolEvents events,
                   Requests requests) {
        this.pool = pool;
        this.host = host;
        this.events = events;
        this.requests = requests;
        this.poolHandler = settings.messageHandler();
        this.executor = executor;
        this.maxQueuedInboundBytes = settings.maxQueuedInboundBytes();
    }

    /**
     * Attaches (or, with {@code null}, detaches) a holder's message handler.
     *
     * @param lease   the holder
     * @param handler the handler, or {@code null}
     */
    void attach(Holder lease, MessageHandler handler) {
        lease.messageHandler(handler);
        ChannelState state = lease.channel().messaging();
        if (handler == null) {
            state.removeHolder(lease);
        } else {
            state.addHolder(lease);
        }
    }

    /**
     * Detaches a lease's handler on release, before the connection can reach its next holder.
     *
     * @param lease the holder being released
     */
    void detach(Holder lease) {
        if (lease.hasMessageHandler()) {
            lease.messageHandler(null);
            lease.channel().messaging().removeHolder(lease);
        }
    }

    /**
     * A text message from the transport's I/O thread (probe replies are already taken out).
     *
     * @param c    the channel it arrived on
     * @param text the message
     */
    void inbound(Channel c, String text) {
        if (requests.claim(c, text, null)) {
            return; // a reply, or a late one
        }
        if (wanted(c)) {
            dispatch(c, InboundMessage.text(c.id(), c.endpoint(), text));
        }
    }

    /**
     * A binary message from the transport's I/O thread.
     *
     * @param c    the channel it arrived on
     * @param data the message, only valid during the call
     */
    void inbound(Channel c, ByteBuffer data) {
        if (requests.claim(c, null, data)) {
            return;
        }
        if (wanted(c)) {
            dispatch(c, InboundMessage.binary(c.id(), c.endpoint(), data));
        }
    }

    /** Whether anyone would receive a message; if not, it is reported as unhandled without being copied. */
    private boolean wanted(Channel c) {
        if (c.messaging().holders().length > 0 || poolHandler != null) {
            return true;
        }
        long n = unhandled.incrementAndGet();
        if (n == 1) {
            log.info("[{}] an inbound message on {} was dropped: no lease handler and no pool handler (set"
                    + " onMessage(...) on the builder or the lease); further ones are logged at DEBUG", pool, c.id());
        } else {
            log.debug("[{}] unhandled inbound message on {} dropped ({} so far)", pool, c.id(), n);
        }
        dropped(c, MessageDroppedEvent.Reason.UNHANDLED);
        return false;
    }

    private void dispatch(Channel c, InboundMessage message) {
        ChannelState state = c.messaging();
        Holder[] holders = state.holders();
        Mailbox.Delivery d = new Mailbox.Delivery(message, holders.length == 0 ? null : holders);
        if (!state.mailbox(c, this, executor, maxQueuedInboundBytes).post(d)) {
            dropped(c, MessageDroppedEvent.Reason.OVERFLOW);
        }
    }

    @Override
    public void deliver(Channel c, Mailbox.Delivery d) {
        boolean delivered = false;
        if (d.targets() != null) {
            for (Holder lease : d.targets()) {
                MessageHandler h = lease.messageHandler();
                if (h != null && !lease.isReleased()) {
                    delivered = true;
                    invoke(c, h, d.message());
                }
            }
        }
        if (delivered) {
            return;
        }
        if (poolHandler != null) {
            invoke(c, poolHandler, d.message()); // no holder listens (any more): the pool handler's
        } else {
            dropped(c, MessageDroppedEvent.Reason.UNHANDLED);
        }
    }

    @Override
    public void rejected(Channel c, Mailbox.Delivery d) {
        dropped(c, MessageDroppedEvent.Reason.POOL_CLOSED);
    }

    @Override
    public void readingPaused(Channel c, boolean paused) {
        host.readingPaused(c, paused);
    }

    private void invoke(Channel c, MessageHandler handler, InboundMessage message) {
        try {
            handler.onMessage(message);
        } catch (Throwable e) { // an Error from user code too (StackOverflowError, AssertionError, ...)
            long n = handlerFailures.incrementAndGet();
            if (Long.bitCount(n) == 1) { // 1st, 2nd, 4th, ... failure: visible without flooding the log
                log.warn("[{}] message handler failed on {} ({} failure(s) so far); the next message is delivered"
                        + " all the same", pool, c.id(), n, e);
            } else {
                log.debug("[{}] message handler failed on {}", pool, c.id(), e);
            }
            dropped(c, MessageDroppedEvent.Reason.HANDLER_FAILED);
            Fatal.rethrowIfFatal(e); // counted and reported; the mailbox stays consistent (Mailbox.run)
        }
    }

    private void dropped(Channel c, MessageDroppedEvent.Reason reason) {
        events.messageDropped(c.id(), c.endpoint(), reason);
    }
}

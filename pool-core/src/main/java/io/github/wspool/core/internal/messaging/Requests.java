package io.github.wspool.core.internal.messaging;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.wspool.ConnectionClosedException;
import io.github.wspool.MessageCorrelator;
import io.github.wspool.RequestCancelledException;
import io.github.wspool.RequestTimeoutException;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.Fatal;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.event.MessageDroppedEvent;
import io.github.wspool.event.RequestEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request/reply correlation for {@link Messaging}: a request is registered under its correlation id (the
 * {@link MessageCorrelator}'s) before it is sent, and ends exactly once, by its reply, its timeout, its lease's
 * release or its connection's close, whichever comes first. Its own class because its state (the channel's pending
 * requests and the ids recently given up) is touched from both directions: the sending caller registers, the
 * inbound side {@linkplain #claim claims} replies, the scheduler times out.
 *
 * <p>A request given up (timed out, cancelled) leaves its id behind for {@link #LATE_REPLY_MEMORY}, so that a reply
 * arriving after all is dropped and reported ({@code late-reply}) instead of reaching a handler as an ordinary
 * message. Inbound messages are parsed for an id only while the connection has requests pending or some were given
 * up recently.
 *
 * <p>Futures whose completion may run the caller's stages are completed off the transport's shared threads and the
 * scheduler, on the pool's completion threads, unless completing them only wakes a caller blocked in join/get.
 */
final class Requests {

    private static final Logger log = LoggerFactory.getLogger(Messaging.class); // one log category for messaging
    /** How long the id of a timed-out or cancelled request is remembered, so that its late reply is recognised. */
    private static final Duration LATE_REPLY_MEMORY = Duration.ofMinutes(2);
    private static final int LATE_REPLY_MAX_IDS = 10_000;

    private final String pool;
    private final Messaging.Host host;
    private final PoolScheduler scheduler;
    private final PoolEvents events;
    private final Ticker ticker;
    private final MessageCorrelator correlator;
    /** Sends the requests, within the outgoing-buffer bound. */
    private final Sending sending;
    /** Completes futures whose stages may run the caller's code, off the thread at hand. */
    private final Executor offThread;
    private final boolean chosenExecutor;
    /** Ids (connection id + request id) of requests abandoned recently, whose replies are dropped if they come. */
    private final Cache<String, Boolean> abandoned;

    /**
     * @param pool       the pool's name, for logs and messages
     * @param correlator finds a message's correlation id
     * @param ticker     the pool's time source
     * @param scheduler  runs request timeouts
     * @param host       hears of outcomes that count for a connection's health
     * @param events     where request outcomes and late replies are reported
     * @param sending    sends the requests
     * @param offThread  the pool's completion threads ({@link Messaging#completeOffThread})
     * @param chosen     whether the application chose where futures complete ({@code completionExecutor}): then a
     *                   reply read on a connection's own thread is completed there too, not on that thread
     */
    Requests(String pool, MessageCorrelator correlator, Ticker ticker, PoolScheduler scheduler, Messaging.Host host,
             PoolEvents events, Sending sending, Executor offThread, boolean chosen) {
        this.chosenExecutor = chosen;
        this.pool = pool;
        this.correlator = correlator;
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.host = host;
        this.events = events;
        this.sending = sending;
        this.offThread = offThread;
        this.abandoned = Caffeine.newBuilder()
                .maximumSize(LATE_REPLY_MAX_IDS)
                .expireAfterWrite(LATE_REPLY_MEMORY)
                .ticker(ticker::read)
                .executor(Runnable::run)
                .build();
    }

    /**
     * Sends a request and returns its reply's future (see {@code PooledConnection.request}).
     *
     * @param lease   the holder sending it; releasing it cancels the request
     * @param message the request, carrying a correlation id
     * @param timeout positive
     * @return the reply
     */
    CompletableFuture<String> request(Holder lease, String message, Duration timeout) {
        Objects.requireNonNull(message, "message");
        long timeoutNanos = requestTimeout(timeout);
        String id = correlationId(message, null);
        PendingRequest p = register(lease, id, PendingRequest.forText(id, lease, ticker.read()), timeout, timeoutNanos);
        try {
            sending.enqueue(lease.channel(), message, null);
        } catch (RuntimeException e) {
            sendFailed(lease.channel(), p, e);
        }
        return p.text;
    }

    /**
     * The binary form of {@link #request(Holder, String, Duration)}.
     *
     * @param lease   the holder sending it
     * @param message the request, carrying a correlation id
     * @param timeout positive
     * @return the reply, read-only
     */
    CompletableFuture<ByteBuffer> request(Holder lease, ByteBuffer message, Duration timeout) {
        Objects.requireNonNull(message, "message");
        long timeoutNanos = requestTimeout(timeout);
        String id = correlationId(null, message);
        PendingRequest p = register(lease, id, PendingRequest.forBinary(id, lease, ticker.read()), timeout,
                timeoutNanos);
        try {
            sending.enqueue(lease.channel(), null, message);
        } catch (RuntimeException e) {
            sendFailed(lease.channel(), p, e);
        }
        return p.binary;
    }

    private static long requestTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be positive, but was " + timeout);
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private String correlationId(String text, ByteBuffer data) {
        String id;
        try {
            id = text != null ? correlator.correlationId(text) : correlator.correlationId(data);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the message correlator " + correlator + " failed on the request: " + e,
                    e);
        }
        if (id == null) {
            throw new IllegalArgumentException("the request carries no correlation id: correlator " + correlator
                    + " found none (the default reads a top-level JSON string field \"messageId\"). Put a unique id"
                    + " in the message, or configure correlator(...) on the builder");
        }
        return id;
    }

    private PendingRequest register(Holder lease, String id, PendingRequest p, Duration timeout, long timeoutNanos) {
        Channel c = lease.channel();
        ConcurrentHashMap<String, PendingRequest> pending = c.messaging().pendingRequests();
        PendingRequest existing = pending.putIfAbsent(id, p);
        if (existing != null) {
            throw new IllegalStateException("a request with correlation id '" + id + "' is already pending on"
                    + " connection " + c.id() + ": ids must be unique among a connection's pending requests");
        }
        if (abandoned.estimatedSize() > 0) {
            abandoned.invalidate(abandonedKey(c, id)); // a reused id: its new reply is not a late one
        }
        p.timeout = scheduler.schedule(() -> timedOut(c, p, timeout), timeoutNanos);
        return p;
    }

    private void sendFailed(Channel c, PendingRequest p, RuntimeException e) {
        if (c.messaging().pendingRequests().remove(p.id, p)) {
            p.cancelTimeout();
            p.fail(e);
            requestEvent(c, p, RequestEvent.Outcome.SEND_FAILED);
        }
    }

    /**
     * On the scheduler's thread, never behind the handlers: the request is given up at its deadline whatever the
     * message executor is doing. Its future fails right here when that only wakes a caller blocked in join/get, else
     * on the pool's completion threads ({@link Messaging#completeOffThread}), so that no caller's stage runs on the
     * scheduler.
     */
    private void timedOut(Channel c, PendingRequest p, Duration timeout) {
        if (!c.messaging().pendingRequests().remove(p.id, p)) {
            return; // replied or cancelled meanwhile
        }
        abandoned.put(abandonedKey(c, p.id), Boolean.TRUE);
        RequestTimeoutException failure = new RequestTimeoutException(c.id(), p.id, timeout);
        if (c.messaging().readingPaused()) {
            // the handlers are behind and the reply cannot be read: this client's slowness, not the connection's
            log.debug("[{}] request '{}' on {} timed out while reading was paused for slow handlers; not counted"
                    + " against the connection", pool, p.id, c.id());
        } else {
            host.requestTimedOut(c, failure);
        }
        requestEvent(c, p, RequestEvent.Outcome.TIMED_OUT);
        if (!p.failIfOnlyWaiter(failure)) {
            offThread.execute(() -> p.fail(failure));
        }
    }

    private static String abandonedKey(Channel c, String id) {
        return c.id() + '\n' + id;
    }

    private void requestEvent(Channel c, PendingRequest p, RequestEvent.Outcome outcome) {
        events.requestFinished(c.id(), c.endpoint(), p.sentAt, outcome);
    }

    /**
     * Cancels the requests a lease being released still waits for (their ids are remembered, so late replies are
     * dropped, not passed on).
     *
     * @param lease the holder being released
     */
    void cancel(Holder lease) {
        Channel c = lease.channel();
        var pending = c.messaging().pendingRequestsIfAny();
        if (pending != null && !pending.isEmpty()) { // (none once every request got its reply)
            for (PendingRequest p : pending.values()) {
                if (p.lease == lease && pending.remove(p.id, p)) {
                    p.cancelTimeout();
                    abandoned.put(abandonedKey(c, p.id), Boolean.TRUE);
                    requestEvent(c, p, RequestEvent.Outcome.CANCELLED);
                    p.fail(new RequestCancelledException("Request '" + p.id + "' on connection " + c.id() + " of pool '"
                            + pool + "' was cancelled: its lease was released before the reply arrived"));
                }
            }
        }
    }

    /**
     * The connection is gone: its pending requests fail now rather than at their timeouts.
     *
     * @param c    the channel
     * @param code its close code
     */
    void connectionClosed(Channel c, int code) {
        var pending = c.messaging().pendingRequestsIfAny();
        if (pending == null || pending.isEmpty()) {
            return;
        }
        for (PendingRequest p : pending.values()) {
            if (pending.remove(p.id, p)) {
                p.cancelTimeout();
                requestEvent(c, p, RequestEvent.Outcome.CONNECTION_CLOSED);
                p.fail(new ConnectionClosedException("Connection " + c.id() + " to " + c.endpoint() + " of pool '" + pool
                        + "' closed (code " + code + ") before the reply to request '" + p.id + "' arrived", null));
            }
        }
    }

    /**
     * Takes an inbound message that answers a request, on the transport's I/O thread: a reply completes its request,
     * a late one is dropped and reported. Exactly one of {@code text} and {@code data} is set.
     *
     * @param c    the channel it arrived on
     * @param text a text message, or {@code null}
     * @param data a binary message, only valid during the call, or {@code null}
     * @return whether the message was a reply or a late one (routing ends here), else it is an ordinary message
     */
    boolean claim(Channel c, String text, ByteBuffer data) {
        if (!correlating(c)) {
            return false;
        }
        String id = inboundId(c, text, data);
        return id != null && claimed(c, id, text, data);
    }

    private boolean correlating(Channel c) {
        return c.messaging().hasPendingRequests() || abandoned.estimatedSize() > 0;
    }

    private String inboundId(Channel c, String text, ByteBuffer data) {
        try {
            return text != null ? correlator.correlationId(text) : correlator.correlationId(data);
        } catch (Throwable e) {
            Fatal.rethrowIfFatal(e);
            log.debug("[{}] correlator {} failed on a message from {}; treating it as uncorrelated", pool, correlator,
                    c.id(), e);
            return null;
        }
    }

    /** Whether the message was a reply (delivered to its request) or a late one (dropped). */
    private boolean claimed(Channel c, String id, String text, ByteBuffer data) {
        var pending = c.messaging().pendingRequestsIfAny();
        PendingRequest p = pending != null ? pending.remove(id) : null;
        if (p != null) {
            p.cancelTimeout();
            requestEvent(c, p, RequestEvent.Outcome.REPLIED);
            host.sendSucceeded(c);
            Object reply = text != null ? p.replyOf(text) : p.replyOf(data); // decoded or copied once, here
            TransportConnection t = c.transport();
            // Not on a shared selector thread: the caller's dependent stages run where the future completes, and one
            // that blocks (or sends and waits for buffer room that only this thread can make) stalls every
            // connection of that selector. Unless completing it only wakes a caller blocked in join/get: that is
            // done here, without the hop. Else on the completion threads, not behind the handlers.
            if ((t != null && t.sharesIoThread()) || chosenExecutor) {
                if (!p.reply(reply, true)) {
                    offThread.execute(() -> p.reply(reply, false));
                }
            } else {
                p.reply(reply, false);
            }
            return true;
        }
        if (abandoned.asMap().remove(abandonedKey(c, id)) != null) {
            log.debug("[{}] late reply to request '{}' on {} dropped", pool, id, c.id());
            events.messageDropped(c.id(), c.endpoint(), MessageDroppedEvent.Reason.LATE_REPLY);
            return true;
        }
        return false;
    }

}

package io.github.wspool.core.internal.messaging;

import io.github.wspool.MessageNotSentException;
import io.github.wspool.SendBufferFullException;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.spi.TransportConnection;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way out of {@link Messaging}: every message a lease sends, a request's included, is admitted here within its
 * connection's outgoing-buffer bound, and what became of it is reported. Kept apart from the inbound side because it
 * runs on the callers' threads and shares nothing with it but the channel.
 *
 * <h2>The bound</h2>
 * Each connection's outgoing buffer is bounded ({@code maxBufferedBytes}). A send takes the connection's send lock,
 * checks a running over-estimate of the queued bytes (the sizes of the frames sent since the last exact count), and
 * only when that estimate says "full" asks the transport for the exact figure. So the common case is one uncontended
 * lock and an addition, and the exact count (a walk of the transport's queue) happens once per buffer's worth of
 * bytes sent, or on every send while the buffer really is full.
 *
 * <h2>Outcomes</h2>
 * A plain send is one success for the connection's breaker once queued; a tracked one ({@code sendAsync}) once its
 * frame is written ({@link SendOutcome}). Messages not written are undelivered: an event and a meter always, and,
 * when the transport had taken them, failures for the breaker and a rate-limited WARN.
 *
 * <h2>Counting</h2>
 * Every message the transport takes is counted on its endpoint's {@link Traffic} (payload bytes, under the send
 * lock: two adder additions, no allocation). A tracked send is also timed, from acceptance to written, when someone
 * listens ({@code onSend}); a plain send is never timed.
 */
final class Sending {

    private static final Logger log = LoggerFactory.getLogger(Messaging.class); // one log category for messaging
    private static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final String pool;
    private final Messaging.Host host;
    private final PoolEvents events;
    private final Ticker ticker;
    /** Completes futures whose stages may run the caller's code, off the writer's thread. */
    private final Executor offThread;
    private final long maxBufferedBytes;
    private final long sendBlockNanos;
    private final AtomicLong undeliveredReports = new AtomicLong();

    /**
     * @param pool      the pool's name, for logs
     * @param settings  the messaging settings (buffer bound, how long a send may wait for room)
     * @param ticker    the pool's time source
     * @param host      hears of outcomes that count for a connection's health
     * @param events    where rejections and undelivered messages are reported
     * @param offThread the pool's completion threads ({@link Messaging#completeOffThread})
     */
    Sending(String pool, MessagingSettings settings, Ticker ticker, Messaging.Host host, PoolEvents events,
            Executor offThread) {
        this.pool = pool;
        this.host = host;
        this.events = events;
        this.ticker = ticker;
        this.offThread = offThread;
        this.maxBufferedBytes = settings.maxBufferedBytes();
        this.sendBlockNanos = settings.sendBlockTimeout().toNanos();
    }

    /**
     * Queues a text message within the outgoing-buffer bound; one success for the connection's breaker.
     *
     * @param c    the channel
     * @param text the message
     */
    void send(Channel c, String text) {
        enqueue(c, text, null);
        host.sendSucceeded(c);
    }

    /**
     * Queues a binary message within the outgoing-buffer bound; one success for the connection's breaker.
     *
     * @param c    the channel
     * @param data the message (its position is not changed)
     */
    void send(Channel c, ByteBuffer data) {
        enqueue(c, null, data);
        host.sendSucceeded(c);
    }

    /**
     * Sends a text message and returns its outcome (see {@code PooledConnection.sendAsync}): failures known at the
     * call (not open, buffer full) fail the future rather than throw.
     *
     * @param c    the channel
     * @param text the message
     * @return completes once the frame is written
     */
    CompletableFuture<Void> sendAsync(Channel c, String text) {
        return sendTracked(c, text, null);
    }

    /**
     * The binary form of {@link #sendAsync(Channel, String)}.
     *
     * @param c    the channel
     * @param data the message (its position is not changed)
     * @return completes once the frame is written
     */
    CompletableFuture<Void> sendAsync(Channel c, ByteBuffer data) {
        return sendTracked(c, null, data);
    }

    private CompletableFuture<Void> sendTracked(Channel c, String text, ByteBuffer data) {
        long payload = text != null ? WireSize.utf8Length(text) : data.remaining();
        long wire = WireSize.clientFrame(payload);
        SendOutcome outcome = new SendOutcome(this, c, payload);
        TransportConnection t = c.transport();
        if (t == null || c.finished()) {
            RuntimeException e = host.sendFailed(c, new IllegalStateException("transport closed"));
            outcome.failed(MessageNotSentException.Reason.NOT_OPEN, wire, e, false);
            return outcome.future;
        }
        ChannelState state = c.messaging();
        ReentrantLock lock;
        try {
            lock = admit(c, state, t, wire);
        } catch (SendBufferFullException e) {
            outcome.failed(MessageNotSentException.Reason.BUFFER_FULL, wire, e, false);
            return outcome.future;
        }
        try {
            if (events.listening()) {
                outcome.acceptedAt = ticker.read(); // before the transport has it: it may be written at once
            }
            if (text != null) {
                t.sendText(text, outcome);
            } else {
                t.sendBinary(data, outcome);
            }
            state.sendEstimate += wire;
            c.traffic().sent(payload);
        } catch (RuntimeException e) {
            RuntimeException failure = host.sendFailed(c, e);
            outcome.failed(MessageNotSentException.Reason.NOT_OPEN, wire, failure, false);
        } finally {
            lock.unlock();
        }
        return outcome.future;
    }

    /**
     * A tracked frame was written: one success for the connection's breaker, and its send latency reported when it
     * was timed (someone listened when it was accepted).
     *
     * @param c          the channel
     * @param bytes      the message's payload bytes
     * @param acceptedAt the ticker's time it was accepted, or {@link PoolEvents#UNTIMED}
     */
    void written(Channel c, long bytes, long acceptedAt) {
        host.sendSucceeded(c);
        if (acceptedAt != PoolEvents.UNTIMED) {
            events.sendWritten(c.id(), c.endpoint(), bytes, acceptedAt);
        }
    }

    /**
     * Messages were not written: reported (event, meter, a rate-limited WARN), and, if the transport had taken them,
     * failures for the connection's breaker.
     *
     * @param c               the channel
     * @param messages        how many
     * @param bytes           their bytes not written
     * @param reason          why
     * @param lostByTransport whether the transport had taken them (else they were refused at the call)
     */
    void undelivered(Channel c, int messages, long bytes, MessageNotSentException.Reason reason,
                            boolean lostByTransport) {
        events.messageUndelivered(c.id(), c.endpoint(), reason, messages, bytes);
        if (!lostByTransport) {
            return;
        }
        host.sendsLost(c, messages, new MessageNotSentException(c.id(), reason, bytes, null));
        long n = undeliveredReports.incrementAndGet();
        if (Long.bitCount(n) == 1) { // 1st, 2nd, 4th, ...: visible without flooding the log
            log.warn("[{}] {} message(s) ({} bytes) queued on {} to {} were not written: {} ({} such report(s) so far;"
                    + " see wspool.messages.undelivered)", pool, messages, bytes, c.id(), c.endpoint(),
                    reason.description(), n);
        } else {
            log.debug("[{}] {} message(s) ({} bytes) queued on {} were not written: {}", pool, messages, bytes,
                    c.id(), reason.tagValue());
        }
    }

    /**
     * Queues one message (exactly one of {@code text} and {@code data} is set) within the outgoing-buffer bound. Its
     * success is recorded by the caller: a plain send once queued, a request once its outcome is known.
     */
    void enqueue(Channel c, String text, ByteBuffer data) {
        TransportConnection t = openTransport(c);
        long payload = text != null ? WireSize.utf8Length(text) : data.remaining();
        long wire = WireSize.clientFrame(payload);
        ChannelState state = c.messaging();
        ReentrantLock lock = admit(c, state, t, wire);
        try {
            if (text != null) {
                t.sendText(text);
            } else {
                t.sendBinary(data);
            }
            state.sendEstimate += wire;
            c.traffic().sent(payload);
        } catch (RuntimeException e) {
            throw host.sendFailed(c, e);
        } finally {
            lock.unlock();
        }
    }

    private TransportConnection openTransport(Channel c) {
        TransportConnection t = c.transport();
        if (t == null || c.finished()) {
            throw host.sendFailed(c, new IllegalStateException("transport closed"));
        }
        return t;
    }

    /**
     * Takes the connection's send lock once the message fits in its outgoing buffer; returns the held lock.
     *
     * @throws SendBufferFullException if it does not fit (at once, or within {@code sendBlockTimeout})
     */
    private ReentrantLock admit(Channel c, ChannelState state, TransportConnection t, long wire) {
        ReentrantLock lock = state.sendLock();
        long start = sendBlockNanos > 0 ? ticker.read() : 0;
        if (sendBlockNanos == 0) {
            lock.lock();
        } else {
            try {
                if (!lock.tryLock(sendBlockNanos, TimeUnit.NANOSECONDS)) {
                    throw rejected(c, wire, t.bufferedBytes(), ticker.read() - start);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw rejected(c, wire, t.bufferedBytes(), ticker.read() - start);
            }
        }
        if (state.sendEstimate + wire <= maxBufferedBytes) {
            return lock; // the over-estimate fits: so does the exact figure
        }
        long queued = t.bufferedBytes();
        state.sendEstimate = queued;
        if (queued + wire <= maxBufferedBytes) {
            return lock;
        }
        if (sendBlockNanos == 0 || wire > maxBufferedBytes) {
            lock.unlock();
            throw rejected(c, wire, queued, 0);
        }
        long park = MIN_PARK_NANOS;
        while (true) {
            long left = sendBlockNanos - (ticker.read() - start);
            if (left <= 0 || !t.isOpen()) {
                break; // a closed connection: the send itself reports it
            }
            LockSupport.parkNanos(Math.min(park, left));
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                break;
            }
            park = Math.min(park * 2, MAX_PARK_NANOS);
            queued = t.bufferedBytes();
            state.sendEstimate = queued;
            if (queued + wire <= maxBufferedBytes) {
                return lock;
            }
        }
        if (!t.isOpen()) {
            return lock;
        }
        lock.unlock();
        throw rejected(c, wire, queued, ticker.read() - start);
    }

    private SendBufferFullException rejected(Channel c, long wire, long queued, long waitedNanos) {
        events.sendRejected(c.id(), c.endpoint(), wire, queued, maxBufferedBytes);
        return new SendBufferFullException(c.id(), queued, maxBufferedBytes, wire,
                TimeUnit.NANOSECONDS.toMillis(waitedNanos));
    }

    /**
     * Bytes queued on the channel and not yet written.
     *
     * @param c the channel
     * @return the bytes, 0 when closed
     */
    long bufferedBytes(Channel c) {
        TransportConnection t = c.transport();
        return t == null || c.finished() ? 0 : t.bufferedBytes();
    }

    /**
     * Completes a tracked send's future on the pool's completion threads (see {@link Messaging#completeOffThread}).
     *
     * @param completion completes the future
     */
    void completeOffThread(Runnable completion) {
        offThread.execute(completion);
    }
}

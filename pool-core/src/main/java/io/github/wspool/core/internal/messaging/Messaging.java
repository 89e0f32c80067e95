package io.github.wspool.core.internal.messaging;

import io.github.wspool.core.internal.concurrent.Fatal;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.wspool.ConnectionClosedException;
import io.github.wspool.InboundMessage;
import io.github.wspool.MessageCorrelator;
import io.github.wspool.MessageHandler;
import io.github.wspool.MessageNotSentException;
import io.github.wspool.RequestCancelledException;
import io.github.wspool.RequestTimeoutException;
import io.github.wspool.SendBufferFullException;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.DaemonThreads;
import io.github.wspool.core.internal.concurrent.ElasticExecutor;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a pool does with message content: bounded sends, request/response correlation and inbound routing.
 *
 * <h2>Sending</h2>
 * Each connection's outgoing buffer is bounded ({@code maxBufferedBytes}). A send takes the connection's send lock,
 * checks a running over-estimate of the queued bytes (the sizes of the frames sent since the last exact count), and
 * only when that estimate says "full" asks the transport for the exact figure. So the common case is one uncontended
 * lock and an addition, and the exact count (a walk of the transport's queue) happens once per buffer's worth of
 * bytes sent, or on every send while the buffer really is full.
 *
 * <h2>Inbound routing</h2>
 * On the transport's I/O thread, in order: (1) a reply to a pending request completes that request's future, right
 * there (on the pool's completion threads instead when that I/O thread is shared by many connections, unless that
 * only wakes a caller blocked in join/get); (2) the reply to a request that timed out or was cancelled is dropped
 * and reported ({@code late-reply});
 * (3) any other message goes, through the connection's {@link Mailbox}, to the handlers of the leases holding the
 * connection, or (4) to the pool handler when no holder has one, or (5) is reported as {@code unhandled}. Messages
 * are only correlated (parsed) while the connection has requests pending or recently abandoned.
 *
 * <h2>Threads</h2>
 * Handlers run on the message executor: the user's, or the pool's own {@link ElasticExecutor} ({@code
 * wspool-<pool>-msg-N}), which starts another thread whenever all of its threads are busy, so that handlers blocked
 * on some connections never hold up the others' messages. Replies and timeouts never wait for handlers: a request's
 * timeout fires on the scheduler, and a future whose completion may run the caller's stages is completed on the
 * pool's completion threads ({@code wspool-<pool>-reply-N}, elastic too), never on the message executor, a selector
 * thread or the scheduler.
 */
public final class Messaging implements Mailbox.Sink {

    private static final Logger log = LoggerFactory.getLogger(Messaging.class);
    private static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How long the id of a timed-out or cancelled request is remembered, so that its late reply is recognised. */
    private static final Duration LATE_REPLY_MEMORY = Duration.ofMinutes(2);
    private static final int LATE_REPLY_MAX_IDS = 10_000;
    /** How long the pool's own handler and completion threads live without work. */
    private static final long IDLE_SECONDS = 60;

    /** What the messaging layer reports to the pool: the outcomes that count for a connection's health. */
    public interface Host {
        /**
         * A send was queued, or a request got its reply: one success for the connection's circuit breaker.
         *
         * @param c the channel
         */
        void sendSucceeded(Channel c);

        /**
         * The transport refused a send because the connection is gone.
         *
         * @param c       the channel
         * @param failure what the transport threw
         * @return the exception for the caller
         */
        RuntimeException sendFailed(Channel c, RuntimeException failure);

        /**
         * A request timed out: counted against the connection's circuit breaker.
         *
         * @param c       the channel
         * @param failure the timeout
         */
        void requestTimedOut(Channel c, RequestTimeoutException failure);

        /**
         * Messages the transport had taken were not written (the connection ended first): failures for the
         * connection's circuit breaker.
         *
         * @param c        the channel
         * @param messages how many
         * @param failure  what to record
         */
        default void sendsLost(Channel c, int messages, MessageNotSentException failure) {
        }

        /**
         * The channel's inbound queue is full and reading from its socket stopped ({@code paused}), or reading went
         * on again: while paused nothing, a pong included, can arrive, so nothing is judged missing. Called on the
         * thread that paused or resumed reading (a transport's or a handler's), in the order decided.
         *
         * @param c      the channel
         * @param paused whether reading is paused from now on
         */
        default void readingPaused(Channel c, boolean paused) {
        }
    }

    private final String pool;
    private final Host host;
    private final PoolScheduler scheduler;
    private final PoolEvents events;
    private final Ticker ticker;
    private final MessageCorrelator correlator;
    private final MessageHandler poolHandler;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    /** Completes request futures whose stages may run user code, off every thread that must not wait for them. */
    private final ExecutorService completions;
    private final long maxBufferedBytes;
    private final long sendBlockNanos;
    private final long maxQueuedInboundBytes;
    /** Ids (connection id + request id) of requests abandoned recently, whose replies are dropped if they come. */
    private final Cache<String, Boolean> abandoned;
    private final AtomicLong handlerFailures = new AtomicLong();
    /** Threads of the pool's own executor, joined on close so that none outlives the pool. */
    private final java.util.Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicLong unhandled = new AtomicLong();
    private final AtomicLong undeliveredReports = new AtomicLong();

    /**
     * @param pool     the pool's name, for logs and thread names
     * @param settings the messaging settings
     * @param ticker    the pool's time source
     * @param scheduler runs request timeouts
     * @param host      hears of outcomes that count for a connection's health
     * @param events    where drops, rejections and request outcomes are reported
     */
    public Messaging(String pool, MessagingSettings settings, Ticker ticker, PoolScheduler scheduler, Host host,
                     PoolEvents events) {
        this.pool = pool;
        this.host = host;
        this.scheduler = scheduler;
        this.events = events;
        this.ticker = ticker;
        this.correlator = settings.correlator();
        this.poolHandler = settings.messageHandler();
        this.maxBufferedBytes = settings.maxBufferedBytes();
        this.sendBlockNanos = settings.sendBlockTimeout().toNanos();
        this.maxQueuedInboundBytes = settings.maxQueuedInboundBytes();
        if (settings.messageExecutor() != null) {
            this.executor = settings.messageExecutor();
            this.ownedExecutor = null;
        } else {
            this.ownedExecutor = defaultExecutor(pool, threads);
            this.executor = ownedExecutor;
        }
        this.completions = ElasticExecutor.create(1, ElasticExecutor.DEFAULT_MAX_THREADS, IDLE_SECONDS,
                "wspool-" + pool + "-reply-", threads);
        this.abandoned = Caffeine.newBuilder()
                .maximumSize(LATE_REPLY_MAX_IDS)
                .expireAfterWrite(LATE_REPLY_MEMORY)
                .ticker(ticker::read)
                .executor(Runnable::run)
                .build();
    }

    /**
     * The pool's own handler threads: an {@link ElasticExecutor} of daemon threads, as many as cores for a start and
     * more whenever every one is busy (a blocked handler holds its thread, never the others' messages), up to
     * {@link ElasticExecutor#DEFAULT_MAX_THREADS}; each ended after a minute idle; shut down with the pool.
     */
    private static ExecutorService defaultExecutor(String pool, java.util.Set<Thread> threads) {
        int core = Math.max(1, Runtime.getRuntime().availableProcessors());
        return ElasticExecutor.create(core, ElasticExecutor.DEFAULT_MAX_THREADS, IDLE_SECONDS,
                "wspool-" + pool + "-msg-", threads);
    }

    // ------------------------------------------------------------------------------------------------ sending

    /**
     * Queues a text message within the outgoing-buffer bound; one success for the connection's breaker.
     *
     * @param c    the channel
     * @param text the message
     */
    public void send(Channel c, String text) {
        enqueue(c, text, null);
        host.sendSucceeded(c);
    }

    /**
     * Queues a binary message within the outgoing-buffer bound; one success for the connection's breaker.
     *
     * @param c    the channel
     * @param data the message (its position is not changed)
     */
    public void send(Channel c, ByteBuffer data) {
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
    public CompletableFuture<Void> sendAsync(Channel c, String text) {
        return sendTracked(c, text, null);
    }

    /**
     * The binary form of {@link #sendAsync(Channel, String)}.
     *
     * @param c    the channel
     * @param data the message (its position is not changed)
     * @return completes once the frame is written
     */
    public CompletableFuture<Void> sendAsync(Channel c, ByteBuffer data) {
        return sendTracked(c, null, data);
    }

    private CompletableFuture<Void> sendTracked(Channel c, String text, ByteBuffer data) {
        long wire = WireSize.clientFrame(text != null ? WireSize.utf8Length(text) : data.remaining());
        SendOutcome outcome = new SendOutcome(this, c);
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
            if (text != null) {
                t.sendText(text, outcome);
            } else {
                t.sendBinary(data, outcome);
            }
            state.sendEstimate += wire;
        } catch (RuntimeException e) {
            RuntimeException failure = host.sendFailed(c, e);
            outcome.failed(MessageNotSentException.Reason.NOT_OPEN, wire, failure, false);
        } finally {
            lock.unlock();
        }
        return outcome.future;
    }

    /** A tracked frame was written: one success for the connection's breaker. */
    void written(Channel c) {
        host.sendSucceeded(c);
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
    public void undelivered(Channel c, int messages, long bytes, MessageNotSentException.Reason reason,
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
    private void enqueue(Channel c, String text, ByteBuffer data) {
        TransportConnection t = openTransport(c);
        long wire = WireSize.clientFrame(text != null ? WireSize.utf8Length(text) : data.remaining());
        ChannelState state = c.messaging();
        ReentrantLock lock = admit(c, state, t, wire);
        try {
            if (text != null) {
                t.sendText(text);
            } else {
                t.sendBinary(data);
            }
            state.sendEstimate += wire;
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
        ReentrantLock lock = state.sendLock;
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
    public long bufferedBytes(Channel c) {
        TransportConnection t = c.transport();
        return t == null || c.finished() ? 0 : t.bufferedBytes();
    }

    // ------------------------------------------------------------------------------------------------ requests

    /**
     * Sends a request and returns its reply's future (see {@code PooledConnection.request}).
     *
     * @param lease   the holder sending it; releasing it cancels the request
     * @param message the request, carrying a correlation id
     * @param timeout positive
     * @return the reply
     */
    public CompletableFuture<String> request(Holder lease, String message, Duration timeout) {
        Objects.requireNonNull(message, "message");
        long timeoutNanos = requestTimeout(timeout);
        String id = correlationId(message, null);
        PendingRequest p = register(lease, id, PendingRequest.forText(id, lease, ticker.read()), timeout, timeoutNanos);
        try {
            enqueue(lease.channel(), message, null);
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
    public CompletableFuture<ByteBuffer> request(Holder lease, ByteBuffer message, Duration timeout) {
        Objects.requireNonNull(message, "message");
        long timeoutNanos = requestTimeout(timeout);
        String id = correlationId(null, message);
        PendingRequest p = register(lease, id, PendingRequest.forBinary(id, lease, ticker.read()), timeout,
                timeoutNanos);
        try {
            enqueue(lease.channel(), null, message);
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
     * on the pool's completion threads ({@link #completeOffThread}), so that no caller's stage runs on the scheduler.
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
            completeOffThread(() -> p.fail(failure));
        }
    }

    /**
     * Completes a request future on the pool's completion threads: an {@link ElasticExecutor} of its own, apart from
     * the message executor, so that neither blocked handlers nor a saturated user executor delay a reply or a
     * timeout; the caller's dependent stages run there. On the calling thread once the pool is closed.
     */
    void completeOffThread(Runnable completion) {
        try {
            completions.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    private static String abandonedKey(Channel c, String id) {
        return c.id() + '\n' + id;
    }

    private void requestEvent(Channel c, PendingRequest p, RequestEvent.Outcome outcome) {
        events.requestFinished(c.id(), c.endpoint(), p.sentAt, outcome);
    }

    // ------------------------------------------------------------------------------------------------ leases

    /**
     * Attaches (or, with {@code null}, detaches) a holder's message handler.
     *
     * @param lease   the holder
     * @param handler the handler, or {@code null}
     */
    public void attach(Holder lease, MessageHandler handler) {
        lease.messageHandler(handler);
        ChannelState state = lease.channel().messaging();
        if (handler == null) {
            state.removeHolder(lease);
        } else {
            state.addHolder(lease);
        }
    }

    /**
     * Called first on release, before the connection can reach its next holder: detaches the lease's handler and
     * cancels its pending requests (their ids are remembered, so late replies are dropped, not passed on).
     *
     * @param lease the holder being released
     */
    public void released(Holder lease) {
        Channel c = lease.channel();
        ChannelState state = c.messaging();
        if (lease.hasMessageHandler()) {
            lease.messageHandler(null);
            state.removeHolder(lease);
        }
        var pending = state.pendingRequestsIfAny();
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
    public void connectionClosed(Channel c, int code) {
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

    // ------------------------------------------------------------------------------------------------ inbound

    /**
     * A text message from the transport's I/O thread (probe replies are already taken out).
     *
     * @param c    the channel it arrived on
     * @param text the message
     */
    public void inbound(Channel c, String text) {
        if (correlating(c)) {
            String id = inboundId(c, text, null);
            if (id != null && claimed(c, id, text, null)) {
                return;
            }
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
    public void inbound(Channel c, ByteBuffer data) {
        if (correlating(c)) {
            String id = inboundId(c, null, data);
            if (id != null && claimed(c, id, null, data)) {
                return;
            }
        }
        if (wanted(c)) {
            dispatch(c, InboundMessage.binary(c.id(), c.endpoint(), data));
        }
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
            if (t != null && t.sharesIoThread()) {
                if (!p.reply(reply, true)) {
                    completeOffThread(() -> p.reply(reply, false));
                }
            } else {
                p.reply(reply, false);
            }
            return true;
        }
        if (abandoned.asMap().remove(abandonedKey(c, id)) != null) {
            log.debug("[{}] late reply to request '{}' on {} dropped", pool, id, c.id());
            dropped(c, MessageDroppedEvent.Reason.LATE_REPLY);
            return true;
        }
        return false;
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

    // ------------------------------------------------------------------------------------------------ close

    /**
     * Lets queued deliveries finish (bounded), then stops the pool's own executor and waits for its threads.
     *
     * @param timeoutNanos the bound on each wait
     */
    public void close(long timeoutNanos) {
        completions.shutdown(); // what is queued still runs: a future completed late rather than never
        try {
            if (ownedExecutor != null) {
                ownedExecutor.shutdown();
                if (!ownedExecutor.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS)) {
                    log.warn("[{}] message handlers still running {} ms after close; interrupting them", pool,
                            TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                    ownedExecutor.shutdownNow();
                    ownedExecutor.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS);
                }
            }
            if (!completions.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS)) {
                log.warn("[{}] request callbacks still running {} ms after close; interrupting them", pool,
                        TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                completions.shutdownNow();
                completions.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS);
            }
            // terminated means the workers are leaving: wait until they are gone
            DaemonThreads.joinAll(threads, System.nanoTime() + timeoutNanos);
        } catch (InterruptedException e) {
            if (ownedExecutor != null) {
                ownedExecutor.shutdownNow();
            }
            completions.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

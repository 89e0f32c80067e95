package io.github.wspool.core.internal.messaging;

import io.github.wspool.MessageHandler;
import io.github.wspool.MessageNotSentException;
import io.github.wspool.RequestTimeoutException;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.DaemonThreads;
import io.github.wspool.core.internal.concurrent.ElasticExecutor;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.event.PoolEvents;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a pool does with message content, behind one door: the rest of the engine (leases, the connection
 * router) calls this class, and it hands each call to the part that serves it.
 * <ul>
 *   <li>{@link Sending}: bounded sends (the outgoing-buffer bound and its estimate), tracked sends' outcomes, and
 *       messages not written.</li>
 *   <li>{@link Requests}: request/reply correlation: pending requests, their timeouts and cancellation, replies and
 *       late replies.</li>
 *   <li>{@link InboundRouting}: every other inbound message, through the connection's {@link Mailbox} to the
 *       holders' handlers or the pool handler.</li>
 * </ul>
 * This class owns what they share: the threads, and their shutdown with the pool.
 *
 * <h2>Threads</h2>
 * Handlers run on the message executor: the user's, or the pool's own {@link ElasticExecutor} ({@code
 * wspool-<pool>-msg-N}), which starts another thread whenever all of its threads are busy, so that handlers blocked
 * on some connections never hold up the others' messages. Replies and timeouts never wait for handlers: a request's
 * timeout fires on the scheduler, and a future whose completion may run the caller's stages is completed on the
 * pool's completion threads ({@code wspool-<pool>-reply-N}, elastic too), never on the message executor, a selector
 * thread or the scheduler.
 */
public final class Messaging {

    private static final Logger log = LoggerFactory.getLogger(Messaging.class);
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
    private final ExecutorService ownedExecutor;
    /** Completes request futures whose stages may run user code, off every thread that must not wait for them. */
    private final ExecutorService completions;
    /** The application's {@code completionExecutor}, used instead of {@link #completions} when given. */
    private final Executor userCompletions;
    /** Threads of the pool's own executor, joined on close so that none outlives the pool. */
    private final java.util.Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Sending sending;
    private final Requests requests;
    private final InboundRouting inbound;

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
        Executor executor;
        if (settings.messageExecutor() != null) {
            executor = settings.messageExecutor();
            this.ownedExecutor = null;
        } else {
            this.ownedExecutor = defaultExecutor(pool, threads);
            executor = ownedExecutor;
        }
        this.userCompletions = settings.completionExecutor();
        this.completions = ElasticExecutor.create(1, ElasticExecutor.DEFAULT_MAX_THREADS, IDLE_SECONDS,
                "wspool-" + pool + "-reply-", threads);
        this.sending = new Sending(pool, settings, ticker, host, events, this::completeOffThread);
        this.requests = new Requests(pool, settings.correlator(), ticker, scheduler, host, events, sending,
                this::completeOffThread, userCompletions != null);
        this.inbound = new InboundRouting(pool, settings, executor, host, events, requests);
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
        sending.send(c, text);
    }

    /**
     * Queues a binary message within the outgoing-buffer bound; one success for the connection's breaker.
     *
     * @param c    the channel
     * @param data the message (its position is not changed)
     */
    public void send(Channel c, ByteBuffer data) {
        sending.send(c, data);
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
        return sending.sendAsync(c, text);
    }

    /**
     * The binary form of {@link #sendAsync(Channel, String)}.
     *
     * @param c    the channel
     * @param data the message (its position is not changed)
     * @return completes once the frame is written
     */
    public CompletableFuture<Void> sendAsync(Channel c, ByteBuffer data) {
        return sending.sendAsync(c, data);
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
        sending.undelivered(c, messages, bytes, reason, lostByTransport);
    }

    /**
     * Bytes queued on the channel and not yet written.
     *
     * @param c the channel
     * @return the bytes, 0 when closed
     */
    public long bufferedBytes(Channel c) {
        return sending.bufferedBytes(c);
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
        return requests.request(lease, message, timeout);
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
        return requests.request(lease, message, timeout);
    }

    /**
     * Completes a request future on the pool's completion threads: an {@link ElasticExecutor} of its own, apart from
     * the message executor, so that neither blocked handlers nor a saturated user executor delay a reply or a
     * timeout; the caller's dependent stages run there. On the calling thread once the pool is closed.
     */
    void completeOffThread(Runnable completion) {
        try {
            if (userCompletions != null) {
                userCompletions.execute(completion); // Runnable::run: here, on the I/O thread (the user's choice)
                return;
            }
            completions.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    // ------------------------------------------------------------------------------------------------ leases

    /**
     * Attaches (or, with {@code null}, detaches) a holder's message handler.
     *
     * @param lease   the holder
     * @param handler the handler, or {@code null}
     */
    public void attach(Holder lease, MessageHandler handler) {
        inbound.attach(lease, handler);
    }

    /**
     * Called first on release, before the connection can reach its next holder: detaches the lease's handler and
     * cancels its pending requests (their ids are remembered, so late replies are dropped, not passed on).
     *
     * @param lease the holder being released
     */
    public void released(Holder lease) {
        inbound.detach(lease);
        requests.cancel(lease);
    }

    /**
     * The connection is gone: its pending requests fail now rather than at their timeouts.
     *
     * @param c    the channel
     * @param code its close code
     */
    public void connectionClosed(Channel c, int code) {
        requests.connectionClosed(c, code);
    }

    // ------------------------------------------------------------------------------------------------ inbound

    /**
     * A text message from the transport's I/O thread (probe replies are already taken out).
     *
     * @param c    the channel it arrived on
     * @param text the message
     */
    public void inbound(Channel c, String text) {
        c.traffic().received(WireSize.utf8Length(text));
        inbound.inbound(c, text);
    }

    /**
     * A binary message from the transport's I/O thread.
     *
     * @param c    the channel it arrived on
     * @param data the message, only valid during the call
     */
    public void inbound(Channel c, ByteBuffer data) {
        c.traffic().received(data.remaining());
        inbound.inbound(c, data);
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

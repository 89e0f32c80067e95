package io.github.wspool.core.internal.connect;

import io.github.wspool.ConnectionClosedException;
import io.github.wspool.ConnectionInitializationException;
import io.github.wspool.ConnectionInitializer;
import io.github.wspool.Endpoint;
import io.github.wspool.InitializingConnection;
import io.github.wspool.ReceiveTimeoutException;
import io.github.wspool.core.internal.concurrent.Fatal;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.spi.TransportConnection;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's {@link ConnectionInitializer} running on one new connection, between its opening handshake and READY:
 * the {@link InitializingConnection} the initializer sees, the buffer of inbound text messages its
 * {@link #receive} takes from, and the initializer's deadline.
 *
 * <p>The initializer runs on the connector's initializer threads (an elastic executor, {@code wspool-<pool>-init-N}),
 * never on a transport thread. The run ends once, with the first of: the initializer returned (the attempt
 * {@linkplain ConnectAttempt#initialized settles as opened}), it threw, its deadline passed, the server flooded the
 * buffer (the attempt {@linkplain ConnectAttempt#initializationFailed fails}), or the connection closed (the attempt's
 * own {@code onClosed} reports the failed connect). Whatever ends it wakes a waiting {@code receive} at once and
 * interrupts the initializer's thread (unless it is the thread ending it); afterwards every call but
 * {@code endpoint()} throws, and nothing the initializer does any more has an effect.
 *
 * <p>Inbound text messages are buffered from the handshake on, bounded by {@link #MAX_BUFFERED} messages and
 * {@code maxMessageSize} characters in all; binary messages are skipped; messages left unread when the run ends, and
 * messages arriving after it until the connection is READY, are dropped (logged at DEBUG).
 */
final class Initialization implements InitializingConnection {

    private static final Logger log = LoggerFactory.getLogger(Initialization.class);
    /** The most inbound text messages kept for {@link #receive} at once. */
    static final int MAX_BUFFERED = 64;

    private final String pool;
    private final ConnectAttempt attempt;
    private final ManagedConnection c;
    private final TransportConnection transport;
    private final ConnectionInitializer initializer;
    private final long timeoutNanos;
    private final long maxBufferedChars;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    /** Text messages not yet received (guarded by {@link #lock}). */
    private final ArrayDeque<String> inbox = new ArrayDeque<>();
    /** Their characters (guarded by {@link #lock}). */
    private long bufferedChars;
    /** Why the run is over, once it is (guarded by {@link #lock}; read without it as a hint). */
    private volatile String over;

    private volatile FutureTask<Void> task;
    private volatile Thread runner;
    private volatile PoolScheduler.Cancellable deadline;

    Initialization(String pool, ConnectAttempt attempt, ManagedConnection c, TransportConnection transport,
                   ConnectionInitializer initializer, long timeoutNanos, int maxMessageSize) {
        this.pool = pool;
        this.attempt = attempt;
        this.c = c;
        this.transport = transport;
        this.initializer = initializer;
        this.timeoutNanos = timeoutNanos;
        this.maxBufferedChars = Math.max(1, maxMessageSize);
    }

    /**
     * Starts the initializer on {@code executor}, and its deadline on {@code scheduler}.
     *
     * @param executor  the connector's initializer threads
     * @param scheduler runs the deadline
     */
    void start(Executor executor, PoolScheduler scheduler) {
        FutureTask<Void> t = new FutureTask<>(this::run, null);
        task = t;
        PoolScheduler.Cancellable d = scheduler.schedule(this::deadlinePassed, timeoutNanos);
        deadline = d;
        if (over != null) {
            d.cancel(); // ended while the deadline was being armed
        }
        try {
            executor.execute(t);
        } catch (RejectedExecutionException e) { // the pool is closing: its executor is shut down
            fail("the pool is closing", false, e);
        }
    }

    private void run() {
        runner = Thread.currentThread();
        try {
            if (over != null) {
                return; // ended before it started (the connection closed, the deadline passed)
            }
            initializer.initialize(this);
            succeeded();
        } catch (Throwable t) {
            fail(ConnectAttempt.describe(t), false, t);
            Fatal.rethrowIfFatal(t);
        } finally {
            runner = null;
            Thread.interrupted(); // an interrupt that came after the run ended is not the next task's
        }
    }

    private void succeeded() {
        int unread = end("the initializer returned");
        if (unread < 0) {
            return;
        }
        if (unread > 0) {
            log.debug("[{}] {} initialized; {} inbound message(s) it did not receive are dropped", pool, c.id,
                    unread);
        }
        attempt.initialized(transport);
    }

    private void deadlinePassed() {
        fail("timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (connectionInitializerTimeout)",
                true, null);
    }

    /** Ends the run as failed (if it is not over yet) and fails the connect. */
    private void fail(String detail, boolean timedOut, Throwable cause) {
        if (end(detail) < 0) {
            return;
        }
        attempt.initializationFailed(new ConnectionInitializationException(c.endpoint.uri(), detail, timedOut, cause));
    }

    /**
     * The connection closed (the transport's callback): the run ends, and the attempt reports the failed connect.
     *
     * @param code   the close code
     * @param reason the close reason
     */
    void closed(int code, String reason) {
        end("the connection closed (code " + code + (reason == null || reason.isEmpty() ? "" : ", " + reason) + ")");
    }

    /**
     * Ends the run, once: wakes {@code receive}, withdraws the deadline, interrupts the initializer's thread unless
     * it is the caller.
     *
     * @return the messages left unread, or -1 if the run was already over
     */
    private int end(String why) {
        int unread;
        lock.lock();
        try {
            if (over != null) {
                return -1;
            }
            over = why;
            unread = inbox.size();
            inbox.clear();
            bufferedChars = 0;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        PoolScheduler.Cancellable d = deadline;
        if (d != null) {
            d.cancel();
        }
        Thread r = runner;
        FutureTask<Void> t = task;
        if (t != null && r != Thread.currentThread()) {
            t.cancel(true); // interrupts the initializer if it is running, or keeps it from starting
        }
        return unread;
    }

    /**
     * A text message arrived (the transport's thread): buffered for {@link #receive}, dropped once the run is over.
     *
     * @param text the message
     */
    void text(String text) {
        String overflow = null;
        lock.lock();
        try {
            String why = over;
            if (why != null) {
                log.debug("[{}] {} dropped an inbound text message of {} chars that arrived after its initialization"
                        + " ended ({}), before it was READY", pool, c.id, text.length(), why);
                return;
            }
            if (inbox.size() >= MAX_BUFFERED || (!inbox.isEmpty() && bufferedChars + text.length() > maxBufferedChars)) {
                overflow = "the server sent more than " + (inbox.size() >= MAX_BUFFERED ? MAX_BUFFERED + " messages"
                        : maxBufferedChars + " characters (maxMessageSize)") + " before the initializer received them";
            } else {
                inbox.add(text);
                bufferedChars += text.length();
                arrived.signal();
            }
        } finally {
            lock.unlock();
        }
        if (overflow != null) {
            fail(overflow, false, null);
        }
    }

    /**
     * A binary message arrived: the initializer receives text only, so it is skipped.
     *
     * @param data the message
     */
    void binary(ByteBuffer data) {
        log.debug("[{}] {} skipped an inbound binary message of {} bytes during its initialization (only text is"
                + " received)", pool, c.id, data.remaining());
    }

    // ------------------------------------------------------------------------------------------------ the API

    @Override
    public Endpoint endpoint() {
        return c.endpoint();
    }

    @Override
    public void send(String text) {
        Objects.requireNonNull(text, "text must not be null");
        requireRunning();
        try {
            transport.sendText(text);
        } catch (RuntimeException e) {
            throw notOpen(e);
        }
    }

    @Override
    public void send(ByteBuffer data) {
        Objects.requireNonNull(data, "data must not be null");
        requireRunning();
        try {
            transport.sendBinary(data);
        } catch (RuntimeException e) {
            throw notOpen(e);
        }
    }

    @Override
    public String receive(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("receive timeout must be zero or positive, but was " + timeout);
        }
        long nanos = saturatedNanos(timeout);
        lock.lock();
        try {
            while (true) {
                String why = over;
                if (why != null) {
                    throw overException(why, null);
                }
                String m = inbox.poll();
                if (m != null) {
                    bufferedChars -= m.length();
                    return m;
                }
                if (nanos <= 0) {
                    throw new ReceiveTimeoutException(c.id, timeout);
                }
                try {
                    nanos = arrived.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    String w = over;
                    throw overException(w != null ? w : "interrupted while waiting for a message", e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private void requireRunning() {
        String why = over;
        if (why != null) {
            throw overException(why, null);
        }
    }

    private ConnectionClosedException overException(String why, Throwable cause) {
        return new ConnectionClosedException("Connection " + c.id + " to " + c.endpoint + ": initialization is over: "
                + why, cause);
    }

    private ConnectionClosedException notOpen(RuntimeException e) {
        String why = over;
        return new ConnectionClosedException("Connection " + c.id + " to " + c.endpoint + " is not open"
                + (why != null ? ": " + why : ""), e);
    }

    @Override
    public String toString() {
        return "InitializingConnection[" + c.id + " to " + c.endpoint + "]";
    }
}

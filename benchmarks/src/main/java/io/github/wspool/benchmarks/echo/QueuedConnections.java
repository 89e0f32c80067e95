package io.github.wspool.benchmarks.echo;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * The minimal pool the raw baselines run behind, so that they do what the wspool side does (take a connection, one
 * message on it, give it back) with as little machinery as possible: a blocking queue of idle connections,
 * {@code take()} to lease (a thread waits when all are leased, as wspool's waiters do), {@code add()} to
 * give back. The system property {@code echo.queue} picks the order:
 * <ul>
 *   <li>{@code fifo} (the default): connections are handed out in the order they came back, so the load rotates over
 *       all of them; the queue is not fair to waiters (a thread that just gave a connection back may take one again
 *       before the longest waiter);</li>
 *   <li>{@code fair}: the same, with waiters served in order, as wspool serves its waiters;</li>
 *   <li>{@code lifo}: a {@link LinkedBlockingDeque} used as a stack, so the connection given back last goes out first
 *       and a few threads keep reusing a few hot connections, close to what wspool's per-thread "last released
 *       connection first" hand-out does; not fair to waiters either.</li>
 * </ul>
 * Each connection carries at most one message at a time, so its echo is correlated by position: the next
 * text to arrive on that connection must equal the message in flight ({@link InFlight}), which is checked.
 *
 * <p>The asynchronous form ({@link #echoAsync}) takes with {@code poll()} and fails when no connection is idle; the
 * run only uses it with fewer chains than connections (64 over 100), where one always is. The echo's callback gives the
 * connection back before the caller's next stage runs, on the transport's I/O thread.
 *
 * @param <C> the connection type
 */
final class QueuedConnections<C extends QueuedConnections.Connection> implements EchoTarget {

    /** One open WebSocket connection of a raw client. */
    interface Connection {
        /**
         * Sends {@code message}; the future completes with the next text message this connection receives.
         *
         * @param message the message
         * @return the echo
         */
        CompletableFuture<String> roundTrip(String message);

        /** Closes the connection, without waiting. */
        void closeQuietly();
    }

    private static final long TIMEOUT_MS = 10_000;

    private final BlockingQueue<C> idle;
    private final LinkedBlockingDeque<C> stack;
    private final List<C> all;

    QueuedConnections(List<C> connections) {
        this.all = List.copyOf(connections);
        String order = System.getProperty("echo.queue", "fifo");
        switch (order) {
            case "fifo", "fair" -> {
                idle = new ArrayBlockingQueue<>(connections.size(), order.equals("fair"), connections);
                stack = null;
            }
            case "lifo" -> {
                stack = new LinkedBlockingDeque<>(connections);
                idle = stack;
            }
            default -> throw new IllegalArgumentException("echo.queue must be fifo, fair or lifo, but was " + order);
        }
    }

    /** Gives {@code c} back: to the tail of the queue, or the top of the stack. */
    private void giveBack(C c) {
        if (stack != null) {
            stack.addFirst(c);
        } else {
            idle.add(c);
        }
    }

    @Override
    public void echo(String message) throws Exception {
        C c = idle.take();
        try {
            EchoTarget.checked(message, c.roundTrip(message).get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        } finally {
            giveBack(c);
        }
    }

    @Override
    public CompletableFuture<String> echoAsync(String message) {
        C c = idle.poll();
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no idle connection"));
        }
        CompletableFuture<String> reply;
        try {
            reply = c.roundTrip(message);
        } catch (RuntimeException e) {
            giveBack(c);
            return CompletableFuture.failedFuture(e);
        }
        return reply.handle((r, e) -> {
            giveBack(c);
            if (e != null) {
                throw e instanceof CompletionException ce ? ce : new CompletionException(e);
            }
            return EchoTarget.checked(message, r);
        });
    }

    @Override
    public void close() {
        all.forEach(Connection::closeQuietly);
    }

    /**
     * The one message in flight on a connection and the future its echo completes. Written by the sender before the
     * frame goes out, read by the I/O thread that receives the echo.
     */
    static final class InFlight {
        private volatile String expected;
        private volatile CompletableFuture<String> pending;

        /**
         * Registers {@code message} as the one in flight; call before writing it.
         *
         * @param message the message about to be sent
         * @return completes with its echo
         */
        CompletableFuture<String> begin(String message) {
            CompletableFuture<String> f = new CompletableFuture<>();
            expected = message;
            pending = f;
            return f;
        }

        /**
         * A text message arrived: completes the message in flight, failing it if the text is not its echo.
         *
         * @param text what arrived
         */
        void arrived(String text) {
            CompletableFuture<String> f = pending;
            String sent = expected;
            pending = null;
            if (f == null) {
                return; // nothing in flight: not an echo of ours (never seen in the run)
            }
            if (text.equals(sent)) {
                f.complete(text);
            } else {
                f.completeExceptionally(new IllegalStateException("sent " + sent + " but got " + text));
            }
        }

        /**
         * The connection failed or closed: fails the message in flight, if any.
         *
         * @param cause why
         */
        void failed(Throwable cause) {
            CompletableFuture<String> f = pending;
            pending = null;
            if (f != null) {
                f.completeExceptionally(cause);
            }
        }
    }
}

package io.github.wspool;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A lease on one pooled WebSocket connection.
 *
 * <p>Obtained from {@link WebSocketPool#acquire()}; {@link #close()} gives it back. Use it in try-with-resources:
 * <pre>{@code
 * try (PooledConnection c = pool.acquire()) {
 *     c.send("hello");
 * }
 * }</pre>
 *
 * <p>A lease is meant for one caller at a time (several leases may share one connection when the pool allows
 * {@code maxLeasesPerConnection > 1}). After {@link #close()} every method except {@link #id()},
 * {@link #endpoint()}, {@link #state()}, {@link #isReleased()} and {@code close()} itself throws
 * {@link IllegalStateException}: the connection may already belong to someone else.
 */
public interface PooledConnection extends AutoCloseable {

    /**
     * A short id, stable for the connection's life and unique within the pool (for example {@code feed-7}).
     *
     * @return the connection id
     */
    String id();

    /**
     * The endpoint this connection is open to.
     *
     * @return the endpoint
     */
    Endpoint endpoint();

    /**
     * The connection's current lifecycle state ({@link ConnectionState#ACTIVE} while leased and healthy).
     *
     * @return the state
     */
    ConnectionState state();

    /**
     * The subprotocol the server selected in the opening handshake ({@code Sec-WebSocket-Protocol}), one of those
     * the pool requested.
     *
     * @return the subprotocol, or {@code ""} when none was requested or selected
     * @throws IllegalStateException if this lease was already released
     */
    String subprotocol();

    /**
     * Sends a text message. The message is queued for the transport; this does not wait for the peer.
     *
     * @param text the message
     * @throws IllegalStateException     if this lease was already released
     * @throws ConnectionClosedException if the WebSocket is no longer open
     * @throws SendBufferFullException   if the outgoing buffer has no room for the message (nothing was queued)
     */
    void send(String text);

    /**
     * Sends a binary message with the buffer's remaining bytes. The buffer's position is not changed.
     *
     * @param data the message
     * @throws IllegalStateException     if this lease was already released
     * @throws ConnectionClosedException if the WebSocket is no longer open
     * @throws SendBufferFullException   if the outgoing buffer has no room for the message (nothing was queued)
     */
    void send(ByteBuffer data);

    /**
     * Sends a text message and returns its outcome: the future completes when the whole frame has been written to
     * the socket (handed to the operating system; it says nothing about the server having read it), and fails with
     * {@link MessageNotSentException} when it was not: the connection was not open or its outgoing buffer full at
     * the call (nothing was queued), or it ended before the frame was written (closed by the server, the close
     * timeout passed after a release or recycle, the connection aborted). Failures known at the call come through
     * the future too; only misuse throws. Every failed future is also reported through
     * {@link PoolListener#onMessageUndelivered} and the {@code wspool.messages.undelivered} meter.
     *
     * <p>Sends on one connection are written in the order they were made, {@code send} and {@code sendAsync} alike.
     * The future completes on the thread that wrote the frame (often the sending thread itself, else the transport's
     * I/O thread): use the {@code ...Async} methods of {@link CompletableFuture} for heavy work. Releasing the lease
     * right after does not cancel the send: a released connection writes what is queued before its close frame,
     * within the pool's {@code closeTimeout}.
     *
     * @param text the message
     * @return completes when the frame is written; fails with {@link MessageNotSentException}
     * @throws IllegalStateException if this lease was already released
     * @throws NullPointerException  if {@code text} is null
     */
    CompletableFuture<Void> sendAsync(String text);

    /**
     * The binary form of {@link #sendAsync(String)}, with the buffer's remaining bytes. The buffer's position is not
     * changed; its content must not change until the future completes.
     *
     * @param data the message
     * @return completes when the frame is written; fails with {@link MessageNotSentException}
     * @throws IllegalStateException if this lease was already released
     * @throws NullPointerException  if {@code data} is null
     */
    CompletableFuture<Void> sendAsync(ByteBuffer data);

    /**
     * Sends {@code message} and returns the reply: the first inbound message whose correlation id (by the pool's
     * {@link MessageCorrelator}; by default the top-level JSON string field {@code messageId}) equals this
     * message's. Many requests may be in flight on one connection at once, and their replies may arrive in any order.
     *
     * <p>Where the future completes depends on the transport: on a thread-per-connection transport, on the
     * connection's I/O thread; on a transport whose I/O thread is shared (the default), on that thread only when a
     * caller is blocked in {@code join()}/{@code get()} and no stage depends on the future, else on the pool's
     * completion threads, so that dependent stages do not run on the shared thread. Either way, run heavy work with the {@code ...Async} methods
     * of {@link CompletableFuture}. It fails with {@link RequestTimeoutException} after {@code timeout}, on time
     * whatever the message handlers are doing (counted against the connection's circuit breaker unless the connection
     * was not being read because its handlers were behind; a later reply is dropped), {@link ConnectionClosedException} if the
     * connection closes first, {@link RequestCancelledException} if this lease is released first, and
     * {@link SendBufferFullException} if the message does not fit in the outgoing buffer.
     *
     * @param message the request; it must carry a correlation id
     * @param timeout how long to wait for the reply; positive
     * @return the reply's text (a binary reply is decoded as UTF-8)
     * @throws IllegalArgumentException if the message carries no correlation id, or the timeout is not positive
     * @throws IllegalStateException    if this lease was already released, or a request with the same id is
     *                                  already pending on this connection
     */
    CompletableFuture<String> request(String message, Duration timeout);

    /**
     * The binary form of {@link #request(String, Duration)}; the correlator's binary method extracts the id. The
     * buffer's position is not changed.
     *
     * @param message the request; it must carry a correlation id
     * @param timeout how long to wait for the reply; positive
     * @return the reply's bytes (a text reply is encoded as UTF-8), read-only
     * @throws IllegalArgumentException if the message carries no correlation id, or the timeout is not positive
     * @throws IllegalStateException    if this lease was already released, or a request with the same id is
     *                                  already pending on this connection
     */
    CompletableFuture<ByteBuffer> request(ByteBuffer message, Duration timeout);

    /**
     * Receives this connection's inbound messages while the lease is held: every message that is not the reply to a
     * pending request. The handler is detached when the lease is released, so the connection's next holder never
     * sees it; messages with no lease handler go to the pool's handler. With a multiplexed connection
     * ({@code maxLeasesPerConnection > 1}) every holder's handler gets each message. A second call replaces the
     * handler; {@code null} detaches it.
     *
     * @param handler the handler, or {@code null}
     * @return this lease
     * @throws IllegalStateException if this lease was already released
     */
    PooledConnection onMessage(MessageHandler handler);

    /**
     * Bytes queued on this connection and not yet written to the socket (by every holder, including frame headers
     * and control frames). Sends are refused, or wait, once this would pass the pool's {@code maxBufferedBytes}.
     *
     * @return bytes queued; 0 when the connection is closed
     * @throws IllegalStateException if this lease was already released
     */
    long bufferedBytes();

    /**
     * Marks the connection as not to be reused: on {@link #close()} it is recycled (closed) instead of going back
     * to the pool. Use it when the application knows the connection is in a bad state (for example a protocol error).
     *
     * @throws IllegalStateException if this lease was already released
     */
    void invalidate();

    /**
     * Whether the underlying WebSocket is open right now.
     *
     * @return {@code true} if open
     */
    boolean isOpen();

    /**
     * Whether {@link #close()} was already called on this lease.
     *
     * @return {@code true} once released
     */
    boolean isReleased();

    /**
     * Gives the connection back to the pool (or closes it, with {@code pooling(false)} or after
     * {@link #invalidate()}). Idempotent: a second call does nothing.
     */
    @Override
    void close();
}

package io.github.wspool;

import java.nio.ByteBuffer;

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
 * <p>A lease is meant for one caller at a time. After {@link #close()} every method except {@link #id()},
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
     * Sends a text message. The message is queued for the transport; this does not wait for the peer.
     *
     * @param text the message
     * @throws IllegalStateException     if this lease was already released
     * @throws ConnectionClosedException if the WebSocket is no longer open
     */
    void send(String text);

    /**
     * Sends a binary message with the buffer's remaining bytes. The buffer's position is not changed.
     *
     * @param data the message
     * @throws IllegalStateException     if this lease was already released
     * @throws ConnectionClosedException if the WebSocket is no longer open
     */
    void send(ByteBuffer data);

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

package io.github.wspool;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A connection whose opening handshake has completed and which a {@link ConnectionInitializer} is preparing: it can
 * send, and it can wait for the server's next text message. Valid only during
 * {@link ConnectionInitializer#initialize}; afterwards (and once the initialization's deadline passed, or the
 * connection or the pool closed) every method but {@link #endpoint()} throws.
 *
 * <h2>Inbound messages during initialization</h2>
 * <ul>
 *   <li>Text messages are kept, in order, from the moment the handshake completes, so a greeting the server sends
 *       before the initializer calls {@link #receive} is not lost. The buffer is bounded: at most 64
 *       messages, and at most the builder's {@code maxMessageSize} in characters all together (one message always
 *       fits); a server that sends more before the initializer reads them fails the initialization, and so the
 *       connect.</li>
 *   <li>Binary messages are not delivered to the initializer: they are skipped (logged at DEBUG).</li>
 *   <li>Messages the initializer did not {@link #receive} by the time it returns are dropped (logged at DEBUG):
 *       they are not delivered to message handlers after the connection becomes READY. The initializer owns the
 *       conversation until it returns; only messages arriving after that reach handlers.</li>
 * </ul>
 */
public interface InitializingConnection {

    /**
     * The endpoint this connection was opened to.
     *
     * @return the endpoint
     */
    Endpoint endpoint();

    /**
     * Sends a text message.
     *
     * @param text the message, not null
     * @throws ConnectionClosedException if the connection is closed, or the initialization is over (returned, timed
     *                                   out, or the pool is closing)
     */
    void send(String text);

    /**
     * Sends a binary message: the remaining bytes of {@code data}.
     *
     * @param data the message, not null
     * @throws ConnectionClosedException if the connection is closed, or the initialization is over
     */
    void send(ByteBuffer data);

    /**
     * The next inbound text message, waiting up to {@code timeout} for it. Messages that arrived before the call
     * (since the handshake completed) are returned first, in order.
     *
     * @param timeout how long to wait: zero or positive (zero: only a message already buffered)
     * @return the message
     * @throws ReceiveTimeoutException   if none arrived within {@code timeout}
     * @throws ConnectionClosedException at once if the connection closes while waiting (or was closed), or the
     *                                   initialization is over (its deadline passed, the pool is closing); the
     *                                   thread's interrupt status is set when it was interrupted
     * @throws IllegalArgumentException  if {@code timeout} is null or negative
     */
    String receive(Duration timeout);
}

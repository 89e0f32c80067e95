package io.github.wspool.benchmarks.echo;

import java.util.concurrent.CompletableFuture;

/**
 * One client under test in the echo run: N open WebSocket connections to the echo server, and the two ways a load
 * generator uses them. Implementations: {@link WspoolTarget} (the pool), {@link JwsTarget} (raw Java-WebSocket
 * clients) and {@link NettyTarget} (a Netty WebSocket client), the last two behind the same minimal hand-written pool,
 * {@link QueuedConnections}.
 */
interface EchoTarget extends AutoCloseable {

    /**
     * Takes a connection, sends {@code message}, waits for its echo, gives the connection back; blocks the caller.
     *
     * @param message a JSON text with a unique {@code messageId}
     * @throws Exception if there was no echo, or not this message's
     */
    void echo(String message) throws Exception;

    /**
     * The non-blocking form of {@link #echo}: the future completes once the echo has arrived and the connection is
     * given back.
     *
     * @param message a JSON text with a unique {@code messageId}
     * @return completes with the echo; fails if there was none or another message came back
     */
    CompletableFuture<String> echoAsync(String message);

    /** Closes the connections, best effort. */
    @Override
    void close();

    /**
     * Checks that {@code reply} is the echo of {@code sent}.
     *
     * @param sent  the message sent
     * @param reply what came back
     * @return {@code reply}
     * @throws IllegalStateException if they differ
     */
    static String checked(String sent, String reply) {
        if (!sent.equals(reply)) {
            throw new IllegalStateException("sent " + sent + " but got " + reply);
        }
        return reply;
    }
}

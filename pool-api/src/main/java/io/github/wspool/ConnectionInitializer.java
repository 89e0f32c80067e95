package io.github.wspool;

/**
 * Code that runs on every new connection after its opening handshake and before it becomes {@link
 * ConnectionState#READY READY}: an application-level login, a subscription every connection needs, a protocol
 * version exchange. Set it with the builder's {@code connectionInitializer(ConnectionInitializer)}.
 *
 * <p>Until the initializer returns, the connection is {@link ConnectionState#INITIALIZING INITIALIZING}: no
 * {@code acquire()} can get it, and it holds its slot and counts as a connect in flight. When the initializer
 * returns normally the connection becomes READY and is handed to a waiting caller or kept in the pool. When it throws,
 * or does not return within the deadline ({@code connectionInitializerTimeout}, by default the connect timeout), the
 * connect has failed exactly as if the server had refused the handshake: the connection is closed with a close frame,
 * the failure ({@link ConnectionInitializationException}) counts for the endpoint's backoff and connect breaker,
 * the pool retries later, and an {@code acquire()} that times out meanwhile carries it as its cause.
 *
 * <p>Threads: the initializer runs on one of the pool's initializer threads ({@code wspool-<pool>-init-N}), never on
 * a transport's I/O thread, so it may block, for example in {@link InitializingConnection#receive}. At its deadline
 * (or when the pool closes, or the connection closes) its thread is interrupted and whatever it does afterwards is
 * ignored; an initializer that ignores interrupts keeps its thread busy until it returns, but never delays the pool.
 *
 * <p>Example: log in and wait for the server's {@code welcome}.
 * <pre>{@code
 * ConnectionInitializer login = c -> {
 *     c.send("{\"type\":\"auth\",\"token\":\"" + tokens.current() + "\"}");
 *     String answer = c.receive(Duration.ofSeconds(2));
 *     if (!answer.contains("welcome")) {
 *         throw new IllegalStateException("login refused by " + c.endpoint() + ": " + answer);
 *     }
 * };
 * WebSocketPool pool = WebSocketPools.builder()
 *         .endpoint("wss://feed.example.com/ws")
 *         .connectionInitializer(login)
 *         .connectionInitializerTimeout(Duration.ofSeconds(3))
 *         .build();
 * }</pre>
 *
 * <p>An initializer is shared by all connections of a pool and may run on several threads at once: keep it free of
 * per-connection state.
 */
@FunctionalInterface
public interface ConnectionInitializer {

    /**
     * Prepares one new connection. Returning normally makes it READY.
     *
     * @param c the connection being initialized; valid only during this call
     * @throws Exception anything: the connect fails with a {@link ConnectionInitializationException} whose cause is
     *                   what was thrown, and the connection is closed
     */
    void initialize(InitializingConnection c) throws Exception;
}

package io.github.wspool.core;

/**
 * Creates pools.
 *
 * <pre>{@code
 * WebSocketPool pool = WebSocketPools.builder().name("feed")
 *     .endpoint("ws://127.0.0.1:8080/feed")
 *     .pooling(true).minConnections(2).maxConnections(16)
 *     .acquireTimeout(Duration.ofSeconds(5)).build();
 * try (PooledConnection c = pool.acquire()) {
 *     c.send("hello");
 * }
 * pool.close();
 * }</pre>
 */
public final class WebSocketPools {

    private WebSocketPools() {
    }

    /**
     * A new builder with the defaults documented on {@link WebSocketPoolBuilder}.
     *
     * @return the builder
     */
    public static WebSocketPoolBuilder builder() {
        return new WebSocketPoolBuilder();
    }
}

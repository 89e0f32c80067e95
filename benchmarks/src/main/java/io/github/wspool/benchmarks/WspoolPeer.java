package io.github.wspool.benchmarks;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.spi.InMemoryTransport;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** wspool on the in-memory transport (no I/O), 1 or more endpoints, no keepalive traffic. */
class WspoolPeer implements PeerPool {

    private final int endpoints;
    private WebSocketPool pool;

    WspoolPeer(int endpoints) {
        this.endpoints = endpoints;
    }

    /** More settings for the pool, by a subclass (the fleet's). */
    WebSocketPoolBuilder configure(WebSocketPoolBuilder b) {
        return b;
    }

    /** The pool, once set up. */
    WebSocketPool pool() {
        return pool;
    }

    /**
     * A pooling wspool of exactly {@code poolSize} connections spread over {@code endpoints} in-memory endpoints,
     * health checks off, returned once every connection is available.
     */
    static WebSocketPool prewarmedPool(String name, int endpoints, int poolSize) {
        return prewarmedPool(name, endpoints, poolSize, b -> b);
    }

    /** {@link #prewarmedPool(String, int, int)} with more settings. */
    static WebSocketPool prewarmedPool(String name, int endpoints, int poolSize,
                                       java.util.function.UnaryOperator<WebSocketPoolBuilder> more) {
        WebSocketPoolBuilder b = WebSocketPools.builder().name(name).pooling(true)
                .minConnections(poolSize).maxConnections(poolSize)
                .acquireTimeout(Duration.ofSeconds(30))
                .healthCheckInterval(Duration.ZERO) // no keepalive traffic on the in-memory transport
                .transport(new InMemoryTransport());
        for (int i = 0; i < endpoints; i++) {
            b.endpoint("ws://endpoint-" + i + ".bench:80/");
        }
        WebSocketPool pool = more.apply(b).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.stats().idle() < poolSize) {
            if (System.nanoTime() > deadline) {
                pool.close();
                throw new IllegalStateException("pool did not pre-warm: " + pool.stats());
            }
            Thread.onSpinWait();
        }
        return pool;
    }

    @Override
    public void setUp(int poolSize) throws Exception {
        pool = prewarmedPool(endpoints == 1 ? "bench" : "bench-" + endpoints + "ep", endpoints, poolSize,
                this::configure);
    }

    @Override
    public Object borrow() {
        return pool.acquire();
    }

    @Override
    public void release(Object lease) {
        ((PooledConnection) lease).close();
    }

    @Override
    public void tearDown() throws Exception {
        pool.close();
    }
}

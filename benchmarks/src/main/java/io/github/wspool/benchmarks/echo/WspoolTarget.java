package io.github.wspool.benchmarks.echo;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * wspool: one pool with {@code pooling(true)} and exactly {@code n} connections, on the default transport (the shared
 * NIO selector, {@code min(cores, 4)} selector threads), keepalive pings, idle timeout and maximum lifetime off so that
 * nothing but the load runs. Each echo is {@code acquire → request(message, 10 s) → release}: the pool's own
 * correlation (the default correlator, by the top-level {@code messageId}); the asynchronous form is
 * {@code acquireAsync().thenCompose(c -> c.request(...).whenComplete(release))}.
 */
final class WspoolTarget implements EchoTarget {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final WebSocketPool pool;

    private WspoolTarget(WebSocketPool pool) {
        this.pool = pool;
    }

    /**
     * Builds the pool and waits until all {@code n} connections are open and idle.
     *
     * @param uri the echo server
     * @param n   how many connections
     * @return the target
     * @throws InterruptedException if interrupted while waiting
     */
    static WspoolTarget open(String uri, int n) throws InterruptedException {
        WebSocketPoolBuilder b = WebSocketPools.builder().name("echo").endpoint(uri).pooling(true)
                .minConnections(n).maxConnections(n).maxConcurrentConnects(64, 64)
                .connectTimeout(Duration.ofSeconds(30)).acquireTimeout(Duration.ofSeconds(30))
                .healthCheckInterval(Duration.ZERO).idleTimeout(Duration.ZERO).maxLifetime(Duration.ZERO)
                .shutdownTimeout(Duration.ofSeconds(2)).closeTimeout(Duration.ofSeconds(2));
        if ("direct".equals(System.getProperty("echo.completion"))) {
            b.completionExecutor(Runnable::run); // -Decho.completion=direct: stages run where the reply is read
        }
        WebSocketPool pool = b.build();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (pool.stats().idle() < n) {
            if (System.nanoTime() > deadline) {
                pool.close();
                throw new IllegalStateException("pool did not open " + n + " connections: " + pool.stats());
            }
            Thread.sleep(10);
        }
        return new WspoolTarget(pool);
    }

    @Override
    public void echo(String message) {
        try (PooledConnection c = pool.acquire()) {
            EchoTarget.checked(message, c.request(message, TIMEOUT).join());
        }
    }

    @Override
    public CompletableFuture<String> echoAsync(String message) {
        return pool.acquireAsync().thenCompose(c -> {
            CompletableFuture<String> reply;
            try {
                reply = c.request(message, TIMEOUT);
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
            return reply.whenComplete((r, e) -> c.close());
        }).thenApply(r -> EchoTarget.checked(message, r));
    }

    @Override
    public void close() {
        pool.close();
    }
}

package io.github.wspool.benchmarks;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.fleet.RedisFleet;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.strategy.Strategies;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisServer;

/**
 * {@link WspoolPeer} with fleet mode on: the same pool on the in-memory transport, joined to a fleet whose Redis (a
 * real {@code redis-server} on loopback, started here) gets the pool's connections, health and stats every exchange
 * period (1 s), with {@code fleetLeastConnections()} as the strategy. Against {@code wspool}, it shows what fleet mode
 * costs on the acquire/release path: by design nothing, since no Redis round trip is on it.
 */
final class WspoolFleetPeer implements PeerPool {

    private RedisServer redis;
    private RedisFleet fleet;
    private WebSocketPool pool;

    @Override
    public void setUp(int poolSize) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").build();
        redis.start();
        fleet = RedisFleet.connect("redis://127.0.0.1:" + port);
        WebSocketPoolBuilder b = WebSocketPools.builder().name("bench-fleet").pooling(true)
                .minConnections(poolSize).maxConnections(poolSize).acquireTimeout(Duration.ofSeconds(30))
                .healthCheckInterval(Duration.ZERO).transport(new InMemoryTransport())
                .endpoint("ws://endpoint-0.bench:80/").fleet(fleet).strategy(Strategies.fleetLeastConnections());
        pool = b.build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.stats().idle() < poolSize || fleet.stats().totalConnections() < poolSize) {
            if (System.nanoTime() > deadline) {
                tearDown();
                throw new IllegalStateException("fleet pool did not pre-warm and publish: " + pool.stats());
            }
            Thread.onSpinWait();
        }
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
    public void tearDown() throws IOException {
        if (pool != null) {
            pool.close();
        }
        if (fleet != null) {
            fleet.close();
        }
        if (redis != null) {
            redis.stop();
        }
    }
}

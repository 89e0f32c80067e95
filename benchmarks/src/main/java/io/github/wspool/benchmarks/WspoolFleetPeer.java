package io.github.wspool.benchmarks;

import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.fleet.RedisFleet;
import io.github.wspool.strategy.Strategies;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisServer;

/**
 * {@link WspoolPeer} with fleet mode on: the same pool on the in-memory transport, joined to a fleet whose Redis (a
 * real {@code redis-server} on loopback, started here) gets the pool's connections, health and stats every exchange
 * period (1 s), with {@code fleetLeastConnections()} as the strategy. Against {@code wspool}, it shows what fleet mode
 * costs on the acquire/release path: by design nothing, since no Redis round trip is on it.
 */
final class WspoolFleetPeer extends WspoolPeer {

    private RedisServer redis;
    private RedisFleet fleet;

    WspoolFleetPeer() {
        super(1);
    }

    @Override
    WebSocketPoolBuilder configure(WebSocketPoolBuilder b) {
        return b.fleet(fleet).strategy(Strategies.fleetLeastConnections());
    }

    @Override
    public void setUp(int poolSize) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").build();
        redis.start();
        fleet = RedisFleet.connect("redis://127.0.0.1:" + port);
        super.setUp(poolSize);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (fleet.stats().totalConnections() < poolSize) { // the fleet's exchange is running
            if (System.nanoTime() > deadline) {
                tearDown();
                throw new IllegalStateException("the fleet did not publish the pool's connections: " + pool().stats());
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public void tearDown() throws Exception {
        super.tearDown();
        if (fleet != null) {
            fleet.close();
        }
        if (redis != null) {
            redis.stop();
        }
    }
}

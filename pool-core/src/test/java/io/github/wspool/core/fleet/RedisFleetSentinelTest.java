package io.github.wspool.core.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.TestWebSocketServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.embedded.RedisSentinel;
import redis.embedded.RedisServer;

/**
 * Sentinel: a master, a replica and a sentinel (real redis-server processes); the fleet connects through a
 * {@code redis-sentinel://} URI; {@code SENTINEL FAILOVER} promotes the replica, and the pools follow: exchanges succeed
 * again against the new master and its counts are right.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisFleetSentinelTest extends ClosingTest {

    @Test
    void thePoolsFollowAFailover() throws Exception {
        TestRedis master = closing(TestRedis.start());
        int replicaPort = TestRedis.freePort();
        RedisServer replica = RedisServer.newRedisServer().port(replicaPort).bind("127.0.0.1")
                .slaveOf("127.0.0.1", master.port()).setting("save \"\"").setting("appendonly no").build();
        replica.start();
        closing(replica::stop);
        RedisClient plain = RedisClient.create();
        closing(() -> plain.shutdown(Duration.ZERO, Duration.ofSeconds(1)));
        StatefulRedisConnection<String, String> toReplica = plain.connect(
                RedisURI.create("redis://127.0.0.1:" + replicaPort));
        await().atMost(Duration.ofSeconds(10)).until(() -> toReplica.sync().info("replication")
                .contains("master_link_status:up"));
        int sentinelPort = TestRedis.freePort();
        RedisSentinel sentinel = RedisSentinel.newRedisSentinel().port(sentinelPort).bind("127.0.0.1")
                .masterPort(master.port()).masterName("wsmaster").quorumSize(1)
                .downAfterMilliseconds(1_000).failOverTimeout(5_000).build();
        sentinel.start();
        closing(sentinel::stop);
        StatefulRedisSentinelConnection<String, String> toSentinel = plain.connectSentinel(
                RedisURI.create("redis://127.0.0.1:" + sentinelPort));
        await().atMost(Duration.ofSeconds(15)).until(() -> !toSentinel.sync().replicas("wsmaster").isEmpty());

        TestWebSocketServer ws = closing(TestWebSocketServer.start());
        RedisFleet fleet = closing(RedisFleet.connect("redis-sentinel://127.0.0.1:" + sentinelPort + "/0#wsmaster",
                RedisFleetRegistryTest.fast()));
        WebSocketPool pool = closing(WebSocketPools.builder().name("sentinel-pool").fleet(fleet)
                .endpoint(ws.uri()).pooling(true).minConnections(3).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> fleet.stats().totalConnections() == 3);

        toSentinel.sync().failover("wsmaster");
        await().atMost(Duration.ofSeconds(20)).until(() -> ((InetSocketAddress) toSentinel.sync()
                .getMasterAddrByName("wsmaster")).getPort() == replicaPort);
        // the old master is demoted: the fleet's connections are killed by Sentinel or get READONLY, and reconnect
        // through Sentinel to the new master
        long before = fleet.exchanges();
        long promotedAt = System.currentTimeMillis();
        String instance = fleet.instanceIds().get("sentinel-pool");
        await().atMost(Duration.ofSeconds(20)).until(() -> !fleet.degraded() && fleet.exchanges() > before + 4
                && toReplica.sync().exists("wspool:instances") == 1
                && toReplica.sync().zcard("wspool:server:" + ws.uri() + ":connections") == 3
                // liveness written after the promotion (expiry = write time + 3 s), so on the new master itself
                && toReplica.sync().zscore("wspool:instances", instance) > promotedAt + 3_100);
        assertEquals(3, fleet.stats().totalConnections());
        assertEquals(3, pool.stats().total());
    }
}

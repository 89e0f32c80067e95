package io.github.wspool.examples;

import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.fleet.FleetStats;
import io.github.wspool.core.fleet.RedisFleet;
import io.github.wspool.strategy.Strategies;
import io.github.wspool.testkit.TestWebSocketServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import redis.embedded.RedisServer;

/**
 * Fleet mode end to end on one machine: a real {@code redis-server} (embedded-redis), three echo servers on loopback
 * registered in the fleet's server registry, and two instances of the application (two pools, each with its own
 * {@link RedisFleet} as two processes would have) following the registry and spreading their connections over the
 * fleet with {@code fleetLeastConnections()}. Prints the connections per server, as the fleet counts them and as the
 * servers hold them, and exits by itself.
 */
public final class FleetExample {

    private FleetExample() {
    }

    /**
     * Runs the example.
     *
     * @param args none
     * @throws Exception if Redis or a server cannot start
     */
    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /**
     * Runs the example and prints to {@code out}.
     *
     * @param out where to print
     * @return the connections per registered server, as the fleet counted them
     * @throws Exception if Redis or a server cannot start
     */
    public static Map<String, Integer> run(PrintStream out) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("save \"\"").setting("appendonly no").build();
        redis.start();
        List<TestWebSocketServer> servers = new ArrayList<>();
        try {
            String uri = "redis://127.0.0.1:" + port;
            for (int i = 0; i < 3; i++) {
                servers.add(TestWebSocketServer.start());
            }
            // the server side: each WebSocket server registers itself (here all three from one fleet handle)
            try (RedisFleet registrar = RedisFleet.connect(uri)) {
                for (int i = 0; i < servers.size(); i++) {
                    registrar.registerServer("echo-" + (i + 1), servers.get(i).uri(), 1);
                }
                // registerServer returns once the record is in Redis: an instance connecting now starts with all three
                Map<String, Integer> counts = runInstances(uri, servers, out);
                out.println("servers hold: " + servers.stream().map(s -> s.openConnections()).toList());
                return counts;
            }
        } finally {
            servers.forEach(TestWebSocketServer::close);
            redis.stop();
        }
    }

    private static Map<String, Integer> runInstances(String uri, List<TestWebSocketServer> servers, PrintStream out)
            throws Exception {
        List<RedisFleet> fleets = new ArrayList<>();
        List<WebSocketPool> pools = new ArrayList<>();
        try {
            for (int i = 1; i <= 2; i++) {
                RedisFleet fleet = RedisFleet.connect(uri);
                fleets.add(fleet);
                pools.add(WebSocketPools.builder()
                        .name("app")
                        .fleet(fleet)
                        .endpointResolver(fleet.servers())
                        .strategy(Strategies.fleetLeastConnections())
                        .pooling(true).minConnections(3)
                        .build());
                waitFor(() -> fleet.stats().totalConnections() == pools.size() * 3, Duration.ofSeconds(10));
            }
            FleetStats stats = fleets.get(0).stats();
            Map<String, Integer> perServer = new TreeMap<>(stats.connectionsPerServer());
            out.println("instances: " + stats.liveInstances() + ", connections: " + stats.totalConnections());
            out.println("per server (fleet's count): " + perServer);
            return perServer;
        } finally {
            for (WebSocketPool p : pools) {
                p.close();
            }
            for (RedisFleet f : fleets) {
                f.close();
            }
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, Duration atMost) throws IOException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the fleet did not settle within " + atMost);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }
}

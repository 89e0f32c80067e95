package io.github.wspool.core.fleet;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import redis.embedded.RedisServer;

/**
 * A real {@code redis-server} (the binary embedded-redis ships) on a loopback port, for the fleet tests: no
 * persistence, stoppable and restartable on the same port, with a plain Lettuce connection for looking at the keys.
 */
final class TestRedis implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TestRedis.class);

    private final int port;
    private final String[] extra;
    private String password;
    private RedisServer server;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    private TestRedis(int port, String... extra) {
        this.port = port;
        this.extra = extra;
    }

    static TestRedis start(String... settings) {
        return startOn(freePort(), settings);
    }

    static TestRedis startOn(int port, String... settings) {
        TestRedis r = new TestRedis(port, settings);
        r.startServer();
        return r;
    }

    /** With {@code requirepass}: the URIs carry the password. */
    static TestRedis startWithPassword(int port, String password) {
        TestRedis r = new TestRedis(port, "requirepass " + password);
        r.password = password;
        r.startServer();
        return r;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://" + (password != null ? ":" + password + "@" : "") + "127.0.0.1:" + port;
    }

    /** Starts (or restarts, empty) the server on its port. */
    void startServer() {
        try {
            var b = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                    .setting("save \"\"").setting("appendonly no")
                    .soutListener(line -> LOG.warn("redis-server:{} {}", port, line))
                    .serrListener(line -> LOG.warn("redis-server:{} {}", port, line));
            for (String s : extra) {
                b.setting(s);
            }
            server = b.build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server (its data is gone). */
    void stopServer() {
        closeClient();
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A synchronous connection for the test's own reads. */
    synchronized RedisCommands<String, String> commands() {
        if (connection == null || !connection.isOpen()) {
            closeClient();
            client = RedisClient.create(uri());
            connection = client.connect();
        }
        return connection.sync();
    }

    private synchronized void closeClient() {
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            client = null;
            connection = null;
        }
    }

    @Override
    public void close() {
        closeClient();
        try {
            if (server != null && server.isActive()) {
                server.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

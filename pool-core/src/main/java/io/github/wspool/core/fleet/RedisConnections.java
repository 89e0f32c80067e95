package io.github.wspool.core.fleet;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's three connections to Redis, and the only class besides the fleet's own that touches Lettuce's client
 * types: one pipelined connection (auto-flush off: the fleet's thread queues a whole exchange and flushes it once),
 * one direct connection (session loads and {@code stats()}, from callers' threads), one pub/sub connection (registry
 * changes). Lettuce reconnects each by itself with an exponential backoff (100 ms doubling to 5 s) and re-subscribes
 * the pub/sub one; while one is disconnected its commands are rejected at once (never queued), and every command times
 * out after the fleet's command timeout.
 */
final class RedisConnections {

    private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/@]*@");
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password=)[^&#]*");

    private final RedisURI uri;
    private final String masked;
    private final ClientResources resources;
    private final RedisClient client;
    private final String channel;
    private final Consumer<String> onMessage;
    /**
     * Held while connections are opened or closed (network I/O): a lock, not a monitor, so that a virtual thread
     * waiting on Redis under it does not pin its carrier.
     */
    private final ReentrantLock lifecycle = new ReentrantLock();
    private volatile StatefulRedisConnection<String, String> pipelined;
    private volatile StatefulRedisConnection<String, String> direct;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;

    /**
     * @param redisUri  the URI as the application gave it
     * @param timeout   every command's and every connect's timeout
     * @param channel   the registry's change channel to subscribe to
     * @param onMessage told each message on it (on a Lettuce thread; must not block)
     * @throws IllegalArgumentException if Lettuce does not accept the URI (the message masks any password)
     */
    RedisConnections(String redisUri, Duration timeout, String channel, Consumer<String> onMessage) {
        this.masked = mask(redisUri);
        try {
            this.uri = RedisURI.create(redisUri);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a Redis URI Lettuce accepts: " + masked + " ("
                    + mask(String.valueOf(e.getMessage())) + ")");
        }
        uri.setTimeout(timeout);
        this.channel = channel;
        this.onMessage = onMessage;
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(5), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .build());
    }

    /**
     * A Redis URI fit for a log line or an exception: user info and password parameters replaced by {@code ***}.
     *
     * @param redisUri the URI
     * @return the masked form
     */
    static String mask(String redisUri) {
        if (redisUri == null) {
            return "null";
        }
        String s = USER_INFO.matcher(redisUri).replaceAll("***@");
        return PASSWORD_PARAM.matcher(s).replaceAll("$1***");
    }

    /**
     * The URI with its password masked.
     *
     * @return the masked URI
     */
    String maskedUri() {
        return masked;
    }

    /**
     * Opens whatever is not open yet. Blocks up to the timeout per connection; called on the fleet's thread (and once
     * by {@code RedisFleet.connect}).
     *
     * @throws RuntimeException if Redis cannot be reached (the connections opened so far stay)
     */
    void open() {
        lifecycle.lock();
        try {
            openLocked();
        } finally {
            lifecycle.unlock();
        }
    }

    private void openLocked() {
        if (pipelined == null) {
            StatefulRedisConnection<String, String> c = client.connect();
            c.setAutoFlushCommands(false);
            pipelined = c;
        }
        if (direct == null) {
            direct = client.connect();
        }
        if (pubsub == null) {
            StatefulRedisPubSubConnection<String, String> p = client.connectPubSub();
            p.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String ch, String message) {
                    onMessage.accept(message);
                }
            });
            p.sync().subscribe(channel);
            pubsub = p;
        }
    }

    /**
     * Whether all three connections were opened (Lettuce may be reconnecting one of them).
     *
     * @return {@code true} once opened
     */
    boolean opened() {
        return pipelined != null && direct != null && pubsub != null;
    }

    /**
     * The pipelined connection's commands: queue, then {@link #flush()}. Fleet thread only.
     *
     * @return the commands
     * @throws IllegalStateException if not opened
     */
    RedisAsyncCommands<String, String> pipeline() {
        StatefulRedisConnection<String, String> c = pipelined;
        if (c == null) {
            throw new IllegalStateException("not connected to Redis at " + masked);
        }
        return c.async();
    }

    /** Writes everything queued on the pipelined connection, in one flush. */
    void flush() {
        StatefulRedisConnection<String, String> c = pipelined;
        if (c != null) {
            c.flushCommands();
        }
    }

    /**
     * The direct connection's commands (auto-flushed), for any thread.
     *
     * @return the commands
     * @throws IllegalStateException if not opened
     */
    RedisAsyncCommands<String, String> direct() {
        StatefulRedisConnection<String, String> c = direct;
        if (c == null) {
            throw new IllegalStateException("not connected to Redis at " + masked);
        }
        return c.async();
    }

    /**
     * Closes the connections so that the next {@link #open()} connects anew (through Sentinel, to the current master):
     * after a failover left them on a read-only replica.
     */
    void reopen() {
        lifecycle.lock();
        try {
            closeConnections();
        } finally {
            lifecycle.unlock();
        }
    }

    private void closeConnections() {
        for (AutoCloseable c : new AutoCloseable[] {pipelined, direct, pubsub}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.debug("closing a Redis connection to {} failed", masked, e);
                }
            }
        }
        pipelined = null;
        direct = null;
        pubsub = null;
    }

    /** Closes the connections, the client and its threads. */
    void close() {
        lifecycle.lock();
        try {
            closeConnections();
        } finally {
            lifecycle.unlock();
        }
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            log.debug("shutting the Redis client for {} down failed", masked, e);
        }
        try {
            resources.shutdown(0, 2, TimeUnit.SECONDS); // asynchronous: its threads end by themselves within 2 s
        } catch (RuntimeException e) {
            log.debug("shutting the Redis client's threads down failed", e);
        }
    }
}

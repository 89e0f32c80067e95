package io.github.wspool.core.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.TestWebSocketServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one instance costs Redis per exchange, measured by Redis itself ({@code INFO stats}): one pool with 3 servers
 * and 12 connections. The figures are logged (the README quotes them) and bounded: about 7 commands per server plus 1
 * per connection plus a dozen, in one flush.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisFleetTrafficTest extends ClosingTest {

    private static final Logger log = LoggerFactory.getLogger(RedisFleetTrafficTest.class);

    private static long stat(String info, String name) {
        Matcher m = Pattern.compile(name + ":(\\d+)").matcher(info);
        assertTrue(m.find(), name + " in INFO");
        return Long.parseLong(m.group(1));
    }

    @Test
    void commandsAndBytesPerExchange() throws Exception {
        TestRedis redis = closing(TestRedis.start());
        RedisFleet fleet = closing(RedisFleet.connect(redis.uri(), RedisFleetOptions.defaults()
                .exchangePeriod(Duration.ofMillis(100)).heartbeatTtl(Duration.ofSeconds(60))));
        var b = WebSocketPools.builder().name("traffic").fleet(fleet).pooling(true).minConnections(12).maxConnections(12);
        for (int i = 0; i < 3; i++) {
            b.endpoint(closing(TestWebSocketServer.start()).uri());
        }
        WebSocketPool pool = closing(b.build());
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().total() == 12 && fleet.exchanges() > 3);
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> true); // settled states

        String before = redis.commands().info("stats");
        long exchangesBefore = fleet.exchanges();
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.exchanges() >= exchangesBefore + 30);
        String after = redis.commands().info("stats");
        long exchanges = fleet.exchanges() - exchangesBefore;
        double commands = (stat(after, "total_commands_processed") - stat(before, "total_commands_processed") - 1)
                / (double) exchanges;
        double in = (stat(after, "total_net_input_bytes") - stat(before, "total_net_input_bytes")) / (double) exchanges;
        double out = (stat(after, "total_net_output_bytes") - stat(before, "total_net_output_bytes"))
                / (double) exchanges;
        log.warn("fleet traffic per exchange, 1 instance, 3 servers, 12 connections: {} commands, {} bytes to Redis, "
                        + "{} bytes back ({} exchanges measured)", Math.round(commands), Math.round(in),
                Math.round(out), exchanges);
        assertTrue(commands <= 7 * 3 + 12 + 12, "bounded commands per exchange: " + commands);
        assertTrue(in < 8_000, "bounded bytes per exchange: " + in);
        assertTrue(fleet.member("traffic").lastCommands() <= 7 * 3 + 12 + 12);
    }
}

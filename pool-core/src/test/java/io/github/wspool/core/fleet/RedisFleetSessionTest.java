package io.github.wspool.core.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.ChannelMessage;
import io.github.wspool.SessionStore;
import io.github.wspool.Subscription;
import io.github.wspool.SubscriptionListener;
import io.github.wspool.SubscriptionOptions;
import io.github.wspool.SubscriptionState;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.ChannelServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Subscription positions in Redis: a process restarted with the same client id (a new fleet and a new pool of the same
 * name) resumes every channel from the stored position, with the publisher running all along: together the two lives
 * saw every position once, in order. And a store whose Redis is down loads nothing rather than failing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisFleetSessionTest extends ClosingTest {

    private static final class Recorder implements SubscriptionListener {
        final List<Long> positions = new CopyOnWriteArrayList<>();

        @Override
        public void onMessage(ChannelMessage m) {
            positions.add(m.position());
        }
    }

    private WebSocketPool pool(RedisFleet fleet, ChannelServer server) {
        return WebSocketPools.builder().name("resuming-app").endpoint(server.uri()).pooling(true)
                .sessionStore(fleet.sessionStore("client-7")).build();
    }

    @Test
    void aRestartedProcessResumesEveryChannelWithoutGapOrDuplicate() throws Exception {
        TestRedis redis = closing(TestRedis.start());
        ChannelServer.Farm farm = new ChannelServer.Farm(100_000);
        ChannelServer server = closing(ChannelServer.start(farm));
        List<String> channels = List.of("quotes", "trades", "news");
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
        closing(publisher::shutdownNow);
        publisher.scheduleAtFixedRate(() -> channels.forEach(farm::publish), 0, 5, TimeUnit.MILLISECONDS);

        // first life
        RedisFleet fleet1 = RedisFleet.connect(redis.uri(), RedisFleetRegistryTest.fast());
        WebSocketPool pool1 = pool(fleet1, server);
        List<Recorder> first = new ArrayList<>();
        List<Subscription> subs = new ArrayList<>();
        for (String ch : channels) {
            Recorder r = new Recorder();
            first.add(r);
            subs.add(pool1.subscribe(ch, SubscriptionOptions.defaults().since(0), r));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> first.stream().allMatch(r -> r.positions.size() > 100));
        pool1.close();
        fleet1.close(); // writes the positions behind it
        assertTrue(subs.stream().allMatch(s -> s.state() == SubscriptionState.CLOSED));

        // second life, same client id and pool name, the publisher still running
        RedisFleet fleet2 = closing(RedisFleet.connect(redis.uri(), RedisFleetRegistryTest.fast()));
        WebSocketPool pool2 = closing(pool(fleet2, server));
        List<Recorder> second = new ArrayList<>();
        for (String ch : channels) {
            Recorder r = new Recorder();
            second.add(r);
            pool2.subscribe(ch, r); // no start position: resumes from the stored one
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> second.stream().allMatch(r -> r.positions.size() > 100));
        publisher.shutdown();
        assertTrue(publisher.awaitTermination(5, TimeUnit.SECONDS));
        for (int i = 0; i < channels.size(); i++) {
            long last = farm.last(channels.get(i));
            Recorder r = second.get(i);
            await().atMost(Duration.ofSeconds(10)).until(() -> !r.positions.isEmpty()
                    && r.positions.get(r.positions.size() - 1) == last);
            List<Long> both = new ArrayList<>(first.get(i).positions);
            both.addAll(r.positions);
            assertEquals(LongStream.rangeClosed(1, last).boxed().collect(Collectors.toList()), both,
                    channels.get(i) + ": every position once, in order, across the restart");
        }
    }

    @Test
    void aStoreWhoseRedisIsDownLoadsNothingAndNeverBlocksSaves() throws Exception {
        TestRedis redis = closing(TestRedis.start());
        RedisFleet fleet = closing(RedisFleet.connect(redis.uri(),
                RedisFleetRegistryTest.fast().commandTimeout(Duration.ofMillis(200))));
        SessionStore store = fleet.sessionStore("client-9");
        store.save("p", "ch", 41);
        await().atMost(Duration.ofSeconds(3))
                .until(() -> "41".equals(redis.commands().hget("wspool:client:client-9:sessions", "p/ch")));
        redis.stopServer();
        long t0 = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            store.save("p", "ch", 42 + i); // coalesced in memory
        }
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 1_000, "saves never wait on Redis");
        assertEquals(OptionalLong.of(10_041), store.load("p", "ch"), "a pending position answers from memory");
        assertEquals(OptionalLong.empty(), store.load("p", "other"), "Redis down: nothing stored, a WARN");
        redis.startServer();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "10041".equals(redis.commands().hget("wspool:client:client-9:sessions", "p/ch")));
    }
}

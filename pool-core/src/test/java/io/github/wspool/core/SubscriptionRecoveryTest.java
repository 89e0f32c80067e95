package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.ChannelMessage;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PoolException;
import io.github.wspool.PoolListener;
import io.github.wspool.Subscription;
import io.github.wspool.SubscriptionListener;
import io.github.wspool.SubscriptionOptions;
import io.github.wspool.SubscriptionRefusedException;
import io.github.wspool.SubscriptionState;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.SubscriptionEvent;
import io.github.wspool.testkit.ChannelServer;
import io.github.wspool.testkit.FaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Subscriptions against a real server farm ({@link ChannelServer}) through a real fault proxy: the listener sees every
 * position once and in order while the carrying connections are killed, a hole the server cannot fill is reported
 * exactly, a refusal closes the subscription, and a connection's lifetime moves it without a gap.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SubscriptionRecoveryTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<SubscriptionEvent> events = new CopyOnWriteArrayList<>();
    private WebSocketPool pool;

    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder()
                .listener(new PoolListener() {
                    @Override
                    public void onSubscription(SubscriptionEvent event) {
                        events.add(event);
                    }
                });
    }

    @AfterEach
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
            assertEquals(0, pool.stats().total(), "nothing of the pool left open");
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T resource) {
        toClose.add(resource);
        return resource;
    }

    /** Records what a listener got, per channel. */
    static final class Recorder implements SubscriptionListener {
        final List<Long> positions = new CopyOnWriteArrayList<>();
        final List<long[]> gaps = new CopyOnWriteArrayList<>();
        final AtomicReference<PoolException> closedBy = new AtomicReference<>();

        @Override
        public void onMessage(ChannelMessage m) {
            assertEquals("{\"n\":" + m.position() + "}", m.payload(), "the payload as the server wrote it");
            positions.add(m.position());
        }

        @Override
        public void onGap(String channel, long from, long to) {
            gaps.add(new long[] {from, to});
        }

        @Override
        public void onClosed(String channel, PoolException cause) {
            closedBy.set(cause);
        }
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().collect(Collectors.toList());
    }

    @Test
    void everyMessageOnceAndInOrderWhileTheConnectionsAreKilledEvery300ms() throws Exception {
        ChannelServer.Farm farm = new ChannelServer.Farm(10_000);
        ChannelServer server = closing(ChannelServer.start(farm));
        FaultProxy proxy = closing(FaultProxy.to(server.port()));
        pool = pools().name("subs-kill").endpoint(proxy.uri("/channels")).pooling(true).maxConnections(4)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .build();
        int channels = 10;
        Map<String, Recorder> received = new ConcurrentHashMap<>();
        List<Subscription> subs = new ArrayList<>();
        for (int i = 0; i < channels; i++) {
            Recorder r = new Recorder();
            received.put("ch" + i, r);
            subs.add(pool.subscribe("ch" + i, SubscriptionOptions.defaults().since(0), r));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> subs.stream().allMatch(s -> s.state() == SubscriptionState.ACTIVE));

        ScheduledExecutorService load = Executors.newScheduledThreadPool(2);
        AtomicInteger kills = new AtomicInteger();
        try {
            // 1,000 messages a second over 10 channels; the carrying connections killed every 300 ms (FIN, then RST)
            load.scheduleAtFixedRate(() -> {
                for (int i = 0; i < channels; i++) {
                    farm.publish("ch" + i);
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
            load.scheduleAtFixedRate(() -> {
                if (kills.incrementAndGet() % 2 == 0) {
                    proxy.resetAll();
                } else {
                    proxy.closeAll();
                }
            }, 300, 300, TimeUnit.MILLISECONDS);
            load.schedule(load::shutdown, 20, TimeUnit.SECONDS); // the load phase: 20 s, then the periodic tasks stop
            assertTrue(load.awaitTermination(30, TimeUnit.SECONDS));
        } finally {
            load.shutdownNow();
            assertTrue(load.awaitTermination(5, TimeUnit.SECONDS));
        }

        for (int i = 0; i < channels; i++) {
            String channel = "ch" + i;
            long last = farm.last(channel);
            Subscription sub = subs.get(i);
            await().atMost(Duration.ofSeconds(30)).until(() -> sub.position() == last);
            assertEquals(range(1, last), received.get(channel).positions,
                    channel + ": every position from 1 to " + last + " once, in order");
            assertEquals(List.of(), received.get(channel).gaps, channel + ": no gap");
        }
        assertTrue(farm.last("ch0") >= 1_000, "the publisher ran: " + farm.last("ch0"));
        assertTrue(kills.get() >= 60, "the connections were killed: " + kills.get());
        // (a connection killed within 2 s of its handshake counts as a failed connect, so the pool backs off from
        // this flapping endpoint: fewer recoveries than kills, and each one a replay from the last position)
        for (Subscription sub : subs) {
            assertTrue(sub.recoveries() >= 2, sub.channel() + " was recovered by the server: " + sub.recoveries());
        }
        assertTrue(events.stream().anyMatch(e -> e.kind() == SubscriptionEvent.Kind.RECOVERING));
    }

    @Test
    void aHoleTheServerCannotFillIsReportedExactly() throws Exception {
        ChannelServer.Farm farm = new ChannelServer.Farm(50);
        ChannelServer server = closing(ChannelServer.start(farm));
        FaultProxy proxy = closing(FaultProxy.to(server.port()));
        pool = pools().name("subs-gap").endpoint(proxy.uri("/channels")).pooling(true)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .build();
        Recorder r = new Recorder();
        Subscription sub = pool.subscribe("g", SubscriptionOptions.defaults().since(0), r);
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.ACTIVE);
        for (int i = 0; i < 10; i++) {
            farm.publish("g");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.position() == 10);

        proxy.mode(FaultProxy.Mode.REFUSE);
        proxy.closeAll();
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.RECOVERING);
        for (int i = 0; i < 200; i++) {
            farm.publish("g"); // 11..210; the history keeps 161..210
        }
        proxy.mode(FaultProxy.Mode.FORWARD);

        await().atMost(Duration.ofSeconds(30)).until(() -> sub.position() == 210);
        List<Long> expected = range(1, 10);
        expected.addAll(range(161, 210));
        assertEquals(expected, r.positions, "what the server still had, once and in order");
        assertEquals(1, r.gaps.size(), "one hole");
        assertEquals(11, r.gaps.get(0)[0], "the hole starts after the last delivered position");
        assertEquals(160, r.gaps.get(0)[1], "and ends before the oldest position the server still had");
        assertEquals(0, sub.recoveries(), "the server said it could not recover");
        List<SubscriptionEvent> gaps = events.stream().filter(e -> e.kind() == SubscriptionEvent.Kind.GAP).toList();
        assertEquals(1, gaps.size());
        assertEquals(11, gaps.get(0).gapFrom());
        assertEquals(160, gaps.get(0).gapTo());
        Map<String, String> resubscribe = server.subscribes().get(server.subscribes().size() - 1);
        assertEquals("10", resubscribe.get("since"), "re-subscribed from the last delivered position");
    }

    @Test
    void aRefusedSubscriptionIsClosedAndSaysWhy() {
        ChannelServer.Farm farm = new ChannelServer.Farm(100);
        farm.refuse("secret");
        ChannelServer server = closing(ChannelServer.start(farm));
        pool = pools().name("subs-refused").endpoint(server.uri()).build();
        Recorder r = new Recorder();
        Subscription sub = pool.subscribe("secret", r);
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.CLOSED);
        SubscriptionRefusedException refusal = assertInstanceOf(SubscriptionRefusedException.class, r.closedBy.get());
        assertEquals("secret", refusal.channel());
        assertEquals("{\"reason\":\"forbidden\"}", refusal.error());
        assertTrue(refusal.getMessage().contains("refused the subscription to channel 'secret'"), refusal.getMessage());
        assertTrue(events.stream().anyMatch(e -> e.kind() == SubscriptionEvent.Kind.REFUSED
                && e.channel().equals("secret")));
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().active() == 0); // its carrier was released
    }

    @Test
    void aConnectionPastItsLifetimeHandsItsSubscriptionsOnWithoutAGap() throws Exception {
        ChannelServer.Farm farm = new ChannelServer.Farm(10_000);
        ChannelServer server = closing(ChannelServer.start(farm));
        pool = pools().name("subs-lifetime").endpoint(server.uri()).pooling(true)
                .maxLifetime(Duration.ofMillis(1500))
                .build();
        Recorder r = new Recorder();
        Subscription sub = pool.subscribe("life", SubscriptionOptions.defaults().since(0), r);
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.ACTIVE);
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        try {
            load.scheduleAtFixedRate(() -> farm.publish("life"), 0, 5, TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.openedConnections() >= 3
                    && sub.recoveries() >= 2);
        } finally {
            load.shutdownNow();
            assertTrue(load.awaitTermination(5, TimeUnit.SECONDS));
        }
        long last = farm.last("life");
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.position() == last);
        assertEquals(range(1, last), r.positions, "once and in order across the hand-overs");
        assertTrue(events.stream().noneMatch(e -> e.kind() == SubscriptionEvent.Kind.RECOVERING),
                "a planned hand-over is not a recovery: the subscription stayed ACTIVE");
        assertTrue(events.stream().anyMatch(e -> e.kind() == SubscriptionEvent.Kind.RESUBSCRIBED && e.recovered()));
        assertEquals(SubscriptionState.ACTIVE, sub.state());
    }

    @Test
    void closeUnsubscribesAndReleasesTheConnection() {
        ChannelServer.Farm farm = new ChannelServer.Farm(100);
        ChannelServer server = closing(ChannelServer.start(farm));
        pool = pools().name("subs-close").endpoint(server.uri()).pooling(true).build();
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        Subscription sa = pool.subscribe("a", a);
        Subscription sb = pool.subscribe("b", b);
        assertThrows(IllegalStateException.class, () -> pool.subscribe("a", new Recorder()),
                "one open subscription per channel");
        assertThrows(IllegalArgumentException.class, () -> pool.subscribe(" ", new Recorder()));
        await().atMost(Duration.ofSeconds(10)).until(() -> sa.state() == SubscriptionState.ACTIVE
                && sb.state() == SubscriptionState.ACTIVE);
        assertEquals(1, pool.stats().active(), "both channels on one connection");
        assertEquals(2, pool.control().subscriptions(SubscriptionState.ACTIVE));

        farm.publish("a");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.positions.size() == 1);
        sa.close();
        assertEquals(SubscriptionState.CLOSED, sa.state());
        farm.publish("a");
        farm.publish("b");
        await().atMost(Duration.ofSeconds(5)).until(() -> b.positions.size() == 1);
        assertEquals(List.of(1L), a.positions, "nothing after close");
        sb.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().active() == 0);
        assertTrue(a.closedBy.get() == null, "an application's close is not reported as a failure");

        Recorder c = new Recorder();
        Subscription sc = pool.subscribe("c", c);
        await().atMost(Duration.ofSeconds(10)).until(() -> sc.state() == SubscriptionState.ACTIVE);
        pool.close();
        assertEquals(SubscriptionState.CLOSED, sc.state());
        assertInstanceOf(PoolClosedException.class, c.closedBy.get());
        assertThrows(PoolClosedException.class, () -> pool.subscribe("d", new Recorder()));
    }
}

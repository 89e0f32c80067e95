package io.github.wspool.core.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.ChannelMessage;
import io.github.wspool.SessionStore;
import io.github.wspool.SubscriptionListener;
import io.github.wspool.SubscriptionState;
import io.github.wspool.core.SessionStores;
import io.github.wspool.core.SubscriptionProtocols;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.event.SubscriptionEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A subscription's admission of data, without a connection: duplicates dropped, holes reported as a gap before the
 * message after them, delivery once and in order to a listener that is never called concurrently, the store and
 * {@link PoolSubscription#position()} following what the listener returned from.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolSubscriptionTest {

    private final SessionStore store = SessionStores.inMemory();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final Subscriptions owner = new Subscriptions("unit", new SessionSettings(SubscriptionProtocols.json(),
            store, Duration.ofSeconds(10), null, Duration.ofMillis(10), Duration.ofSeconds(1), null,
            Duration.ofSeconds(10)), key -> new CompletableFuture<>(), new PoolScheduler() {
                @Override
                public Cancellable schedule(Runnable task, long delayNanos) {
                    return () -> { };
                }

                @Override
                public void shutdown(long timeoutNanos) {
                }
            }, new PoolEvents() {
                @Override
                public void subscription(String channel, SubscriptionEvent.Kind kind, String connectionId,
                                         long position, boolean recovered, long gapFrom, long gapTo) {
                    events.add(kind + " " + channel + " " + connectionId + " " + position
                            + (kind == SubscriptionEvent.Kind.GAP ? " " + gapFrom + ".." + gapTo : ""));
                }
            });

    /** What the listener saw, in order: "m<position>:<payload>" and "gap <from>..<to>". */
    static final class Recorder implements SubscriptionListener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onMessage(ChannelMessage message) {
            seen.add("m" + message.position() + ":" + message.payload());
        }

        @Override
        public void onGap(String channel, long from, long to) {
            seen.add("gap " + from + ".." + to);
        }
    }

    private PoolSubscription subscription(long start, SubscriptionListener listener) {
        return new PoolSubscription("ch", "", start, listener, owner);
    }

    @Test
    void withoutAStartTheFirstMessageIsNoGapThenDuplicatesAreDroppedAndHolesReported() {
        Recorder r = new Recorder();
        PoolSubscription sub = subscription(-1, r);
        assertEquals(-1, sub.position());
        assertEquals(OptionalLong.empty(), sub.since(), "nothing accepted yet: a first subscribe has no since");

        sub.offer(5, "{\"n\":5}", "c-1"); // the live stream starts wherever it is
        sub.offer(6, "6", "c-1");
        sub.offer(6, "6 again", "c-2");   // the successor's replay
        sub.offer(5, "5 again", "c-2");
        sub.offer(7, "7", "c-2");
        sub.offer(10, "10", "c-2");       // 8 and 9 never came
        sub.offer(9, "9 late", "c-1");    // behind the last accepted: a duplicate, not a reordering
        sub.offer(11, "11", "c-2");

        assertEquals(List.of("m5:{\"n\":5}", "m6:6", "m7:7", "gap 8..9", "m10:10", "m11:11"), r.seen);
        assertEquals(11, sub.position());
        assertEquals(OptionalLong.of(11), sub.since());
        assertEquals(OptionalLong.of(11), store.load("unit", "ch"), "the store follows delivery");
        assertEquals(List.of("DUPLICATE_DROPPED ch c-2 6", "DUPLICATE_DROPPED ch c-2 5", "GAP ch c-2 7 8..9",
                "DUPLICATE_DROPPED ch c-1 9"), events);
    }

    @Test
    void aStartPositionMakesAHoleBeforeTheFirstMessageAGap() {
        Recorder r = new Recorder();
        PoolSubscription sub = subscription(10, r);
        assertEquals(10, sub.position());
        assertEquals(OptionalLong.of(10), sub.since());
        sub.offer(10, "10", "c-1"); // already had
        sub.offer(3, "3", "c-1");
        sub.offer(13, "13", "c-1"); // 11, 12 are gone from the server's history
        sub.offer(14, "14", "c-1");
        assertEquals(List.of("gap 11..12", "m13:13", "m14:14"), r.seen);

        Recorder fromZero = new Recorder();
        PoolSubscription zero = new PoolSubscription("z", "", 0, fromZero, owner);
        zero.offer(1, "1", "c-1");
        zero.offer(2, "2", "c-1");
        assertEquals(List.of("m1:1", "m2:2"), fromZero.seen, "since(0): 1 is the next position, no gap");

        Recorder late = new Recorder();
        PoolSubscription lateStart = new PoolSubscription("l", "", 0, late, owner);
        lateStart.offer(5, "5", "c-1");
        assertEquals(List.of("gap 1..4", "m5:5"), late.seen);
    }

    @Test
    void aListenerThatThrowsStillAdvancesThePosition() {
        List<Long> seen = new ArrayList<>();
        PoolSubscription sub = subscription(-1, m -> {
            seen.add(m.position());
            if (m.position() == 2) {
                throw new IllegalStateException("boom");
            }
        });
        sub.offer(1, "1", "c-1");
        sub.offer(2, "2", "c-1");
        sub.offer(3, "3", "c-1");
        sub.offer(2, "2", "c-2");
        assertEquals(List.of(1L, 2L, 3L), seen);
        assertEquals(3, sub.position());
    }

    @Test
    void nothingIsDeliveredOnceClosed() {
        Recorder r = new Recorder();
        PoolSubscription sub = subscription(-1, r);
        sub.offer(1, "1", "c-1");
        assertTrue(sub.markClosed());
        assertFalse(sub.markClosed(), "once");
        sub.offer(2, "2", "c-1");
        assertEquals(List.of("m1:1"), r.seen);
        assertEquals(SubscriptionState.CLOSED, sub.state());
        assertEquals(null, sub.acknowledged(true), "a closed subscription takes no acknowledgement");
    }

    @Test
    void acknowledgementsCountRecoveriesOnlyOnAReSubscribe() {
        PoolSubscription sub = subscription(-1, new Recorder());
        assertEquals(SubscriptionState.SUBSCRIBING, sub.state());
        assertEquals(Boolean.TRUE, sub.acknowledged(true), "the first acknowledgement");
        assertEquals(SubscriptionState.ACTIVE, sub.state());
        assertEquals(0, sub.recoveries(), "a first subscribe is no recovery, even when the server says recovered");
        assertEquals(SubscriptionState.ACTIVE, sub.moveTo(SubscriptionState.RECOVERING));
        assertEquals(Boolean.FALSE, sub.acknowledged(true));
        assertEquals(1, sub.recoveries());
        assertEquals(Boolean.FALSE, sub.acknowledged(false));
        assertEquals(1, sub.recoveries(), "an acknowledgement that could not replay is no recovery");
    }

    @Test
    void twoConnectionsReplayingTheSameStreamDeliverEachPositionOnceInOrderOneCallAtATime() throws Exception {
        int n = 5_000;
        AtomicBoolean inside = new AtomicBoolean();
        AtomicInteger overlaps = new AtomicInteger();
        List<Long> seen = new ArrayList<>(); // the listener is never called concurrently: a plain list will do
        List<String> gaps = new CopyOnWriteArrayList<>();
        PoolSubscription sub = subscription(0, new SubscriptionListener() {
            @Override
            public void onMessage(ChannelMessage m) {
                if (!inside.compareAndSet(false, true)) {
                    overlaps.incrementAndGet();
                }
                seen.add(m.position());
                inside.set(false);
            }

            @Override
            public void onGap(String channel, long from, long to) {
                gaps.add(from + ".." + to);
            }
        });
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> connections = new ArrayList<>();
        for (String id : List.of("old", "new")) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (long p = 1; p <= n; p++) { // each connection delivers its stream in order
                    sub.offer(p, Long.toString(p), id);
                }
            }, "connection-" + id);
            t.start();
            connections.add(t);
        }
        go.countDown();
        for (Thread t : connections) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertEquals(n, sub.position());
        assertEquals(0, overlaps.get(), "the listener was never called concurrently");
        assertEquals(List.of(), gaps, "two in-order streams leave no hole");
        synchronized (seen) {
            assertEquals(n, seen.size(), "each position once");
            for (int i = 0; i < n; i++) {
                if (seen.get(i) != i + 1) {
                    assertEquals(i + 1, seen.get(i), "in order at index " + i);
                }
            }
        }
        long duplicates = events.stream().filter(e -> e.startsWith("DUPLICATE_DROPPED")).count();
        assertEquals(n, duplicates, "every position came twice and was dropped once");
        assertEquals(OptionalLong.of(n), store.load("unit", "ch"));
    }
}

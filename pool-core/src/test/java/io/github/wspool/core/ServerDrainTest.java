package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.InboundMessage;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.Subscription;
import io.github.wspool.SubscriptionOptions;
import io.github.wspool.SubscriptionState;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.testkit.ChannelServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server's notice that it is going away, honoured: the drain signal and the close codes 1001/1012/1013 take its
 * endpoint out of rotation at once, holders finish, the pool closes the connections itself, and a rolling restart of
 * three servers under load loses no acquire, send, request or subscription message.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServerDrainTest {

    static final Predicate<InboundMessage> SHUTDOWN_NOTICE =
            m -> m.isText() && m.text().contains("\"type\":\"server:shutdown\"");

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<RecycleEvent> recycles = new CopyOnWriteArrayList<>();
    private WebSocketPool pool;

    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder().listener(new PoolListener() {
            @Override
            public void onRecycle(RecycleEvent event) {
                recycles.add(event);
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

    private ChannelServer server(ChannelServer.Farm farm) {
        ChannelServer s = ChannelServer.start(farm);
        toClose.add(s);
        return s;
    }

    private static PooledConnection leaseOn(WebSocketPool pool, URI endpoint, List<PooledConnection> others) {
        for (int i = 0; i < 20; i++) {
            PooledConnection c = pool.acquire(Duration.ofSeconds(5));
            if (c.endpoint().uri().equals(endpoint)) {
                return c;
            }
            others.add(c);
        }
        throw new AssertionError("no lease on " + endpoint + " in 20 acquires");
    }

    @Test
    void theDrainSignalTakesTheServerOutOfRotationBeforeAnyHandlerSeesItAndThePoolClosesItsConnections() {
        ChannelServer.Farm farm = new ChannelServer.Farm(100);
        ChannelServer a = server(farm);
        ChannelServer b = server(farm);
        List<String> leasedWhileNotified = new CopyOnWriteArrayList<>();
        AtomicBoolean notified = new AtomicBoolean();
        AtomicReferenceHolder holder = new AtomicReferenceHolder();
        pool = pools().name("drain-signal").endpoint(a.uri()).endpoint(b.uri()).pooling(true).minConnections(4)
                .maxConnections(8).drainSignal(SHUTDOWN_NOTICE).drainHoldOff(Duration.ofSeconds(30))
                .onMessage(m -> {
                    if (SHUTDOWN_NOTICE.test(m) && notified.compareAndSet(false, true)) {
                        // the first handler to see the notice: the server must already be out of rotation
                        for (int i = 0; i < 6; i++) {
                            try (PooledConnection c = holder.pool.acquire(Duration.ofSeconds(5))) {
                                leasedWhileNotified.add(c.endpoint().uri().toString());
                            }
                        }
                    }
                })
                .build();
        holder.pool = pool;
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().idle() == 4);
        List<PooledConnection> others = new ArrayList<>();
        PooledConnection held = leaseOn(pool, a.uri(), others);
        others.forEach(PooledConnection::close);

        a.shutdownNotice();
        await().atMost(Duration.ofSeconds(10)).until(() -> leasedWhileNotified.size() == 6);
        assertEquals(6, leasedWhileNotified.stream().filter(u -> u.equals(b.uri().toString())).count(),
                "every lease after the notice on the other server: " + leasedWhileNotified);

        // the holder finishes on the draining server: its lease still works
        assertEquals("{\"type\":\"echo\",\"messageId\":\"h1\"}",
                held.request("{\"type\":\"echo\",\"messageId\":\"h1\"}", Duration.ofSeconds(5)).join());
        assertTrue(a.openConnections() >= 1, "the held connection is still open");
        held.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.openConnections() == 0);
        assertTrue(a.closes().stream().allMatch(c -> c.endsWith("by client")),
                "the pool closed them itself, the server closed none: " + a.closes());
        assertTrue(recycles.stream().anyMatch(r -> r.reason() == RecycleReason.SERVER_DRAIN));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.openConnections() >= 4); // the minimum, elsewhere
    }

    /** Lets the handler reach the pool built after it. */
    static final class AtomicReferenceHolder {
        volatile WebSocketPool pool;
    }

    @Test
    void aCloseWith1012IsADrainNoticeForTheWholeServerUntilTheHoldOffPasses() {
        ChannelServer.Farm farm = new ChannelServer.Farm(100);
        ChannelServer a = server(farm);
        ChannelServer b = server(farm);
        pool = pools().name("drain-1012").endpoint(a.uri()).endpoint(b.uri()).pooling(true).minConnections(4)
                .drainHoldOff(Duration.ofSeconds(4)).build(); // room for the ten acquires below on a loaded machine
        await().atMost(Duration.ofSeconds(10)).until(() -> a.openConnections() == 2 && b.openConnections() == 2);
        List<PooledConnection> others = new ArrayList<>();
        PooledConnection held = leaseOn(pool, a.uri(), others);
        others.forEach(PooledConnection::close);

        // one connection closed with 1012: the server is restarting, so its other connection retires too
        a.closes().clear();
        held.close();
        a.closeAll(1012);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.openConnections() == 0);
        // and the pool has read both closes (the server's count drops when it has sent them, a moment earlier)
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.control().endpoints().stream()
                .filter(e -> e.uri().equals(a.uri())).allMatch(e -> e.open() == 0));
        for (int i = 0; i < 10; i++) {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                assertEquals(b.uri(), c.endpoint().uri(), "no lease on the restarting server during the hold-off");
            }
        }
        // after the hold-off it serves again
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                return c.endpoint().uri().equals(a.uri());
            }
        });
    }

    @Test
    void aDrainWithNoOtherServerKeepsServing() {
        ChannelServer.Farm farm = new ChannelServer.Farm(100);
        ChannelServer a = server(farm);
        pool = pools().name("drain-alone").endpoint(a.uri()).pooling(true).minConnections(1)
                .drainSignal(SHUTDOWN_NOTICE).build();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().idle() == 1);
        a.shutdownNotice();
        await().atMost(Duration.ofSeconds(10)).until(() -> recycles.stream()
                .anyMatch(r -> r.reason() == RecycleReason.SERVER_DRAIN));
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            assertEquals("{\"messageId\":\"x\"}", c.request("{\"messageId\":\"x\"}", Duration.ofSeconds(5)).join(),
                    "the only server still serves while it drains");
        }
    }

    @Test
    void aRollingRestartOfThreeServersUnderLoadLosesNothing() throws Exception {
        ChannelServer.Farm farm = new ChannelServer.Farm(100_000);
        ChannelServer[] servers = {server(farm), server(farm), server(farm)};
        pool = pools().name("rolling").endpoint(servers[0].uri()).endpoint(servers[1].uri())
                .endpoint(servers[2].uri()).pooling(true).minConnections(3).maxConnections(12)
                .drainSignal(SHUTDOWN_NOTICE).drainHoldOff(Duration.ofSeconds(2))
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .build();
        int channels = 5;
        List<Subscription> subs = new ArrayList<>();
        List<SubscriptionRecoveryTest.Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < channels; i++) {
            SubscriptionRecoveryTest.Recorder r = new SubscriptionRecoveryTest.Recorder();
            recorders.add(r);
            subs.add(pool.subscribe("r" + i, SubscriptionOptions.defaults().since(0), r));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> subs.stream().allMatch(s -> s.state() == SubscriptionState.ACTIVE));

        AtomicBoolean running = new AtomicBoolean(true);
        long t0 = System.nanoTime() / 1_000_000;
        List<String> steps = new CopyOnWriteArrayList<>();
        AtomicLong requests = new AtomicLong();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        ExecutorService load = Executors.newFixedThreadPool(4);
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger ids = new AtomicInteger();
        try {
            publisher.scheduleAtFixedRate(() -> {
                for (int i = 0; i < channels; i++) {
                    farm.publish("r" + i);
                }
            }, 0, 5, TimeUnit.MILLISECONDS);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                workers.add(load.submit(() -> {
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a bound; stopped long before
                    while (running.get() && System.nanoTime() < end) {
                        PooledConnection lease = null;
                        String m = "{\"type\":\"echo\",\"messageId\":\"q" + ids.incrementAndGet() + "\"}";
                        long started = System.nanoTime();
                        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                            lease = c;
                            c.sendAsync("{\"type\":\"ping\"}").join();
                            assertEquals(m, c.request(m, Duration.ofSeconds(5)).join());
                            requests.incrementAndGet();
                        } catch (Throwable e) {
                            String id = m.substring(m.indexOf("\"q") + 1, m.length() - 2);
                            failures.add(new AssertionError("on " + (lease == null ? "no lease" : lease.id() + " to "
                                    + lease.endpoint().uri()) + ", started " + (started / 1_000_000 - t0) + " ms into"
                                    + " the test, " + e + "; the server received it: " + Arrays.stream(servers)
                                    .anyMatch(s -> s.received(id)) + "; steps " + steps + "; "
                                    + Arrays.toString(servers) + "; " + poolThreads(), e));
                        }
                    }
                }));
            }
            for (int i = 0; i < 3; i++) {
                ChannelServer s = servers[i];
                steps.add("drain " + s.port() + " at " + (System.nanoTime() / 1_000_000 - t0));
                long before = requests.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> requests.get() > before + 50); // under load
                s.shutdownNotice();
                // the pool moves everything off it and closes its connections itself
                await().atMost(Duration.ofSeconds(10)).until(() -> s.openConnections() == 0);
                s.down(true); // the restart: closes with 1001 whatever is still open, refuses handshakes meanwhile
                long whileDown = requests.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> requests.get() > whileDown + 100); // served on
                s.down(false);
                steps.add("up " + s.port() + " at " + (System.nanoTime() / 1_000_000 - t0));
                ChannelServer restarted = s;
                // as an operator would: the next server drains once this one serves again (after the hold-off)
                await().atMost(Duration.ofSeconds(15)).until(() -> restarted.openConnections() > 0);
            }
            running.set(false);
            for (Future<?> w : workers) {
                w.get(30, TimeUnit.SECONDS);
            }
        } finally {
            running.set(false);
            load.shutdownNow();
            publisher.shutdownNow();
            assertTrue(load.awaitTermination(10, TimeUnit.SECONDS));
            assertTrue(publisher.awaitTermination(10, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), failures, "no acquire, send or request failed during the rolling restart");
        assertTrue(requests.get() > 300, "load ran: " + requests.get());
        for (int i = 0; i < channels; i++) {
            long last = farm.last("r" + i);
            Subscription sub = subs.get(i);
            await().atMost(Duration.ofSeconds(20)).until(() -> sub.position() == last);
            assertEquals(LongStream.rangeClosed(1, last).boxed().collect(Collectors.toList()),
                    recorders.get(i).positions, "r" + i + ": every message once, in order");
            assertEquals(List.of(), recorders.get(i).gaps);
        }
        for (ChannelServer s : servers) {
            assertFalse(s.closes().stream().anyMatch(c -> c.startsWith("1001 by server")),
                    "the servers never had to close a connection themselves: " + s.closes());
        }
        assertNotEquals(0, recycles.stream().filter(r -> r.reason() == RecycleReason.SERVER_DRAIN).count());
    }

    /** The pool's threads and where they are, for a failure's message (a stuck I/O thread shows here). */
    private static String poolThreads() {
        StringBuilder b = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().contains("rolling")) {
                b.append("\n  ").append(t.getName()).append(' ').append(t.getState());
                for (int i = 0; i < Math.min(6, stack.length); i++) {
                    b.append("\n    at ").append(stack[i]);
                }
            }
        });
        return b.toString();
    }
}

package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.ConnectionState;
import io.github.wspool.PoolControl;
import io.github.wspool.PoolHealth;
import io.github.wspool.PoolListener;
import io.github.wspool.PoolReconfiguration;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.ReconfigurationEvent;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.strategy.Strategies;
import io.github.wspool.testkit.TestWebSocketServer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The operator's controls (#19) against real servers on loopback: live reconfiguration (resize under load, validation,
 * event and log line), suspend/resume, soft eviction, and the JMX bean.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolOperatorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestWebSocketServer server = TestWebSocketServer.start();
    private final List<ReconfigurationEvent> reconfigurations = new CopyOnWriteArrayList<>();
    private final List<RecycleEvent> recycles = new CopyOnWriteArrayList<>();
    private final List<ConnectEvent> connects = new CopyOnWriteArrayList<>();
    private final PoolListener listener = new PoolListener() {
        @Override
        public void onReconfigured(ReconfigurationEvent event) {
            reconfigurations.add(event);
        }

        @Override
        public void onRecycle(RecycleEvent event) {
            recycles.add(event);
        }

        @Override
        public void onConnect(ConnectEvent event) {
            connects.add(event);
        }
    };
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<WebSocketPool> pools = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        pools.forEach(WebSocketPool::close);
        server.stop();
    }

    private WebSocketPoolBuilder builder(String name) {
        return WebSocketPools.builder().name(name).endpoint(server.uri()).pooling(true).listener(listener);
    }

    private WebSocketPool start(WebSocketPoolBuilder b) {
        WebSocketPool pool = b.build();
        pools.add(pool);
        return pool;
    }

    private static int open(WebSocketPool pool) {
        PoolControl c = pool.control();
        return c.connections(ConnectionState.READY) + c.connections(ConnectionState.IDLE)
                + c.connections(ConnectionState.ACTIVE);
    }

    // ------------------------------------------------------------------------------------------------ resize

    @Test
    void growingMaxUnderEightBlockedAcquirersServesAllEight() throws Exception {
        WebSocketPool pool = start(builder("grow").maxConnections(4).acquireTimeout(Duration.ofSeconds(30)));
        CountDownLatch hold = new CountDownLatch(1);
        AtomicInteger holding = new AtomicInteger();
        List<Future<String>> acquirers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            acquirers.add(threads.submit(() -> {
                try (PooledConnection c = pool.acquire()) {
                    holding.incrementAndGet();
                    c.send("held");
                    assertTrue(hold.await(30, TimeUnit.SECONDS));
                    return c.id();
                }
            }));
        }
        await().atMost(WAIT).until(() -> holding.get() == 4 && pool.control().pendingAcquires() == 4);

        pool.control().reconfigure(PoolReconfiguration.builder().maxConnections(8).build());

        // long before their 30 s timeout: the connects for the waiters start at the resize
        await().atMost(Duration.ofSeconds(5)).until(() -> holding.get() == 8);
        assertEquals(8, pool.control().maxConnections());
        assertEquals(8, pool.stats().active());
        hold.countDown();
        Set<String> ids = new HashSet<>();
        for (Future<String> f : acquirers) {
            ids.add(f.get(10, TimeUnit.SECONDS));
        }
        assertEquals(8, ids.size(), "eight leases at once, each on its own connection");
    }

    @Test
    void shrinkingMaxUnderLoadDropsNoLeaseAndConvergesToTheNewMax() throws Exception {
        WebSocketPool pool = start(builder("shrink").maxConnections(8).acquireTimeout(Duration.ofSeconds(20)));
        // eight leases held at once: all eight connections open and leased
        List<PooledConnection> held = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            held.add(pool.acquire());
        }
        assertEquals(8, open(pool));

        // and six workers cycling through leases meanwhile (waiting while all eight are held)
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger cycles = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            workers.add(threads.submit(() -> {
                while (running.get()) {
                    try (PooledConnection c = pool.acquire()) {
                        c.send("work");
                        assertTrue(c.isOpen(), "a lease is never closed under its holder");
                        cycles.incrementAndGet();
                    } catch (Throwable t) {
                        failures.add(t);
                        return;
                    }
                }
            }));
        }

        pool.control().reconfigure(PoolReconfiguration.builder().maxConnections(3).build());
        assertEquals(3, pool.control().maxConnections());
        // nothing leased is closed by the resize: every held lease still works
        for (PooledConnection c : held) {
            assertTrue(c.isOpen());
            assertEquals(ConnectionState.ACTIVE, c.state());
            c.send("still mine");
        }
        assertEquals(8, open(pool), "leased connections are closed on release, not before");
        for (PooledConnection c : held) {
            c.close();
        }

        int before = cycles.get();
        await().atMost(WAIT).until(() -> cycles.get() > before + 100);
        await().atMost(WAIT).until(() -> pool.stats().total() <= 3);
        int atMax = cycles.get();
        await().atMost(WAIT).until(() -> cycles.get() > atMax + 100); // the workers go on within the new max
        running.set(false);
        for (Future<?> f : workers) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertTrue(failures.isEmpty(), () -> "failed: " + failures);
        assertTrue(pool.stats().total() <= 3, pool.stats().toString());
        assertTrue(recycles.stream().filter(r -> r.reason() == RecycleReason.RESIZED).count() >= 5,
                recycles.toString());
    }

    @Test
    void shrinkingMaxClosesSurplusIdleConnectionsAtOnce() {
        WebSocketPool pool = start(builder("shrink-idle").minConnections(6).maxConnections(8));
        await().atMost(WAIT).until(() -> pool.control().connections(ConnectionState.READY) == 6);

        pool.control().reconfigure(PoolReconfiguration.builder().minConnections(1).maxConnections(2).build());

        await().atMost(WAIT).until(() -> pool.stats().total() == 2);
        assertEquals(4, recycles.stream().filter(r -> r.reason() == RecycleReason.RESIZED).count());
    }

    @Test
    void growingMinRefills() {
        WebSocketPool pool = start(builder("grow-min").minConnections(1).maxConnections(8));
        await().atMost(WAIT).until(() -> open(pool) == 1);
        pool.control().reconfigure(PoolReconfiguration.builder().minConnections(5).build());
        await().atMost(WAIT).until(() -> open(pool) == 5);
        assertEquals(5, pool.control().minConnections());
    }

    @Test
    void anInvalidChangeNamesTheFieldsAndChangesNothing() {
        WebSocketPool pool = start(builder("invalid").minConnections(1).maxConnections(2)
                .acquireTimeout(Duration.ofMillis(300)));
        PoolReconfiguration change = PoolReconfiguration.builder().minConnections(5).acquireTimeout(
                Duration.ofMillis(50)).strategy(Strategies.leastConnections()).build();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pool.control().reconfigure(change));

        assertTrue(e.getMessage().contains("minConnections=5"), e.getMessage());
        assertTrue(e.getMessage().contains("maxConnections=2"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
        assertEquals(1, pool.control().minConnections());
        assertEquals(2, pool.control().maxConnections());
        assertTrue(reconfigurations.isEmpty(), "no event for a change that was refused");
        // the acquire timeout that came with the invalid change was not applied either
        try (PooledConnection a = pool.acquire(); PooledConnection b = pool.acquire()) {
            assertTrue(a.isOpen() && b.isOpen());
            AcquireTimeoutException timeout = assertThrows(AcquireTimeoutException.class, pool::acquire);
            assertEquals(Duration.ofMillis(300), timeout.timeout());
        }
        // a max below the min in force is refused too
        IllegalArgumentException below = assertThrows(IllegalArgumentException.class, () -> pool.control()
                .reconfigure(PoolReconfiguration.builder().maxConnections(0 + 1).minConnections(2).build()));
        assertTrue(below.getMessage().contains("minConnections=2"), below.getMessage());
        assertEquals(2, pool.control().maxConnections());
    }

    @Test
    void aChangeIsReportedAsAnEventAndOneInfoLineWithOldAndNewValues() {
        WebSocketPool pool = start(builder("event").maxConnections(4).acquireTimeout(Duration.ofSeconds(5)));
        try (AllLevelsLogCapture log = new AllLevelsLogCapture("io.github.wspool.core.internal.PoolControlView")) {
            pool.control().reconfigure(PoolReconfiguration.builder().maxConnections(6)
                    .acquireTimeout(Duration.ofMillis(200)).healthCheckInterval(Duration.ofSeconds(7)).build());
            String text = log.text();
            List<String> lines = text.lines().filter(l -> l.contains("reconfigured")).collect(Collectors.toList());
            assertEquals(1, lines.size(), text);
            String line = lines.get(0);
            assertTrue(line.contains("INFO"), line);
            assertTrue(line.contains("maxConnections 4 -> 6"), line);
            assertTrue(line.contains("acquireTimeout PT5S -> PT0.2S"), line);
            assertTrue(line.contains("healthCheckInterval PT30S -> PT7S"), line);
        }
        assertEquals(1, reconfigurations.size());
        ReconfigurationEvent event = reconfigurations.get(0);
        assertEquals("event", event.pool());
        assertEquals(Map.of("maxConnections", "4", "acquireTimeout", "PT5S", "healthCheckInterval", "PT30S"),
                event.before());
        assertEquals(Map.of("maxConnections", "6", "acquireTimeout", "PT0.2S", "healthCheckInterval", "PT7S"),
                event.after());

        // the new acquire timeout applies to acquires started afterwards
        pool.control().reconfigure(PoolReconfiguration.builder().maxConnections(1).build());
        await().atMost(WAIT).until(() -> pool.stats().total() <= 1);
        try (PooledConnection only = pool.acquire()) {
            assertTrue(only.isOpen());
            AcquireTimeoutException timeout = assertThrows(AcquireTimeoutException.class, pool::acquire);
            assertEquals(Duration.ofMillis(200), timeout.timeout());
        }
    }

    @Test
    void aStrategyChangeAffectsTheNextPick() {
        TestWebSocketServer second = TestWebSocketServer.start();
        try {
            List<String> picks = new CopyOnWriteArrayList<>();
            WebSocketPool pool = start(builder("strategy").endpoint(second.uri()).maxConnections(4));
            pool.control().reconfigure(PoolReconfiguration.builder().strategy(candidates -> {
                picks.add("custom");
                return candidates.get(candidates.size() - 1);
            }).build());
            for (int i = 0; i < 3; i++) {
                try (PooledConnection c = pool.acquire()) {
                    assertEquals(second.uri(), c.endpoint().uri());
                }
            }
            assertFalse(picks.isEmpty());
        } finally {
            pools.forEach(WebSocketPool::close);
            second.stop();
        }
    }

    @Test
    void idleTimeoutLifetimeAndKeepaliveChangesTakeEffectOnTheRunningPool() {
        List<String> pongs = new CopyOnWriteArrayList<>();
        WebSocketPool pool = start(builder("timeouts").maxConnections(4).idleAfter(Duration.ofMillis(50))
                .idleTimeout(Duration.ZERO).maxLifetime(Duration.ZERO).healthCheckInterval(Duration.ZERO)
                .listener(new PoolListener() {
                    @Override
                    public void onPong(io.github.wspool.event.PongEvent event) {
                        pongs.add(event.connectionId());
                    }
                }));
        try (PooledConnection a = pool.acquire(); PooledConnection b = pool.acquire()) {
            assertTrue(a.isOpen() && b.isOpen());
        }
        await().atMost(WAIT).until(() -> pool.control().connections(ConnectionState.IDLE) == 2);
        assertTrue(pongs.isEmpty(), "no keepalive pings with healthCheckInterval 0");

        // keepalive pings start on the next pass
        pool.control().reconfigure(PoolReconfiguration.builder().healthCheckInterval(Duration.ofMillis(100)).build());
        await().atMost(WAIT).until(() -> new HashSet<>(pongs).size() == 2);

        // idle connections above the minimum (0) are evicted by the new idle timeout
        pool.control().reconfigure(PoolReconfiguration.builder().idleTimeout(Duration.ofMillis(100)).build());
        await().atMost(WAIT).until(() -> recycles.stream().filter(r -> r.reason() == RecycleReason.IDLE).count() == 2);
        assertEquals(0, open(pool));

        // a lifetime given at runtime ends connections already open, a leased one on release
        pool.control().reconfigure(PoolReconfiguration.builder().idleTimeout(Duration.ZERO).build());
        PooledConnection held = pool.acquire();
        String idleId;
        try (PooledConnection other = pool.acquire()) {
            idleId = other.id();
        }
        String heldId = held.id();
        pool.control().reconfigure(PoolReconfiguration.builder().maxLifetime(Duration.ofMillis(200)).build());
        // the available one goes when its lifetime ends; the leased one, past its lifetime too, is left to its holder
        await().atMost(WAIT).until(() -> recycles.stream().anyMatch(r -> r.reason() == RecycleReason.LIFETIME
                && r.connectionId().equals(idleId)));
        assertTrue(held.isOpen());
        held.send("still mine");
        assertTrue(recycles.stream().noneMatch(r -> r.connectionId().equals(heldId)));
        held.close();
        await().atMost(WAIT).until(() -> recycles.stream().anyMatch(r -> r.reason() == RecycleReason.LIFETIME
                && r.connectionId().equals(heldId)));
    }

    // ------------------------------------------------------------------------------------------------ suspend

    @Test
    void suspendedAcquiresTimeOutSayingSoAndResumeServesTheWaiterAtOnce() throws Exception {
        WebSocketPool pool = start(builder("suspend").minConnections(1).maxConnections(2));
        await().atMost(WAIT).until(() -> pool.control().connections(ConnectionState.READY) == 1);
        PooledConnection before = pool.acquire();

        pool.control().suspend();
        assertTrue(pool.control().isSuspended());
        assertEquals(PoolHealth.Status.DEGRADED, pool.control().health().status());

        AcquireTimeoutException timeout = assertThrows(AcquireTimeoutException.class,
                () -> pool.acquire(Duration.ofMillis(200)));
        assertTrue(timeout.getMessage().contains("suspended"), timeout.getMessage());
        assertTrue(timeout.suspended());
        CompletableFuture<PooledConnection> asyncTimeout = pool.acquireAsync(Duration.ofMillis(100));
        Throwable asyncFailure = assertThrows(Exception.class, () -> asyncTimeout.get(5, TimeUnit.SECONDS))
                .getCause();
        assertTrue(asyncFailure instanceof AcquireTimeoutException && asyncFailure.getMessage().contains("suspended"),
                String.valueOf(asyncFailure));

        // releases go on while suspended, and the connection stays available
        before.send("while suspended");
        before.close();
        assertEquals(1, pool.control().connections(ConnectionState.READY) + pool.control().connections(
                ConnectionState.IDLE));

        Future<String> waiter = threads.submit(() -> {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(30))) {
                c.send("after resume");
                return c.id();
            }
        });
        CompletableFuture<PooledConnection> asyncWaiter = pool.acquireAsync(Duration.ofSeconds(30));
        await().atMost(WAIT).until(() -> pool.control().pendingAcquires() == 2);
        assertFalse(waiter.isDone());
        assertFalse(asyncWaiter.isDone());

        pool.control().resume();
        assertFalse(pool.control().isSuspended());
        assertNotNull(waiter.get(5, TimeUnit.SECONDS));
        try (PooledConnection c = asyncWaiter.get(5, TimeUnit.SECONDS)) {
            assertTrue(c.isOpen());
        }
        assertEquals(List.of(Map.of("suspended", "false"), Map.of("suspended", "true")),
                reconfigurations.stream().map(ReconfigurationEvent::before).collect(Collectors.toList()));
        assertEquals(Map.of("suspended", "false"), reconfigurations.get(1).after());
    }

    // ------------------------------------------------------------------------------------------------ soft evict

    @Test
    void softEvictReplacesIdleConnectionsAndRecyclesAHeldLeaseOnRelease() {
        WebSocketPool pool = start(builder("evict").minConnections(3).maxConnections(6));
        await().atMost(WAIT).until(() -> pool.control().connections(ConnectionState.READY) == 3);
        Set<String> original = connects.stream().filter(ConnectEvent::succeeded).map(ConnectEvent::connectionId)
                .collect(Collectors.toSet());
        assertEquals(3, original.size());
        PooledConnection held = pool.acquire();
        String heldId = held.id();

        pool.control().softEvict();

        // the two idle ones go now and are replaced by new connections; the held lease keeps working
        await().atMost(WAIT).until(() -> evicted().size() == 2);
        assertFalse(evicted().contains(heldId));
        await().atMost(WAIT).until(() -> fresh(original).size() >= 2 && open(pool) >= 3);
        assertTrue(held.isOpen());
        assertEquals(ConnectionState.ACTIVE, held.state());
        held.send("still mine");

        held.close(); // recycled on release
        await().atMost(WAIT).until(() -> evicted().contains(heldId));
        await().atMost(WAIT).until(() -> open(pool) == 3 && fresh(original).size() >= 3);
        Set<String> leasedAfter = new HashSet<>();
        try (PooledConnection a = pool.acquire(); PooledConnection b = pool.acquire();
             PooledConnection c = pool.acquire()) {
            leasedAfter.add(a.id());
            leasedAfter.add(b.id());
            leasedAfter.add(c.id());
        }
        leasedAfter.retainAll(original);
        assertTrue(leasedAfter.isEmpty(), "no original connection is handed out after a soft eviction");
        assertEquals(Map.of("softEvicted", "3"), reconfigurations.get(0).after());
    }

    private Set<String> evicted() {
        return recycles.stream().filter(r -> r.reason() == RecycleReason.SOFT_EVICTED)
                .map(RecycleEvent::connectionId).collect(Collectors.toSet());
    }

    private Set<String> fresh(Set<String> original) {
        return connects.stream().filter(ConnectEvent::succeeded).map(ConnectEvent::connectionId)
                .filter(id -> !original.contains(id)).collect(Collectors.toSet());
    }

    // ------------------------------------------------------------------------------------------------ JMX

    @Test
    void theMBeanIsRegisteredReadsCountsResizesAndIsUnregisteredAtClose() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("io.github.wspool:type=Pool,name=jmx-pool");
        assertFalse(jmx.isRegistered(name));
        WebSocketPool pool = start(builder("jmx-pool").minConnections(2).maxConnections(4).registerMbeans(true));
        assertTrue(jmx.isRegistered(name));
        await().atMost(WAIT).until(() -> (Integer) jmx.getAttribute(name, "IdleConnections") == 2);

        try (PooledConnection held = pool.acquire()) {
            assertTrue(held.isOpen());
            assertEquals(2, jmx.getAttribute(name, "TotalConnections"));
            assertEquals(1, jmx.getAttribute(name, "ActiveConnections"));
            assertEquals(1, jmx.getAttribute(name, "IdleConnections"));
            assertEquals(0, jmx.getAttribute(name, "PendingAcquires"));
            assertEquals(1, jmx.invoke(name, "getConnections", new Object[] {"active"},
                    new String[] {String.class.getName()}));
        }
        assertEquals("jmx-pool", jmx.getAttribute(name, "PoolName"));
        assertEquals("UP", jmx.getAttribute(name, "HealthStatus"));
        TabularData health = (TabularData) jmx.getAttribute(name, "EndpointHealth");
        assertEquals(1, health.size());

        jmx.setAttribute(name, new Attribute("MaxConnections", 7));
        assertEquals(7, pool.control().maxConnections());
        assertEquals(7, jmx.getAttribute(name, "MaxConnections"));
        assertEquals(Map.of("maxConnections", "7"), reconfigurations.get(0).after());

        jmx.invoke(name, "suspend", null, null);
        assertEquals(true, jmx.getAttribute(name, "Suspended"));
        jmx.invoke(name, "resume", null, null);
        assertFalse(pool.control().isSuspended());

        // a second open pool of the same name cannot register: the build fails and nothing is left behind
        IllegalStateException duplicate = assertThrows(IllegalStateException.class,
                () -> builder("jmx-pool").registerMbeans(true).build());
        assertTrue(duplicate.getMessage().contains("io.github.wspool:type=Pool,name=jmx-pool"),
                duplicate.getMessage());
        assertTrue(jmx.isRegistered(name), "the first pool's bean is kept");

        pool.close();
        assertFalse(jmx.isRegistered(name));
    }

    @Test
    void aPoolNameWithSpecialCharactersIsQuoted() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        WebSocketPool pool = start(builder("a,b=c:d").registerMbeans(true));
        ObjectName name = new ObjectName("io.github.wspool:type=Pool,name=" + ObjectName.quote("a,b=c:d"));
        assertTrue(jmx.isRegistered(name));
        assertEquals("a,b=c:d", jmx.getAttribute(name, "PoolName"));
        pool.close();
        assertFalse(jmx.isRegistered(name));
    }
}

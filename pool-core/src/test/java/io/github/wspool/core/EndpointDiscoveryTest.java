package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointResolver;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.NoEndpointDiscoveredException;
import io.github.wspool.PoolHealth;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.strategy.Strategies;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Endpoint discovery through a real pool against real servers on several loopback addresses sharing one port (Linux
 * routes all of 127/8 to lo), as the addresses of one DNS name would: endpoints follow the name, a vanished one drains
 * without dropping a lease, connect failures refresh within the minimum interval, a failing lookup keeps the set; and
 * pools built with a resolver only.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EndpointDiscoveryTest {

    private final List<TestWebSocketServer> servers = new ArrayList<>();
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private WebSocketPool pool;

    @AfterEach
    void stopAll() throws Exception {
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestWebSocketServer::stop);
        for (AutoCloseable c : closeLast) {
            c.close();
        }
    }

    /** Answers what the test says; counts and times the lookups. */
    static final class Names implements DnsResolverOptions.NameService {
        final AtomicReference<List<String>> answer = new AtomicReference<>(List.of());
        final AtomicReference<UnknownHostException> failure = new AtomicReference<>();
        final List<Long> times = new CopyOnWriteArrayList<>();
        /** If set, the answer from the second lookup on. */
        volatile List<String> fromSecond;

        Names(String... addresses) {
            answer.set(List.of(addresses));
        }

        @Override
        public List<InetAddress> lookup(String host) throws UnknownHostException {
            times.add(System.nanoTime());
            UnknownHostException f = failure.get();
            if (f != null) {
                throw f;
            }
            List<InetAddress> out = new ArrayList<>();
            List<String> later = fromSecond;
            for (String a : later != null && times.size() > 1 ? later : answer.get()) {
                out.add(InetAddress.getByName(a));
            }
            return out;
        }

        int lookups() {
            return times.size();
        }
    }

    /** Servers on 127.0.0.1, .2, .3 ..., all on one port. */
    private int startServers(int count) {
        TestWebSocketServer first = TestWebSocketServer.startOn("127.0.0.1", 0);
        servers.add(first);
        for (int i = 2; i <= count; i++) {
            servers.add(TestWebSocketServer.startOn("127.0.0.1".replaceFirst("1$", String.valueOf(i)), first.port()));
        }
        return first.port();
    }

    private static URI at(String address, int port) {
        return URI.create("ws://" + address + ":" + port + "/dns?v=1");
    }

    private Set<URI> endpoints() {
        return pool.control().endpoints().stream().map(EndpointSnapshot::uri).collect(Collectors.toSet());
    }

    private PooledConnection acquireOn(URI endpoint) {
        AtomicReference<PooledConnection> got = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            PooledConnection c = pool.acquire(Duration.ofSeconds(2));
            if (c.endpoint().uri().equals(endpoint)) {
                got.set(c);
                return true;
            }
            c.close();
            return false;
        });
        return got.get();
    }

    private static void sendAndSee(PooledConnection c, TestWebSocketServer server, String text) {
        c.send(text);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.receivedTexts().contains(text));
    }

    @Test
    void endpointsFollowTheNameAndAVanishedOneDrainsWithoutDroppingAHeldLease() {
        int port = startServers(3);
        Names names = new Names("127.0.0.1", "127.0.0.2");
        pool = WebSocketPools.builder().name("dns-follow").pooling(true).minConnections(2).maxConnections(6)
                .strategy(Strategies.roundRobin())
                .endpointResolver(EndpointResolvers.dns(URI.create("ws://svc.test:" + port + "/dns?v=1"),
                        new DnsResolverOptions(Duration.ofMillis(200), Duration.ofMillis(100), Duration.ofSeconds(2),
                                1, names)))
                .build();
        URI one = at("127.0.0.1", port);
        URI two = at("127.0.0.2", port);
        URI three = at("127.0.0.3", port);
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().equals(Set.of(one, two)));
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().idle() == 2);

        PooledConnection held = acquireOn(two);
        sendAndSee(held, servers.get(1), "before the change");

        names.answer.set(List.of("127.0.0.1", "127.0.0.3"));
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().contains(three));
        try (PooledConnection onThree = acquireOn(three)) {
            sendAndSee(onThree, servers.get(2), "on the new endpoint");
        }
        // the vanished endpoint drains: still there while its lease is held, and the lease still works
        assertTrue(endpoints().contains(two), "draining, not dropped: " + endpoints());
        assertTrue(held.isOpen());
        sendAndSee(held, servers.get(1), "during the drain");
        for (int i = 0; i < 10; i++) {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(2))) {
                assertFalse(c.endpoint().uri().equals(two), "no new lease on a draining endpoint");
            }
        }
        held.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().equals(Set.of(one, three)));
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.get(1).openConnections() == 0);
        assertEquals(PoolHealth.Status.UP, pool.control().health().status(), pool.control().health().reasons()
                .toString());
    }

    @Test
    void aConnectFailureRefreshesTheNameWithinTheMinimumInterval() {
        // the name first points at an address where nothing listens (the server "moved"): the connect failures ask
        // for a lookup long before the hour-long refresh interval, and the pool finds the server's new address
        TestWebSocketServer moved = TestWebSocketServer.startOn("127.0.0.2", 0);
        servers.add(moved);
        int port = moved.port();
        Names names = new Names("127.0.0.3");
        names.fromSecond = List.of("127.0.0.2");
        Duration min = Duration.ofMillis(300);
        pool = WebSocketPools.builder().name("dns-hint").pooling(true).minConnections(1).maxConnections(2)
                .acquireTimeout(Duration.ofSeconds(10))
                .endpointResolver(EndpointResolvers.dns(URI.create("ws://svc.test:" + port + "/dns?v=1"),
                        new DnsResolverOptions(Duration.ofHours(1), min, Duration.ofSeconds(2), 1, names)))
                .build();
        await().atMost(Duration.ofSeconds(5)).until(() -> names.lookups() >= 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> names.lookups() >= 2); // a connect failed: looked again
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().contains(at("127.0.0.2", port)));
        try (PooledConnection c = pool.acquire()) {
            assertEquals(at("127.0.0.2", port), c.endpoint().uri());
            sendAndSee(c, moved, "found again");
        }
        List<Long> times = new ArrayList<>(names.times);
        for (int i = 1; i < times.size(); i++) {
            long gap = times.get(i) - times.get(i - 1);
            assertTrue(gap >= min.toNanos() - TimeUnit.MILLISECONDS.toNanos(5),
                    "lookup " + i + " came " + TimeUnit.NANOSECONDS.toMillis(gap) + " ms after the one before");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().equals(Set.of(at("127.0.0.2", port))));
    }

    @Test
    void aFailingLookupKeepsTheEndpoints() {
        int port = startServers(2);
        Names names = new Names("127.0.0.1", "127.0.0.2");
        pool = WebSocketPools.builder().name("dns-hiccup").pooling(true).minConnections(2).maxConnections(4)
                .endpointResolver(EndpointResolvers.dns(URI.create("ws://svc.test:" + port + "/dns?v=1"),
                        new DnsResolverOptions(Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofSeconds(2),
                                1, names)))
                .build();
        Set<URI> both = Set.of(at("127.0.0.1", port), at("127.0.0.2", port));
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().equals(both) && pool.stats().idle() == 2);
        names.failure.set(new UnknownHostException("svc.test: SERVFAIL"));
        int from = names.lookups();
        await().atMost(Duration.ofSeconds(10)).until(() -> names.lookups() >= from + 3);
        names.failure.set(null);
        names.answer.set(List.of());
        int emptyFrom = names.lookups();
        await().atMost(Duration.ofSeconds(10)).until(() -> names.lookups() >= emptyFrom + 3);
        assertEquals(both, endpoints());
        assertEquals(2, servers.get(0).openConnections() + servers.get(1).openConnections());
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(2))) {
            assertTrue(both.contains(c.endpoint().uri()));
        }
    }

    @Test
    void aResolverOnlyPoolWaitsForItsFirstSetThenServesAndOpensMinConnections() throws Exception {
        int port = startServers(1);
        URI uri = servers.get(0).uri("/late");
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        closeLast.add(later::shutdownNow);
        CompletableFuture<Void> deliver = new CompletableFuture<>();
        EndpointResolver late = new EndpointResolver() {
            @Override
            public AutoCloseable subscribe(Listener listener) {
                deliver.thenRun(() -> listener.endpoints(List.of(Target.of(uri))));
                return () -> { };
            }

            @Override
            public String toString() {
                return "late-test-resolver";
            }
        };
        pool = WebSocketPools.builder().name("late").pooling(true).minConnections(2).maxConnections(4)
                .acquireTimeout(Duration.ofSeconds(20)).endpointResolver(late).build();
        PoolHealth before = pool.control().health();
        assertEquals(PoolHealth.Status.DOWN, before.status());
        assertTrue(before.reasons().contains("no endpoint discovered yet from late-test-resolver"),
                before.reasons().toString());
        assertEquals(0, pool.stats().total());
        CompletableFuture<PooledConnection> async = pool.acquireAsync();
        CompletableFuture<PooledConnection> sync = CompletableFuture.supplyAsync(() -> pool.acquire());
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().pending() == 2);
        assertFalse(async.isDone());
        later.schedule(() -> deliver.complete(null), 300, TimeUnit.MILLISECONDS);
        try (PooledConnection a = async.get(10, TimeUnit.SECONDS); PooledConnection s = sync.get(10, TimeUnit.SECONDS)) {
            assertEquals(uri, a.endpoint().uri());
            assertEquals(uri, s.endpoint().uri());
            sendAndSee(a, servers.get(0), "waited for discovery");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().idle() >= 2);
        assertEquals(PoolHealth.Status.UP, pool.control().health().status());
        assertTrue(port > 0);
    }

    @Test
    void aResolverThatNeverDeliversFailsAcquiresWithATypedErrorAfterTheirTimeout() throws Exception {
        EndpointResolver silent = new EndpointResolver() {
            @Override
            public AutoCloseable subscribe(Listener listener) {
                return () -> { };
            }

            @Override
            public String toString() {
                return "silent-test-resolver";
            }
        };
        pool = WebSocketPools.builder().name("silent").pooling(true).minConnections(1)
                .acquireTimeout(Duration.ofMillis(300)).endpointResolver(silent).build();
        long start = System.nanoTime();
        NoEndpointDiscoveredException e = assertThrows(NoEndpointDiscoveredException.class, () -> pool.acquire());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(290), "waited its timeout");
        assertTrue(e.getMessage().contains("no endpoint discovered yet from silent-test-resolver"), e.getMessage());
        assertEquals("silent-test-resolver", e.resolver());
        ExecutionException async = assertThrows(ExecutionException.class,
                () -> pool.acquireAsync(Duration.ofMillis(100)).get(5, TimeUnit.SECONDS));
        assertTrue(async.getCause() instanceof NoEndpointDiscoveredException, String.valueOf(async.getCause()));
        assertThrows(NoEndpointDiscoveredException.class, () -> pool.acquire("some-key", Duration.ofMillis(50)));
        PoolHealth health = pool.control().health();
        assertEquals(PoolHealth.Status.DOWN, health.status());
        assertTrue(health.reasons().stream().anyMatch(r -> r.contains("no endpoint discovered yet")),
                health.reasons().toString());
    }

    /** A resolver the test drives by hand. */
    static final class Manual implements EndpointResolver {
        volatile Listener listener;
        final List<URI> hints = new CopyOnWriteArrayList<>();

        @Override
        public AutoCloseable subscribe(Listener l) {
            listener = l;
            return () -> { };
        }

        @Override
        public void connectFailed(URI endpoint) {
            hints.add(endpoint);
        }

        void give(URI... uris) {
            List<Target> set = new ArrayList<>();
            for (URI u : uris) {
                set.add(Target.of(u));
            }
            listener.endpoints(set);
        }
    }

    @Test
    void setsAreReconciledKeepingTheLastEndpointAndAnEndpointBackWhileDrainingRejoinsOnceDrained() {
        startServers(2);
        URI one = servers.get(0).uri("/m");
        URI two = servers.get(1).uri("/m");
        Manual manual = new Manual();
        pool = WebSocketPools.builder().name("manual").pooling(true).maxConnections(4).endpointResolver(manual)
                .build();
        manual.give(one);
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            assertEquals(one, c.endpoint().uri());
        }
        manual.give(); // an empty set would remove every endpoint: the pool keeps its last one
        assertEquals(Set.of(one), endpoints());
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            assertEquals(one, c.endpoint().uri());
        }
        PooledConnection held = pool.acquire(Duration.ofSeconds(5));
        manual.give(two); // one drains, held
        assertEquals(Set.of(one, two), endpoints());
        manual.give(one, two); // one is back while still draining: not pulled out of its drain
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            assertEquals(two, c.endpoint().uri(), "the draining endpoint takes no lease");
        }
        sendAndSee(held, servers.get(0), "held through the drain");
        held.close(); // the drain is over: one rejoins as a new endpoint
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.control().endpoints().stream()
                .anyMatch(e -> e.uri().equals(one) && e.healthy()));
        acquireOn(one).close();
        // connect failures are hinted to the resolver
        URI refusing = URI.create("ws://127.0.0.1:1/nothing");
        manual.give(one, two, refusing);
        pool.control().reconfigure(io.github.wspool.PoolReconfiguration.builder().minConnections(3).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> manual.hints.contains(refusing));
        // a set arriving after close is ignored, nothing thrown at the resolver
        pool.close();
        manual.give(two);
        assertTrue(pool.isClosed());
        Predicate<Set<URI>> unchanged = s -> s.contains(one);
        assertTrue(unchanged.test(endpoints()) || endpoints().isEmpty(), endpoints().toString());
    }
}

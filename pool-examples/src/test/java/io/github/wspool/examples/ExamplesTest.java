package io.github.wspool.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.testkit.TestWebSocketServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.embedded.RedisServer;

/** The README's examples and the demo run against real loopback servers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExamplesTest {

    @Test
    void fleetExampleSpreadsTwoInstancesOverTheRegisteredServers() throws Exception {
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.util.Map<String, Integer> perServer = FleetExample.run(new java.io.PrintStream(printed, true,
                java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(java.util.Set.of("echo-1", "echo-2", "echo-3"), perServer.keySet(), perServer.toString());
        assertEquals(6, perServer.values().stream().mapToInt(Integer::intValue).sum(), perServer.toString());
        assertTrue(perServer.values().stream().allMatch(n -> n == 2), "two per server across the fleet: " + perServer);
        assertTrue(printed.toString(java.nio.charset.StandardCharsets.UTF_8).contains("per server"));
    }

    @Test
    void fleetModeSnippetRegistersFollowsTheRegistryAndCountsTheFleet() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer redisServer = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("save \"\"").setting("appendonly no").build();
        redisServer.start();
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            ReadmeExamples.FleetParts parts = ReadmeExamples.fleetMode("redis://127.0.0.1:" + port, server.uri("/q"));
            try {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> parts.pool().stats().idle() == 4 && parts.fleet().stats().totalConnections() == 4);
                assertEquals(4, server.openConnections(), "the registered server got the pool's minimum");
                assertEquals(java.util.Map.of("ws-1", 4), parts.fleet().stats().connectionsPerServer());
            } finally {
                parts.pool().close();
                parts.registration().close();
                parts.fleet().close();
            }
        } finally {
            redisServer.stop();
        }
    }

    @Test
    void quickStartDeliversTheMessage() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            ReadmeExamples.quickStart(server.uri("/feed").toString());
            assertTrue(server.receivedTexts().contains("hello"), server.receivedTexts().toString());
            // minConnections 2 start opening at build; the pool may close before the second reaches the server
            int accepted = server.acceptedConnections();
            assertTrue(accepted >= 1 && accepted <= 2, "the quick start opened 1 or 2 connections, not " + accepted);
        }
    }

    @Test
    void compressionExamplesNegotiateAndEcho() {
        try (TestWebSocketServer server = TestWebSocketServer.start().compressing()) {
            String big = "{\"messageId\":\"z\",\"p\":\"" + "abc".repeat(600) + "\"}";
            for (WebSocketPool pool : ReadmeExamples.compressed(server.uri("/z"))) {
                try (pool; PooledConnection c = pool.acquire()) {
                    assertEquals(big, c.request(big, Duration.ofSeconds(5)).join());
                }
            }
            assertEquals(2, server.handshakeHeaderLog().stream()
                    .filter(h -> h.getOrDefault("sec-websocket-extensions", "").startsWith("permessage-deflate"))
                    .count(), server.handshakeHeaderLog().toString());
        }
    }

    @Test
    void configuredAndAcquiringExamplesRun() {
        try (TestWebSocketServer a = TestWebSocketServer.start(); TestWebSocketServer b = TestWebSocketServer.start()) {
            try (WebSocketPool pool = ReadmeExamples.configured(a.uri("/feed"), b.uri("/feed"))) {
                ReadmeExamples.acquiring(pool);
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                        .until(() -> a.messagesReceived() + b.messagesReceived() == 3);
                assertEquals(3, pool.control().endpoints().get(0).weight());
            }
        }
    }

    @Test
    void operatingExampleChangesTheEndpoints() {
        try (TestWebSocketServer a = TestWebSocketServer.start(); TestWebSocketServer b = TestWebSocketServer.start();
             TestWebSocketServer c = TestWebSocketServer.start();
             WebSocketPool pool = ReadmeExamples.configured(a.uri("/feed"), b.uri("/feed"))) {
            List<EndpointSnapshot> after = ReadmeExamples.operating(pool, c.uri("/feed"), b.uri("/feed"));
            assertEquals(List.of(a.uri("/feed"), c.uri("/feed")),
                    after.stream().map(EndpointSnapshot::uri).collect(Collectors.toList()));
            assertEquals(3, after.get(1).weight(), "the added endpoint's weight was updated");
            try (PooledConnection lease = pool.acquire()) {
                assertNotEquals(b.uri("/feed"), lease.endpoint().uri(), "no lease on the removed endpoint");
            }
        }
    }

    @Test
    void customStrategyFromTheReadmeServesAPool() {
        try (TestWebSocketServer a = TestWebSocketServer.start(); TestWebSocketServer b = TestWebSocketServer.start();
             WebSocketPool pool = io.github.wspool.core.WebSocketPools.builder().endpoint(a.uri()).endpoint(b.uri())
                     .pooling(true).strategy(ReadmeExamples.fewestLeases()).build()) {
            var first = pool.acquire();
            var second = pool.acquire();
            assertTrue(!first.endpoint().equals(second.endpoint()), "fewest leases spreads two leases over two endpoints");
            first.close();
            second.close();
        }
    }

    @Test
    void metricsExamplePrintsTheMeters() throws Exception {
        String simple = MetricsExample.run(false);
        assertTrue(simple.contains("wspool.acquire"), simple);
        assertTrue(simple.contains("count=2000.000"), "2,000 acquires counted: " + simple);
        String prometheus = MetricsExample.run(true);
        assertTrue(prometheus.contains("wspool_connections{pool=\"quotes\",service=\"example\",state=\"active\"}"),
                prometheus);
        assertTrue(prometheus.contains("wspool_acquire_seconds_count{pool=\"quotes\",service=\"example\"} 2000"),
                prometheus);
    }

    @Test
    void backpressureExampleSendsWithinTheBound() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            long queued = ReadmeExamples.backpressure(server.uri(), "tick");
            assertTrue(queued >= 0 && queued <= 1 << 20, "queued " + queued);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> server.receivedTexts().contains("tick"));
        }
    }

    @Test
    void connectionInitializerExampleLogsInBeforeTheConnectionIsHandedOut() {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            java.util.Map<Integer, String> first = new java.util.concurrent.ConcurrentHashMap<>();
            server.responder((peer, text) -> {
                first.putIfAbsent(peer.number(), text);
                peer.send(text.contains("\"token\":\"t1\"") ? "{\"type\":\"welcome\"}" : text);
            });
            try (WebSocketPool pool = ReadmeExamples.loggedIn(server.uri("/trade"), refresh -> "t1");
                 PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                c.send("order");
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                        .until(() -> server.receivedTexts().contains("order"));
            }
            assertTrue(!first.isEmpty() && first.values().stream().allMatch(t -> t.contains("\"type\":\"auth\"")),
                    "the login came first on every connection: " + first);
        }
    }

    @Test
    void proxyExampleConnectsThroughTheProxyWithTheSuppliedCredentials() throws Exception {
        try (TestWebSocketServer server = TestWebSocketServer.start();
             io.github.wspool.testkit.ConnectProxy proxy = io.github.wspool.testkit.ConnectProxy.start()
                     .requireCredentials("svc-feed", "vault-pw");
             WebSocketPool pool = ReadmeExamples.proxied(server.uri("/feed"), proxy.uri(), "vault-pw"::toCharArray);
             PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            c.send("through");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> server.receivedTexts().contains("through"));
            assertEquals(List.of("127.0.0.1:" + server.port()), proxy.authorities());
        }
    }

    @Test
    void securityExampleConnectsOverTlsWithARefreshedTokenAndItsSubprotocol() {
        try (TestWebSocketServer server = TestWebSocketServer.startTls(
                io.github.wspool.testkit.TestCertificates.serverContext(io.github.wspool.testkit.TestCertificates.LOOPBACK))) {
            server.subprotocolChooser(offered -> offered.contains("agent-protocol-v1") ? "agent-protocol-v1" : null);
            // t1 has expired; any token issued after it is good
            server.handshakeGate(h -> !"Bearer t1".equals(h.get("authorization")) && "k-1".equals(h.get("x-api-key")));
            java.util.concurrent.atomic.AtomicInteger version = new java.util.concurrent.atomic.AtomicInteger(1);
            try (WebSocketPool pool = ReadmeExamples.secured(server.uri("/agents"),
                    io.github.wspool.testkit.TestCertificates.trusting(io.github.wspool.testkit.TestCertificates.LOOPBACK),
                    "k-1", refresh -> "t" + (refresh ? version.incrementAndGet() : version.get()))) {
                try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                    assertEquals("agent-protocol-v1", c.subprotocol());
                    c.send("hello");
                }
            }
            // the first connects (minConnections and the acquire's own) all brought t1 and were refused; each was
            // retried with a refreshed token and the lease above was served
            assertTrue(server.gateRejections() >= 1, "the stale token was tried: " + server.gateRejections());
            // (The served lease alone proves that some upgrade passed the gate; what the example shows is how: the
            // supplier was asked for a fresh token, and that token is what went out, with the endpoint's key.)
            assertTrue(version.get() >= 2, "the token source was asked to refresh: t" + version.get());
            // (an empty entry is a connect the closing pool ended after TLS, before its request: nothing was sent)
            List<java.util.Map<String, String>> upgrades = server.handshakeHeaderLog().stream()
                    .filter(h -> !h.isEmpty()).collect(Collectors.toList());
            assertTrue(upgrades.stream().allMatch(h -> String.valueOf(h.get("authorization")).matches("Bearer t\\d+")
                    && "k-1".equals(h.get("x-api-key"))), "every upgrade carried a token and the key: " + upgrades);
            assertTrue(upgrades.stream().anyMatch(h -> {
                int issued = Integer.parseInt(h.get("authorization").substring("Bearer t".length()));
                return issued >= 2 && issued <= version.get();
            }), "a token issued by a refresh reached the server: " + upgrades);
        }
    }

    @Test
    void requestResponseExampleMatchesEveryReply() throws Exception {
        RequestResponseExample.Result r = RequestResponseExample.run(8, 64);
        assertEquals(512, r.requests());
        assertEquals(512, r.matched(), r.toString());
        assertTrue(r.connections() <= 2, "eight callers shared two connections: " + r);
    }

    @Test
    void subscribeExampleReceivesPushesOnTheLeaseThenOnThePool() throws Exception {
        SubscribeExample.Result r = SubscribeExample.run(10);
        assertTrue(r.subscribed().contains("\"type\":\"subscribed\"") && r.subscribed().contains("\"messageId\":\"1\""),
                r.toString());
        assertTrue(r.leasePushes() >= 10, r.toString());
        assertTrue(r.poolPushesAfterRelease() >= 1, r.toString());
    }

    @Test
    void subscriptionsExampleRecoversEveryMessage() throws Exception {
        int messages = 400;
        SubscriptionsExample.Result r = SubscriptionsExample.run(messages);
        assertEquals(SubscriptionsExample.CHANNELS, r.channels().stream().map(SubscriptionsExample.ChannelOutcome::channel)
                .collect(Collectors.toList()));
        assertTrue(r.restartedAfter() >= messages / 2 && r.restartedAfter() < messages,
                "the server restarted mid-stream: " + r);
        for (SubscriptionsExample.ChannelOutcome c : r.channels()) {
            assertEquals(messages, c.published(), r.toString());
            assertEquals(messages, c.delivered(), "every message arrived, none twice: " + r);
            assertEquals(messages, c.position(), r.toString());
            assertTrue(c.onceInOrder(), "once and in order: " + r);
            assertEquals(0, c.gaps(), "no gap: " + r);
            assertTrue(c.recoveries() >= 1, "the server replayed what was missed: " + r);
        }
        assertEquals(2, r.connections().size(), r.toString());
        assertTrue(r.connections().get(0) >= 1 && r.connections().get(1) >= 1,
                "a connection before the restart and one after: " + r);
    }

    @Test
    void subscriptionsSnippetSubscribesFromItsPositionAndUnsubscribes() {
        io.github.wspool.testkit.ChannelServer.Farm farm = new io.github.wspool.testkit.ChannelServer.Farm(100);
        try (io.github.wspool.testkit.ChannelServer server = io.github.wspool.testkit.ChannelServer.start(farm);
             WebSocketPool pool = io.github.wspool.core.WebSocketPools.builder().endpoint(server.uri()).pooling(true)
                     .build()) {
            java.util.List<Long> got = new java.util.concurrent.CopyOnWriteArrayList<>();
            io.github.wspool.Subscription sub = ReadmeExamples.subscriptions(pool, (position, payload) -> got.add(position));
            assertEquals("orders", sub.channel());
            assertEquals(io.github.wspool.SubscriptionState.CLOSED, sub.state());
            assertEquals(4_711, sub.position(), "nothing delivered yet: the start position");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().active() == 0);
            assertEquals(List.of(), got);
        }
        try (WebSocketPool drained = ReadmeExamples.serverDrain()) {
            assertEquals(2, drained.control().endpoints().size());
        }
    }

    @Test
    void demoRunsAndExitsWithACleanLogAndEveryEchoReceived() throws Exception {
        java.io.PrintStream out = System.out;
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
            System.setErr(new java.io.PrintStream(logged, true, java.nio.charset.StandardCharsets.UTF_8));
            PoolDemo.main(new String[] {"1", "4"});
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String summary = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        String log = logged.toString(java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("echoes received\\s+([\\d,]+) of ([\\d,]+) sent")
                .matcher(summary);
        assertTrue(m.find(), summary);
        assertTrue(!m.group(2).equals("0"), "the demo sent messages: " + summary);
        assertTrue(m.group(1).equals(m.group(2)), "every message came back: " + m.group());
        assertTrue(!log.contains(" WARN ") && !log.contains(" ERROR ") && !log.contains("dropped"),
                "a clean log:\n" + log);
        assertTrue(log.contains("[demo] closed in"), "the log was captured:\n" + log);
    }

    @Test
    void discoveryExampleFollowsTheNamesAddressesAndSendsTheNameAsHost() throws Exception {
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            java.net.URI template = java.net.URI.create("ws://feed.test:" + server.port() + "/feed");
            io.github.wspool.core.DnsResolverOptions options = io.github.wspool.core.DnsResolverOptions.defaults()
                    .withNameService(host -> List.of(java.net.InetAddress.getByName("127.0.0.1")));
            try (WebSocketPool pool = ReadmeExamples.discovered(template, options)) {
                try (PooledConnection c = pool.acquire()) {
                    assertEquals(java.net.URI.create("ws://127.0.0.1:" + server.port() + "/feed"), c.endpoint().uri());
                    c.send("discovered");
                }
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                        .until(() -> server.receivedTexts().contains("discovered"));
                assertEquals("feed.test:" + server.port(), server.lastHandshakeHeaders().get("host"));
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().total() == 4);
            }
        }
    }
}

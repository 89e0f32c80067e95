package io.github.wspool.core.internal;

import static io.github.wspool.ConnectionState.ACTIVE;
import static io.github.wspool.ConnectionState.READY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.NoHealthyEndpointException;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.event.PongEvent;
import io.github.wspool.event.RecycleReason;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Keepalive pongs, endpoint ejection by missed pongs, and leak detection, on a fake ticker. */
class HealthCheckTest {

    private static EngineHarness harness(int min, int maxMissedPongs) {
        return new EngineHarness(b -> b.pooling(true).minConnections(min).maxConnections(4)
                .healthCheckInterval(Duration.ofSeconds(30)).pongTimeout(Duration.ofSeconds(5))
                .maxMissedPongs(maxMissedPongs).idleTimeout(Duration.ZERO));
    }

    private static void silence(EngineHarness h) {
        h.transport.openConnections().forEach(c -> c.autoPong(false));
    }

    @Test
    void aConnectionThatMissesItsPongIsRecycledAsUnhealthy() {
        try (EngineHarness h = harness(1, 1)) {
            silence(h);
            h.ticker.advance(Duration.ofSeconds(30));
            h.maintain(); // ping sent
            assertEquals(1, h.pool.stats().total());
            h.ticker.advance(Duration.ofMillis(4_999));
            h.maintain();
            assertEquals(0, h.recycledFor(RecycleReason.UNHEALTHY), "not before pongTimeout");
            h.ticker.advance(Duration.ofMillis(1));
            h.maintain();
            assertEquals(1, h.recycledFor(RecycleReason.UNHEALTHY), h.recycled.toString());
        }
    }

    @Test
    void answeredPingsKeepTheConnection() {
        try (EngineHarness h = harness(1, 1)) {
            for (int i = 0; i < 5; i++) {
                h.ticker.advance(Duration.ofSeconds(30));
                h.maintain();
                h.ticker.advance(Duration.ofSeconds(5));
                h.maintain();
            }
            assertEquals(0, h.recycledFor(RecycleReason.UNHEALTHY));
            assertTrue(h.transport.connections().get(0).pingCount() >= 5);
        }
    }

    @Test
    void missedPongsCanBeTolerated() {
        try (EngineHarness h = harness(1, 2)) {
            silence(h);
            h.ticker.advance(Duration.ofSeconds(30));
            h.maintain();
            h.ticker.advance(Duration.ofSeconds(5));
            h.maintain();
            assertEquals(0, h.recycledFor(RecycleReason.UNHEALTHY), "one miss tolerated");
            h.ticker.advance(Duration.ofSeconds(25));
            h.maintain(); // second ping
            h.ticker.advance(Duration.ofSeconds(5));
            h.maintain();
            assertEquals(1, h.recycledFor(RecycleReason.UNHEALTHY), "the second miss in a row is not");
        }
    }

    @Test
    void aLeasedConnectionThatMissesItsPongIsRecycledOnRelease() {
        try (EngineHarness h = harness(1, 1)) {
            silence(h);
            PooledConnection lease = h.pool.acquire();
            h.ticker.advance(Duration.ofSeconds(35));
            h.maintain();
            h.ticker.advance(Duration.ofSeconds(5));
            h.maintain();
            assertEquals(io.github.wspool.ConnectionState.UNHEALTHY, lease.state(), "leased: marked, not taken away");
            lease.close();
            assertEquals(1, h.recycledFor(RecycleReason.UNHEALTHY));
        }
    }

    @Test
    void whenTheEndpointStopsAnsweringItIsEjectedAndItsOtherConnectionsWithdrawn() {
        try (EngineHarness h = harness(3, 1)) {
            assertEquals(3, h.pool.stats().count(READY));
            silence(h);
            h.ticker.advance(Duration.ofSeconds(30));
            h.maintain();
            h.ticker.advance(Duration.ofSeconds(5));
            h.maintain();
            assertFalse(h.pool.stats().endpoints().get(0).healthy(), "the endpoint is the problem");
            assertEquals(0, h.pool.stats().idle(), "no connection of the silent endpoint is handed out");
            NoHealthyEndpointException e = assertThrows(NoHealthyEndpointException.class,
                    () -> h.pool.acquire(Duration.ofSeconds(1)));
            assertTrue(e.getMessage().contains("stopped answering pings"), e.getMessage());
        }
    }

    @Test
    void aLeaseHeldPastTheThresholdIsReportedOnceWithWhereItWasAcquired() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).leakDetectionThreshold(Duration.ofSeconds(10)))) {
            PooledConnection quick = h.pool.acquire();
            quick.close();
            PooledConnection leaked = h.pool.acquire();
            assertEquals(ACTIVE, leaked.state());
            h.ticker.advance(Duration.ofSeconds(10));
            h.scheduler.runDue();
            h.ticker.advance(Duration.ofSeconds(10));
            h.scheduler.runDue();
            leaked.close();
        } finally {
            System.setErr(originalErr);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        int warnings = logs.split("possible connection leak", -1).length - 1;
        assertEquals(1, warnings, "one WARN, for the leaked lease only: " + logs);
        assertTrue(logs.contains("the lease was acquired here"), logs);
        assertTrue(logs.contains("HealthCheckTest"), "the stack trace points at the acquiring code: " + logs);
        assertTrue(logs.contains("previously reported as a possible leak was returned after 20000 ms"), logs);
    }

    @Test
    void theEndpointBreakerOpensProbesAfterAGrowingWaitAndClosesOnASuccessfulProbe() {
        java.util.List<String> transitions = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.github.wspool.PoolListener recorder = new io.github.wspool.PoolListener() {
            @Override
            public void onEndpointBreakerStateChange(io.github.wspool.event.EndpointBreakerEvent e) {
                transitions.add(e.from() + "->" + e.to());
            }
        };
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(1).maxConnections(2)
                .reconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(1)).listener(recorder))) {
            h.provedThemselves(); // an established connection, then a restart that refuses connects
            h.transport.failConnects(new java.net.ConnectException("Connection refused"));
            h.transport.openConnections().get(0).peerClose(1001, "restart");
            for (int i = 0; i < 3; i++) { // three failed connects in a row open the breaker
                h.ticker.advance(Duration.ofMillis(2));
                h.maintain();
            }
            assertEquals(java.util.List.of("closed->open"), transitions);
            assertEquals("open", h.pool.stats().endpoints().get(0).breakerState());
            int attempts = h.transport.connectAttempts();
            h.ticker.advance(Duration.ofMillis(990));
            h.maintain();
            assertEquals(attempts, h.transport.connectAttempts(), "no connect while open (1 s wait)");
            h.ticker.advance(Duration.ofMillis(20));
            h.maintain();
            assertEquals(attempts + 1, h.transport.connectAttempts(), "one probe once the wait passed");
            assertEquals(java.util.List.of("closed->open", "open->half_open", "half_open->open"), transitions);
            h.ticker.advance(Duration.ofMillis(1_500));
            h.maintain();
            assertEquals(attempts + 1, h.transport.connectAttempts(), "the second wait is longer (2 s)");
            h.transport.failConnects(null);
            h.ticker.advance(Duration.ofMillis(600));
            h.maintain();
            assertEquals("half_open", h.pool.stats().endpoints().get(0).breakerState(), "the probe opened: not before"
                    + " its connection has proved itself");
            h.ticker.advance(io.github.wspool.core.internal.connect.Connector.MIN_CONNECTION_LIFETIME);
            h.maintain();
            assertEquals("closed", h.pool.stats().endpoints().get(0).breakerState(), "a successful probe closes it");
            assertEquals(java.util.List.of("closed->open", "open->half_open", "half_open->open", "open->half_open",
                    "half_open->closed"), transitions);
            assertEquals(1, h.pool.stats().idle(), "and its connection joins the pool");
        }
    }

    @Test
    void aConnectionWhosePingsFailIntermittentlyIsRecycledByItsBreaker() {
        try (EngineHarness h = harness(1, 10)) { // 10 misses in a row tolerated: only the breaker can catch this
            InMemoryTransport.Connection conn = h.transport.openConnections().get(0);
            boolean answer = false;
            for (int round = 0; round < 5; round++) {
                conn.autoPong(answer); // miss, pong, miss, pong, miss: 60% failures over the minimum of 5 calls
                answer = !answer;
                h.ticker.advance(Duration.ofSeconds(30));
                h.maintain();
                h.ticker.advance(Duration.ofSeconds(5));
                h.maintain();
                if (round < 4) {
                    assertEquals(0, h.recycledFor(RecycleReason.UNHEALTHY), "not judged before 5 calls, round " + round);
                }
            }
            assertEquals(1, h.recycledFor(RecycleReason.UNHEALTHY), "the connection's breaker opened");
        }
    }

    @Test
    void sendsThatSucceedKeepTheBreakerClosed() {
        try (EngineHarness h = harness(1, 1)) {
            for (int i = 0; i < 50; i++) {
                try (PooledConnection c = h.pool.acquire()) {
                    c.send("ok");
                }
            }
            assertEquals(0, h.recycledFor(RecycleReason.UNHEALTHY));
            assertEquals(50, h.transport.connections().get(0).sentCount());
        }
    }

    private static final io.github.wspool.HealthProbe JSON_PING = new io.github.wspool.HealthProbe() {
        @Override
        public String request(String probeId) {
            return "{\"type\":\"ping\",\"messageId\":\"" + probeId + "\"}";
        }

        @Override
        public boolean isReply(String message, String probeId) {
            return message.equals("{\"type\":\"pong\",\"messageId\":\"" + probeId + "\"}");
        }
    };

    private static String lastProbeId(InMemoryTransport.Connection conn) {
        java.util.List<String> sent = conn.sentTexts();
        String last = sent.get(sent.size() - 1);
        return last.substring(last.indexOf("messageId\":\"") + 12, last.length() - 2);
    }

    @Test
    void applicationProbesKeepAnsweringConnectionsAndRecycleSilentOnes() {
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(1).healthCheckInterval(Duration.ZERO)
                .idleTimeout(Duration.ZERO).healthProbe(JSON_PING, Duration.ofSeconds(10), Duration.ofSeconds(2), 2))) {
            InMemoryTransport.Connection conn = h.transport.openConnections().get(0);
            for (int i = 0; i < 3; i++) { // answered probes
                h.ticker.advance(Duration.ofSeconds(10));
                h.maintain();
                assertEquals(i + 1, conn.sentTexts().size(), "probe " + i + " sent");
                conn.receive("{\"type\":\"pong\",\"messageId\":\"" + lastProbeId(conn) + "\"}");
                h.ticker.advance(Duration.ofSeconds(2));
                h.maintain();
            }
            assertEquals(0, h.recycledFor(RecycleReason.UNHEALTHY));
            h.ticker.advance(Duration.ofSeconds(8));
            h.maintain(); // probe 4, never answered
            conn.receive("{\"type\":\"pong\",\"messageId\":\"someone-else\"}"); // not its reply
            h.ticker.advance(Duration.ofSeconds(2));
            h.maintain();
            assertEquals(0, h.recycledFor(RecycleReason.UNHEALTHY), "one failure is below the threshold of 2");
            h.ticker.advance(Duration.ofSeconds(8));
            h.maintain(); // probe 5, never answered
            h.ticker.advance(Duration.ofSeconds(2));
            h.maintain();
            assertEquals(1, h.recycledFor(RecycleReason.UNHEALTHY), "two failed probes in a row");
        }
    }

    @Test
    void probesLeaveLeasedConnectionsAlone() {
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(1).healthCheckInterval(Duration.ZERO)
                .healthProbe(JSON_PING, Duration.ofSeconds(10), Duration.ofSeconds(2), 1))) {
            try (PooledConnection lease = h.pool.acquire()) {
                h.ticker.advance(Duration.ofSeconds(30));
                h.maintain();
                assertEquals(0, h.transport.connections().get(0).sentTexts().size(), "no probe while leased");
                assertEquals(ACTIVE, lease.state());
            }
        }
    }

    @Test
    void anAcquireThatLandsOnAConnectionThatJustDiedGetsALiveOneInstead() {
        try (EngineHarness h = harness(2, 1)) {
            InMemoryTransport.Connection first = h.transport.openConnections().get(0);
            first.dieSilently(); // dead, but its close callback has not arrived yet
            try (PooledConnection c = h.pool.acquire(Duration.ZERO)) {
                c.send("reaches a live connection");
                assertTrue(c.isOpen());
            }
            assertEquals(1, h.recycledFor(RecycleReason.PEER_CLOSED), "the dead one was recycled, not handed out");
            first.peerClose(1006, "late callback");
        }
    }

    @Test
    void aConnectionThatDiesWhileBeingTakenIsRecycledNotStranded() {
        InMemoryTransport.Connection[] victim = new InMemoryTransport.Connection[1];
        io.github.wspool.PoolListener closeAtTheWorstMoment = new io.github.wspool.PoolListener() {
            @Override
            public void onStateChange(io.github.wspool.event.ConnectionStateChange e) {
                if (e.to() == ACTIVE && victim[0] != null && victim[0].isOpen()) {
                    victim[0].dieSilently();
                    victim[0].peerClose(1006, "reset"); // the close callback lands right after the take
                }
            }
        };
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(2).maxConnections(2)
                .listener(closeAtTheWorstMoment))) {
            victim[0] = h.transport.openConnections().get(0);
            h.provedThemselves(); // the victim dies as an established connection, not a failed connect
            try (PooledConnection c = h.pool.acquire(Duration.ofSeconds(1))) {
                assertTrue(c.isOpen(), "the caller got the live connection");
            }
            assertEquals(0, h.pool.stats().count(io.github.wspool.ConnectionState.UNHEALTHY), "nothing stranded");
            h.maintain();
            assertEquals(2, h.pool.stats().total(), "the dead one's slot was freed and refilled");
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void demandDoesNotSpinWhileThePoolWideConnectCapIsFull() {
        InMemoryTransport manual = new InMemoryTransport().manualOpen(true);
        FakeTicker ticker = new FakeTicker();
        DefaultWebSocketPool pool = DefaultWebSocketPool.start(io.github.wspool.core.BuilderAccess.config(
                io.github.wspool.core.WebSocketPools.builder().name("spin").endpoint("ws://127.0.0.1:1/")
                        .endpoint("ws://127.0.0.1:2/").pooling(true).maxConcurrentConnects(1, 1)
                        .ticker(ticker).transport(manual)), new ManualScheduler(ticker), b -> b);
        try {
            var first = pool.acquireAsync(Duration.ofSeconds(10));
            var second = pool.acquireAsync(Duration.ofSeconds(10)); // returns at once: no busy loop on the full cap
            assertEquals(1, manual.connectAttempts(), "one connect in flight, as capped");
            manual.openPending(); // the first connect opens; its completion starts the second
            manual.openPending();
            assertTrue(first.isDone() && second.isDone(), "both served once the connects finished");
            first.join().close();
            second.join().close();
        } finally {
            pool.close();
        }
    }

    @Test
    void aSilencedInMemoryConnectionGetsThePoolsPingsButAnswersNone() {
        // what the tests above rely on: silence() stops the pongs, not the pings (a silenced connection that also
        // stopped counting pings, or still answered them, would make their verdicts mean nothing)
        List<String> pongs = new CopyOnWriteArrayList<>();
        PoolListener pongRecorder = new PoolListener() {
            @Override
            public void onPong(PongEvent event) {
                pongs.add(event.connectionId());
            }
        };
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(1).maxConnections(4)
                .healthCheckInterval(Duration.ofSeconds(30)).pongTimeout(Duration.ofSeconds(5)).maxMissedPongs(2)
                .idleTimeout(Duration.ZERO).listener(pongRecorder))) {
            InMemoryTransport.Connection c = h.transport.openConnections().get(0);
            h.ticker.advance(Duration.ofSeconds(30));
            h.maintain(); // the pool's ping, answered
            assertEquals(1, c.pingCount());
            assertEquals(1, pongs.size(), "answered while not silenced: " + pongs);

            silence(h);
            h.ticker.advance(Duration.ofSeconds(30));
            h.maintain(); // the next ping reaches the connection...
            assertEquals(2, c.pingCount(), "a silenced connection still gets the pool's pings");
            h.ticker.advance(Duration.ofSeconds(5));
            h.maintain();
            assertEquals(1, pongs.size(), "...and no pong comes back: " + pongs);
            assertEquals(0, h.recycledFor(RecycleReason.UNHEALTHY), "one miss tolerated (maxMissedPongs 2)");

            c.autoPong(true);
            h.ticker.advance(Duration.ofSeconds(25));
            h.maintain();
            assertEquals(3, c.pingCount());
            assertEquals(2, pongs.size(), "answered again once unsilenced: " + pongs);
            assertEquals(pongs.get(0), pongs.get(1), "by the same connection");
        }
    }
}

package io.github.wspool.core.internal.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.PoolListener;
import io.github.wspool.core.BuilderAccess;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.internal.FakeTicker;
import io.github.wspool.core.internal.ManualScheduler;
import io.github.wspool.core.internal.PoolSettings;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.concurrent.TickerClock;
import io.github.wspool.core.internal.connect.ConnectSettings;
import io.github.wspool.core.internal.connect.ConnectionListener;
import io.github.wspool.core.internal.connect.Connector;
import io.github.wspool.core.internal.connection.Backoff;
import io.github.wspool.core.internal.connection.ConnectRate;
import io.github.wspool.core.internal.connection.ConnectionHealth;
import io.github.wspool.core.internal.connection.ConnectionOwner;
import io.github.wspool.core.internal.connection.EndpointCaps;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.Lease;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.core.internal.endpoint.Affinity;
import io.github.wspool.core.internal.endpoint.EjectionBudget;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.endpoint.EndpointSelector;
import io.github.wspool.core.internal.event.PoolListeners;
import io.github.wspool.core.internal.messaging.Messaging;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.event.EndpointHealthEvent;
import io.github.wspool.event.PongEvent;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.RecycleReason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The health monitor's ejection rules on their own, without a pool: a {@link HealthMonitor} over real endpoint states
 * (breakers on the fake ticker), a real recycler and a real connector over an in-memory transport, driven by a
 * {@link FakeTicker} and a {@link ManualScheduler}. The whole-pool view of the same rules is {@code HealthCheckTest}.
 */
class HealthMonitorTest {

    private static final URI A = URI.create("ws://127.0.0.1:1/a");
    private static final URI B = URI.create("ws://127.0.0.1:2/b");

    // ---------------------------------------------------------------------------------------- open-connection failures

    @Test
    void oneOpenConnectionFailureDoesNotEjectButTwoInARowDo() {
        Fixture f = new Fixture(b -> b);
        f.monitor.connectionFailed(f.a, "closed abnormally (code 1006)");
        assertTrue(f.a.healthy(), "one failure may be the connection's own");
        assertEquals(CircuitBreaker.State.CLOSED, f.a.breaker().getState());
        assertEquals(List.of(), f.healthEvents);
        assertEquals(0, f.failWaiters.get());

        f.monitor.connectionFailed(f.a, "stopped answering pings");
        assertFalse(f.a.healthy(), "two in a row: the endpoint is the problem");
        assertTrue(f.a.isEjected());
        assertEquals(CircuitBreaker.State.OPEN, f.a.breaker().getState());
        EndpointHealthEvent event = f.onlyHealthEvent();
        assertSame(f.a, event.endpoint());
        assertFalse(event.healthy());
        EndpointConnectException cause = assertInstanceOf(EndpointConnectException.class, event.cause());
        assertTrue(cause.getMessage().contains("stopped answering pings"), cause.getMessage());
        assertSame(cause, f.a.lastFailure());
        assertEquals(1, f.failWaiters.get());
        assertTrue(f.b.healthy(), "the other endpoint is not touched");
    }

    @Test
    void aPongBetweenTwoFailuresStartsTheCountOver() {
        Fixture f = new Fixture(b -> b);
        ManagedConnection c = f.open(f.a);
        f.monitor.connectionFailed(f.a, "reset");
        f.ticker.advance(Duration.ofSeconds(30)); // the keepalive ping falls due (30 s, less up to 10% jitter)
        f.keepalive(c); // the in-memory peer answers at once: a pong from the endpoint
        assertEquals(1, c.health().successfulPongs());
        assertEquals(0, f.a.connectionFailures().get(), "a pong proves the endpoint alive");
        f.monitor.connectionFailed(f.a, "reset");
        assertTrue(f.a.healthy(), "one failure since the pong");
        assertEquals(List.of(), f.healthEvents);
        f.monitor.connectionFailed(f.a, "reset");
        assertFalse(f.a.healthy(), "the second in a row since the pong ejects");
        assertEquals(1, f.healthEvents.size());
    }

    // --------------------------------------------------------------------------------------- what each cause withdraws

    @Test
    void connectionsFailingWithdrawsTheAvailableConnectionsButNotTheLeasedOne() {
        Fixture f = new Fixture(b -> b);
        ManagedConnection ready = f.open(f.a);
        ManagedConnection idle = f.open(f.a);
        assertTrue(idle.markIdle());
        ManagedConnection leased = f.openLeased(f.a);
        int token = leased.token();
        ManagedConnection other = f.open(f.b);

        f.monitor.connectionFailed(f.a, "reset");
        f.monitor.connectionFailed(f.a, "reset");

        assertEquals(1, f.healthEvents.size());
        assertEquals(1, f.failWaiters.get());
        assertWithdrawn(f, ready);
        assertWithdrawn(f, idle);
        assertTrue(leased.isActive(token), "a leased connection stays with its holder");
        assertTrue(f.conn(leased).isOpen());
        assertFalse(leased.endpoint.healthy(), "what its release reads to recycle it as UNHEALTHY");
        assertEquals(ConnectionState.READY, other.state(), "the other endpoint's connections are not touched");
        assertEquals(List.of(ready.id, idle.id), f.recycledIds(RecycleReason.UNHEALTHY));
        assertEquals(List.of(leased), List.of(f.a.connections()), "only the leased one is left on the endpoint");
    }

    @Test
    void healthCheckFailingWithdrawsTheAvailableConnectionsButNotTheLeasedOne() {
        Fixture f = new Fixture(b -> b);
        ManagedConnection ready = f.open(f.a);
        ManagedConnection leased = f.openLeased(f.a);
        int token = leased.token();

        f.a.checkFailing(true); // as EndpointChecks marks it before taking the one path
        EndpointConnectException cause = new EndpointConnectException(A, "health check failed", 0, null);
        f.monitor.endpointUnhealthy(f.a, HealthMonitor.Ejection.HEALTH_CHECK_FAILING, "health check failed", cause);

        assertFalse(f.a.healthy());
        assertSame(cause, f.onlyHealthEvent().cause());
        assertEquals(1, f.failWaiters.get());
        assertWithdrawn(f, ready);
        assertTrue(leased.isActive(token), "a leased connection stays with its holder");
        assertEquals(List.of(ready.id), f.recycledIds(RecycleReason.UNHEALTHY));
    }

    @Test
    void connectsFailingLeavesEveryConnectionAloneAndAFailedProbeDoesNotReportAgain() {
        Fixture f = new Fixture(b -> b);
        ManagedConnection ready = f.open(f.a);
        ManagedConnection leased = f.openLeased(f.a);
        f.transport.failConnects(new ConnectException("Connection refused"));
        for (int i = 0; i < 10 && !f.a.isEjected(); i++) { // failed connects until the connect breaker opens
            f.ticker.advance(Duration.ofMillis(2)); // past the 1 ms backoff
            f.tryConnect(f.a);
        }
        assertTrue(f.a.isEjected(), "the connect breaker opened");
        assertFalse(f.a.healthy());
        EndpointHealthEvent event = f.onlyHealthEvent();
        assertFalse(event.healthy());
        assertInstanceOf(EndpointConnectException.class, event.cause());
        assertEquals(1, f.failWaiters.get());
        assertEquals(ConnectionState.READY, ready.state(), "a server refusing new connections may serve its old ones");
        assertEquals(ConnectionState.ACTIVE, leased.state());
        assertEquals(List.of(), f.recycledIds(RecycleReason.UNHEALTHY));

        f.ticker.advance(Duration.ofMillis(1_001)); // past the breaker's first open-state wait (1 s)
        long attempts = f.transport.connectAttempts();
        f.monitor.probeEjected(f.a, f.ticker.read());
        assertEquals(attempts + 1, f.transport.connectAttempts(), "a probe connect went out, and failed");
        assertEquals(CircuitBreaker.State.OPEN, f.a.breaker().getState());
        assertEquals(1, f.healthEvents.size(), "the endpoint was ejected already: no second report");
        assertEquals(1, f.failWaiters.get());
    }

    @Test
    void anEndpointAlreadyEjectedIsNotReportedAgainByMoreConnectionFailures() {
        Fixture f = new Fixture(b -> b);
        f.monitor.connectionFailed(f.a, "reset");
        f.monitor.connectionFailed(f.a, "reset");
        f.monitor.connectionFailed(f.a, "reset");
        f.monitor.connectionFailed(f.a, "reset");
        assertEquals(1, f.healthEvents.size());
        assertEquals(1, f.failWaiters.get());
        f.monitor.connectionFailed(f.b, "reset");
        f.monitor.connectionFailed(f.b, "reset");
        assertEquals(2, f.healthEvents.size(), "each endpoint is reported once");
        assertSame(f.b, f.healthEvents.get(1).endpoint());
        assertEquals(2, f.failWaiters.get());
    }

    // ------------------------------------------------------------------------------------------------ keepalive

    @Test
    void missedPongsMakeConnectionsUnhealthyAndTwoEjectTheEndpoint() {
        // pings every second, pongs due within 5 s: the next ping falls due while one is still out
        Fixture f = new Fixture(b -> b.healthCheckInterval(Duration.ofSeconds(1)).pongTimeout(Duration.ofSeconds(5))
                .maxMissedPongs(1));
        ManagedConnection available = f.open(f.a);
        ManagedConnection leased = f.openLeased(f.a);
        int token = leased.token();
        ManagedConnection bystander = f.open(f.a); // not pinged here: it answers nothing, and is withdrawn
        f.conn(available).autoPong(false);
        f.conn(leased).autoPong(false);

        f.ticker.advance(Duration.ofSeconds(1));
        f.keepalive(available, leased);
        assertEquals(1, f.conn(available).pingCount());
        assertEquals(1, f.conn(leased).pingCount());
        for (int s = 1; s < 5; s++) { // pings fall due every second, but the first one's pong is still out
            f.ticker.advance(Duration.ofSeconds(1));
            f.keepalive(available, leased);
            assertEquals(1, f.conn(available).pingCount(), "no ping while one is outstanding (" + s + " s)");
            assertEquals(1, f.conn(leased).pingCount());
        }
        assertEquals(ConnectionState.READY, available.state(), "not before pongTimeout");
        assertEquals(0, f.a.connectionFailures().get());

        f.ticker.advance(Duration.ofSeconds(1)); // the pong deadline
        f.monitor.keepalive(available, f.ticker.read());
        assertEquals(List.of(available.id), f.recycledIds(RecycleReason.UNHEALTHY), "available: recycled at once");
        assertEquals(ConnectionState.CLOSED, available.state());
        assertEquals(1, f.a.connectionFailures().get(), "counted against its endpoint");
        assertTrue(f.a.healthy(), "one connection's miss may be its own");
        assertEquals(List.of(), f.healthEvents);

        f.monitor.keepalive(leased, f.ticker.read());
        assertEquals(ConnectionState.UNHEALTHY, leased.state(), "leased: marked, recycled on release");
        assertEquals(RecycleReason.UNHEALTHY, leased.brokenReason());
        assertFalse(leased.isActive(token));
        assertFalse(f.a.healthy(), "the second silent connection ejects the endpoint");
        assertTrue(f.onlyHealthEvent().cause().getMessage().contains("stopped answering pings"));
        assertEquals(1, f.failWaiters.get());
        assertEquals(List.of(available.id, bystander.id), f.recycledIds(RecycleReason.UNHEALTHY),
                "its other available connection is withdrawn");
        f.recycler.recycleIfBroken(leased, token); // what the holder's release does with it
        assertEquals(List.of(available.id, bystander.id, leased.id), f.recycledIds(RecycleReason.UNHEALTHY));
        assertEquals(ConnectionState.CLOSED, leased.state());
    }

    @Test
    void whileReadingIsPausedForSlowHandlersNoPongIsMissedAndTheDeadlineCountsFromTheResumption() {
        // pings every second, pongs due within 2 s, one miss makes the connection unhealthy
        Fixture f = new Fixture(b -> b.healthCheckInterval(Duration.ofSeconds(1)).pongTimeout(Duration.ofSeconds(2))
                .maxMissedPongs(1));
        ManagedConnection c = f.open(f.a);
        f.conn(c).autoPong(false); // the pong sits in the socket behind the messages nobody reads
        f.ticker.advance(Duration.ofSeconds(1));
        f.keepalive(c);
        assertEquals(1, f.conn(c).pingCount());

        f.monitor.readingPaused(c, true); // the inbound queue filled: the transport stops reading
        for (int s = 0; s < 30; s++) { // 30 s paused: 15 pong timeouts, 30 ping intervals
            f.ticker.advance(Duration.ofSeconds(1));
            f.keepalive(c);
        }
        assertEquals(ConnectionState.READY, c.state(), "not blamed for the client's slow handlers");
        assertEquals(1, f.conn(c).pingCount(), "no ping while paused");
        assertEquals(List.of(), f.recycledIds(RecycleReason.UNHEALTHY));
        assertEquals(0, f.a.connectionFailures().get());

        f.monitor.readingPaused(c, false); // handlers caught up: the socket is read again, the pong may come
        f.ticker.advance(Duration.ofMillis(1999));
        f.keepalive(c);
        assertEquals(ConnectionState.READY, c.state(), "a full pong timeout from the resumption");

        f.ticker.advance(Duration.ofMillis(1)); // nothing came while reading: a silent server is still caught
        f.keepalive(c);
        assertEquals(List.of(c.id), f.recycledIds(RecycleReason.UNHEALTHY));
        assertEquals(1, f.a.connectionFailures().get(), "counted against its endpoint");
    }

    @Test
    void aPongReadRightAfterTheResumptionAnswersThePingSentBeforeThePause() {
        Fixture f = new Fixture(b -> b.healthCheckInterval(Duration.ofSeconds(1)).pongTimeout(Duration.ofSeconds(2))
                .maxMissedPongs(1));
        ManagedConnection c = f.open(f.a);
        InMemoryTransport.Connection peer = f.conn(c);
        peer.autoPong(false);
        f.ticker.advance(Duration.ofSeconds(1));
        f.keepalive(c);
        f.monitor.readingPaused(c, true);
        f.ticker.advance(Duration.ofSeconds(10));
        f.keepalive(c);
        f.monitor.readingPaused(c, false);
        peer.pong(ConnectionHealth.pingPayload(1)); // read off the socket now
        assertEquals(1, c.health().successfulPongs());
        f.ticker.advance(Duration.ofSeconds(5));
        f.keepalive(c);
        assertEquals(ConnectionState.READY, c.state());
        assertEquals(List.of(), f.recycledIds(RecycleReason.UNHEALTHY));
    }

    @Test
    void answeredPingsKeepTheConnectionAndTheEndpoint() {
        Fixture f = new Fixture(b -> b.healthCheckInterval(Duration.ofSeconds(1)).pongTimeout(Duration.ofSeconds(5))
                .maxMissedPongs(1));
        ManagedConnection c = f.open(f.a);
        for (int s = 0; s < 12; s++) {
            f.ticker.advance(Duration.ofSeconds(1));
            f.keepalive(c);
        }
        assertEquals(12, f.conn(c).pingCount(), "answered at once, so a ping every second");
        assertEquals(12, c.health().successfulPongs());
        assertEquals(ConnectionState.READY, c.state());
        assertEquals(List.of(), f.recycledIds(RecycleReason.UNHEALTHY));
        assertTrue(f.a.healthy());
    }

    @Test
    void onlyThePongEchoingTheOutstandingPingAnswersItAndGivesARoundTrip() {
        Fixture f = new Fixture(b -> b.healthCheckInterval(Duration.ofSeconds(1)).pongTimeout(Duration.ofSeconds(5))
                .maxMissedPongs(2));
        ManagedConnection c = f.open(f.a);
        InMemoryTransport.Connection peer = f.conn(c);
        peer.autoPong(false);
        f.monitor.connectionFailed(f.a, "reset"); // a pong that counts would start this over

        f.ticker.advance(Duration.ofSeconds(1));
        f.keepalive(c); // ping 1 goes out
        assertEquals(1, peer.pingCount());
        f.ticker.advance(Duration.ofMillis(300));
        peer.pong(ByteBuffer.allocate(0)); // unsolicited, empty
        peer.pong(ByteBuffer.wrap("pong".getBytes(java.nio.charset.StandardCharsets.US_ASCII))); // other data
        peer.pong(ConnectionHealth.pingPayload(2)); // a ping not sent yet
        assertEquals(0, c.health().successfulPongs(), "none of them answers ping 1");
        assertEquals(List.of(), f.pongs, "and none gives a round-trip time");
        assertEquals(1, f.a.connectionFailures().get(), "nor proves the endpoint alive");

        f.ticker.advance(Duration.ofSeconds(5)); // ping 1's pong deadline
        f.keepalive(c); // missed (1 of 2): ping 2 goes out
        assertEquals(2, peer.pingCount());
        assertEquals(ConnectionState.READY, c.state());
        peer.pong(ConnectionHealth.pingPayload(1)); // ping 1's pong, late: it does not answer ping 2
        assertEquals(0, c.health().successfulPongs());

        f.ticker.advance(Duration.ofMillis(40));
        peer.pong(ConnectionHealth.pingPayload(2)); // the answer
        assertEquals(1, c.health().successfulPongs());
        assertEquals(1, f.pongs.size());
        assertEquals(Duration.ofMillis(40), f.pongs.get(0).roundTrip(), "measured from ping 2");
        assertEquals(0, f.a.connectionFailures().get(), "the endpoint is alive");
        peer.pong(ConnectionHealth.pingPayload(2)); // a second answer counts no more
        assertEquals(1, c.health().successfulPongs());
        assertEquals(1, f.pongs.size());
    }

    @Test
    void unsolicitedPongsDoNotKeepASilentConnectionHealthy() {
        Fixture f = new Fixture(b -> b.healthCheckInterval(Duration.ofSeconds(1)).pongTimeout(Duration.ofSeconds(2))
                .maxMissedPongs(1));
        ManagedConnection c = f.open(f.a);
        f.conn(c).autoPong(false);
        f.ticker.advance(Duration.ofSeconds(1));
        f.keepalive(c);
        for (int i = 0; i < 4; i++) {
            f.ticker.advance(Duration.ofMillis(500));
            f.conn(c).pong(ByteBuffer.allocate(0)); // a server's own heartbeat, as RFC 6455 5.5.3 allows
            f.keepalive(c);
        }
        assertEquals(List.of(c.id), f.recycledIds(RecycleReason.UNHEALTHY), "the ping was never answered");
        assertEquals(List.of(), f.pongs);
    }

    // ------------------------------------------------------------------------------------------------ probe back

    @Test
    void anEjectedEndpointGetsOneProbeConnectOnceTheBreakerWaitPassedAndComesBackOnItsSuccess() {
        Fixture f = new Fixture(b -> b);
        f.monitor.connectionFailed(f.a, "reset");
        f.monitor.connectionFailed(f.a, "reset");
        assertTrue(f.a.isEjected());
        f.transport.manualOpen(true); // hold the probe mid-handshake
        long attempts = f.transport.connectAttempts();

        f.ticker.advance(Duration.ofMillis(999));
        long now = f.ticker.read();
        assertEquals(now + TimeUnit.MILLISECONDS.toNanos(100), f.monitor.probeEjected(f.a, now), "look again soon");
        assertEquals(attempts, f.transport.connectAttempts(), "no probe before the breaker's 1 s wait");
        assertEquals(CircuitBreaker.State.OPEN, f.a.breaker().getState());

        f.ticker.advance(Duration.ofMillis(2));
        assertEquals(Long.MAX_VALUE, f.monitor.probeEjected(f.a, f.ticker.read()), "the outcome wakes the caller");
        assertEquals(attempts + 1, f.transport.connectAttempts(), "one probe once the wait passed");
        assertEquals(CircuitBreaker.State.HALF_OPEN, f.a.breaker().getState());
        assertFalse(f.a.healthy(), "half-open: still no leases");
        f.ticker.advance(Duration.ofMillis(200));
        f.monitor.probeEjected(f.a, f.ticker.read());
        f.monitor.probeEjected(f.a, f.ticker.read());
        assertEquals(attempts + 1, f.transport.connectAttempts(), "exactly one probe while it is out");
        assertEquals(1, f.healthEvents.size());

        assertEquals(1, f.transport.openPending());
        assertFalse(f.a.healthy(), "not before the probe's connection has proved itself");
        f.ticker.advance(Connector.MIN_CONNECTION_LIFETIME);
        f.scheduler.runDue();
        assertTrue(f.a.healthy(), "a successful probe closes the breaker");
        assertEquals(CircuitBreaker.State.CLOSED, f.a.breaker().getState());
        assertEquals(2, f.healthEvents.size());
        EndpointHealthEvent back = f.healthEvents.get(1);
        assertSame(f.a, back.endpoint());
        assertTrue(back.healthy());
        assertNull(back.cause());
        assertEquals(1, f.ready.size(), "the probe's connection joins the pool");
        assertSame(f.a, f.ready.get(0).endpoint);
        assertEquals(Long.MAX_VALUE, f.monitor.probeEjected(f.a, f.ticker.read()), "nothing to probe any more");
        assertEquals(attempts + 1, f.transport.connectAttempts());
    }

    // ------------------------------------------------------------------------------------------------ HTTP check

    @Test
    void httpChecksInARowMakeTheEndpointUnhealthyAndHealthyAgain() throws IOException {
        AtomicInteger status = new AtomicInteger(200);
        AtomicInteger served = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/health", exchange -> {
            served.incrementAndGet();
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.start();
        URI health = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health");
        Fixture f = new Fixture(b -> b.endpointHealthCheck(uri -> health, Duration.ofSeconds(5),
                Duration.ofSeconds(2), 2, 3));
        AtomicInteger maintenance = new AtomicInteger();
        EndpointChecks checks = new EndpointChecks("h", f.settings.health(), f.monitor, f.shutdown,
                maintenance::incrementAndGet);
        try {
            ManagedConnection ready = f.open(f.a);
            assertTrue(checks.enabled());
            check(f, checks);
            assertTrue(f.a.healthy());

            status.set(503);
            check(f, checks);
            assertTrue(f.a.healthy(), "one failure is below the threshold of 2");
            assertEquals(List.of(), f.healthEvents);
            check(f, checks);
            assertFalse(f.a.healthy(), "two failures in a row");
            assertTrue(f.a.checkFailing());
            EndpointHealthEvent down = f.onlyHealthEvent();
            assertFalse(down.healthy());
            assertTrue(down.cause().getMessage().contains("503"), down.cause().getMessage());
            assertEquals(1, f.failWaiters.get());
            assertWithdrawn(f, ready);
            check(f, checks);
            assertEquals(1, f.healthEvents.size(), "still failing: not reported again");
            assertEquals(1, f.failWaiters.get());

            status.set(200);
            check(f, checks);
            check(f, checks);
            assertFalse(f.a.healthy(), "two passes are below the healthy threshold of 3");
            status.set(503);
            check(f, checks); // breaks the run of passes
            status.set(200);
            check(f, checks);
            check(f, checks);
            assertFalse(f.a.healthy(), "passes count in a row");
            check(f, checks);
            assertTrue(f.a.healthy(), "three passes in a row");
            assertEquals(2, f.healthEvents.size());
            assertTrue(f.healthEvents.get(1).healthy());
            assertEquals(1, f.failWaiters.get());
            assertEquals(10, served.get(), "every check reached the server");
            assertTrue(f.b.healthy(), "the other endpoint was never checked here");
        } finally {
            checks.close();
            server.stop(0);
        }
    }

    /** Starts one HTTP check of endpoint a when due and waits for its verdict, then moves to the next interval. */
    private static void check(Fixture f, EndpointChecks checks) {
        long next = checks.check(f.a, f.ticker.read());
        assertEquals(f.ticker.read() + TimeUnit.SECONDS.toNanos(5), next, "the check started");
        // in flight from check() on (it may be done already): its verdict is in once the flag drops
        await().atMost(Duration.ofSeconds(10)).until(() -> !f.a.httpCheck().inFlight());
        assertEquals(next, checks.check(f.a, f.ticker.read()), "not due again before the interval");
        f.ticker.advance(Duration.ofSeconds(5));
    }

    private static void assertWithdrawn(Fixture f, ManagedConnection c) {
        assertEquals(ConnectionState.CLOSED, c.state(), c.id);
        assertTrue(f.conn(c).isFinished(), c.id + ": its socket was closed");
        assertEquals(1000, f.conn(c).closeCode(), c.id);
        assertTrue(f.recycledIds(RecycleReason.UNHEALTHY).contains(c.id), c.id);
    }

    // ------------------------------------------------------------------------------------------------ fixture

    /**
     * A {@link HealthMonitor} over the real parts it works with: two endpoint states built as the pool's endpoint
     * factory builds them (connect breaker on the fake ticker, its transitions refreshing {@code healthy()}), a
     * recycler, and a connector over an in-memory transport. This class stands in for the pool's connection router
     * (the transport's callbacks to the monitor) and for the connections' owner.
     */
    private static final class Fixture implements ConnectionListener, Recycler.Listener, ConnectionOwner {

        final FakeTicker ticker = new FakeTicker();
        final ManualScheduler scheduler = new ManualScheduler(ticker);
        final InMemoryTransport transport = new InMemoryTransport();
        final Shutdown shutdown = new Shutdown();
        final List<EndpointHealthEvent> healthEvents = new CopyOnWriteArrayList<>();
        final List<RecycleEvent> recycled = new CopyOnWriteArrayList<>();
        final List<PongEvent> pongs = new CopyOnWriteArrayList<>();
        /** Connections that opened and were handed to the pool, in order. */
        final List<ManagedConnection> ready = new CopyOnWriteArrayList<>();
        final AtomicInteger failWaiters = new AtomicInteger();
        final PoolSettings settings;
        final EndpointState a;
        final EndpointState b;
        final Recycler recycler;
        final Connector connector;
        final HealthMonitor monitor;

        Fixture(UnaryOperator<WebSocketPoolBuilder> options) {
            settings = BuilderAccess.config(options.apply(WebSocketPools.builder().name("h").endpoint(A.toString())
                    .endpoint(B.toString()).ticker(ticker).transport(transport).maxConnections(16)
                    .reconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(1))
                    .maxEjectionPercent(100))); // the rules on their own; the budget has tests of its own below
            PoolListeners events = new PoolListeners("h", ticker, List.of(new PoolListener() {
                @Override
                public void onEndpointHealthChange(EndpointHealthEvent event) {
                    healthEvents.add(event);
                }

                @Override
                public void onRecycle(RecycleEvent event) {
                    recycled.add(event);
                }

                @Override
                public void onPong(PongEvent event) {
                    pongs.add(event);
                }
            }));
            a = endpoint(A);
            b = endpoint(B);
            recycler = new Recycler("h", events, scheduler, settings.connect().closeTimeout().toNanos(), this);
            EndpointRegistry endpoints = new EndpointRegistry("h", List.of(a, b), (uri, weight, headers) -> {
                throw new UnsupportedOperationException("no endpoints are added here");
            }, recycler, scheduler, events, new Affinity(16, Duration.ofMinutes(1), ticker), shutdown, () -> { });
            EndpointSelector selector = new EndpointSelector(settings.routing().strategy(), "h", false);
            EjectionBudget budget = new EjectionBudget(endpoints, settings.health().maxEjectionPercent());
            connector = new Connector("h", settings.connect(), new Connector.Collaborators(ticker, transport,
                    scheduler, events, endpoints, selector, recycler, shutdown, this, budget), this, () -> 0, () -> { });
            monitor = new HealthMonitor("h", settings.health(), ticker, events, recycler, connector, shutdown,
                    failWaiters::incrementAndGet, budget);
        }

        /** As {@code EndpointFactory} builds an endpoint's state. */
        private EndpointState endpoint(URI uri) {
            ConnectSettings connect = settings.connect();
            CircuitBreaker breaker = CircuitBreaker.of("wspool.h." + Endpoint.describe(uri),
                    CircuitBreakerConfig.from(settings.health().endpointBreakerConfig())
                            .clock(new TickerClock(ticker)).build());
            EndpointState e = new EndpointState(uri, 1, new EndpointCaps(connect.maxConnectionsPerEndpoint(),
                    connect.maxConcurrentConnectsPerEndpoint(), 1), breaker,
                    new Backoff(connect.backoffInitial().toNanos(), connect.backoffMax().toNanos(),
                            connect.backoffMultiplier(), bound -> bound),
                    ConnectRate.of(connect.connectRatePerEndpoint()), connect.transportOptions(),
                    TimeUnit.SECONDS.toNanos(10));
            breaker.getEventPublisher().onStateTransition(t -> e.refreshHealth());
            e.httpCheck().nextAt(ticker.read());
            return e;
        }

        /** Opens a connection on {@code e} through the connector; it is READY and nobody holds it. */
        ManagedConnection open(EndpointState e) {
            int before = ready.size();
            tryConnect(e);
            assertEquals(before + 1, ready.size(), "the connect opened");
            ManagedConnection c = ready.get(before);
            assertEquals(ConnectionState.READY, c.state());
            assertNotNull(c.transport());
            return c;
        }

        /** Opens a connection on {@code e} and takes it, as an acquire does (READY to ACTIVE). */
        ManagedConnection openLeased(EndpointState e) {
            ManagedConnection c = open(e);
            assertTrue(c.lease());
            return c;
        }

        /** Starts a connect on {@code e} if it may connect now. */
        void tryConnect(EndpointState e) {
            if (connector.claimConnect(e) != null) {
                connector.startClaimed(e);
            }
        }

        InMemoryTransport.Connection conn(ManagedConnection c) {
            return (InMemoryTransport.Connection) c.transport();
        }

        /** A keepalive look at each connection, as the housekeeper makes one. */
        void keepalive(ManagedConnection... cs) {
            for (ManagedConnection c : cs) {
                monitor.keepalive(c, ticker.read());
            }
        }

        EndpointHealthEvent onlyHealthEvent() {
            assertEquals(1, healthEvents.size(), healthEvents.toString());
            return healthEvents.get(0);
        }

        List<String> recycledIds(RecycleReason reason) {
            return recycled.stream().filter(r -> r.reason() == reason).map(RecycleEvent::connectionId).toList();
        }

        // ---------------------------------------------------------------- the router's part: transport to monitor

        @Override
        public void opening(ManagedConnection c, long now) {
            monitor.opened(c, now);
        }

        @Override
        public void ready(ManagedConnection c) {
            ready.add(c); // kept READY: nobody is waiting here
        }

        @Override
        public void text(ManagedConnection c, String text) {
            monitor.probeReply(c, text);
        }

        @Override
        public void binary(ManagedConnection c, ByteBuffer data) {
        }

        @Override
        public void pong(ManagedConnection c, ByteBuffer payload) {
            monitor.pong(c, payload);
        }

        @Override
        public void closed(ManagedConnection c, int code, String reason, boolean remote, Throwable error) {
            recycler.markBroken(c, RecycleReason.PEER_CLOSED);
            recycler.finishIfRecycling(c);
        }

        @Override
        public void endpointRecovered(EndpointState e) {
            monitor.endpointHealthy(e);
        }

        @Override
        public void endpointEjected(EndpointState e, EndpointConnectException failure, int failures) {
            monitor.connectsFailed(e, failure, failures);
        }

        @Override
        public void connectionClosed(ManagedConnection c) {
            connector.freeSlot(c);
        }

        // ---------------------------------------------------------------- the connections' owner

        @Override
        public void onTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
        }

        @Override
        public void onIllegalTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
            throw new AssertionError("illegal transition " + from + " -> " + to + " of " + c);
        }

        @Override
        public void release(Lease lease) {
            throw new UnsupportedOperationException("no leases are made here");
        }

        @Override
        public Messaging messaging() {
            throw new UnsupportedOperationException("no messaging here");
        }
    }
}

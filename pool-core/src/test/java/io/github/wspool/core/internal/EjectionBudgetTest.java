package io.github.wspool.core.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;
import io.github.wspool.NoHealthyEndpointException;
import io.github.wspool.PooledConnection;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletableFuture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointSnapshot;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.core.spi.LocalConnectException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Nothing blamed wrongly: at most {@code maxEjectionPercent} of the endpoints leave rotation at once, and a fault on
 * this side (file descriptors, the header supplier) never counts against an endpoint. Whole engine on the in-memory
 * transport, driven by the fake ticker.
 */
class EjectionBudgetTest {

    private static URI uri(int i) {
        return URI.create("ws://127.0.0.1:" + (1000 + i) + "/feed");
    }

    private static EngineHarness pool(int endpoints, UnaryOperator<io.github.wspool.core.WebSocketPoolBuilder> more) {
        EngineHarness h = new EngineHarness(b -> {
            for (int i = 2; i <= endpoints; i++) {
                b.endpoint(uri(i));
            }
            return more.apply(b.pooling(true).minConnections(2 * endpoints).maxConnections(4 * endpoints)
                    .reconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(1)));
        });
        h.provedThemselves(); // the connections that fail below are established ones, not young deaths
        return h;
    }

    /** The open connections of endpoint {@code port} (1 is the harness's own endpoint on port 1). */
    private static List<InMemoryTransport.Connection> openOn(EngineHarness h, int port) {
        List<InMemoryTransport.Connection> on = new ArrayList<>();
        for (InMemoryTransport.Connection c : h.transport.openConnections()) {
            if (c.uri().getPort() == port) {
                on.add(c);
            }
        }
        return on;
    }

    /** Two of the endpoint's connections close abnormally, with no pong or successful connect in between. */
    private static void failTwice(EngineHarness h, int port) {
        List<InMemoryTransport.Connection> on = openOn(h, port);
        assertTrue(on.size() >= 2, "two connections on " + port + ": " + h.pool.stats().describe());
        on.get(0).peerClose(1006, "reset");
        on.get(1).peerClose(1006, "reset");
    }

    private static long out(EngineHarness h) {
        return h.pool.stats().endpoints().stream().filter(e -> !e.healthy()).count();
    }

    private static EndpointSnapshot endpoint(EngineHarness h, int port) {
        return h.pool.stats().endpoints().stream().filter(e -> e.uri().getPort() == port).findFirst().orElseThrow();
    }

    @Test
    void sixEndpointsFourFailingAtMostThreeAreEjected() {
        try (EngineHarness h = pool(6, b -> b)) {
            assertEquals(12, h.transport.openConnections().size());
            for (int port : new int[] {1, 1002, 1003, 1004}) {
                failTwice(h, port);
            }
            assertEquals(3, out(h), () -> h.pool.stats().describe());
            assertTrue(endpoint(h, 1004).healthy(), "the fourth failing endpoint stays in rotation: the budget is spent");
            assertEquals("closed", endpoint(h, 1004).breakerState());
        }
    }

    @Test
    void threeEndpointsTwoKilledTheThirdIsNotEjectedEvenIfItErrs() {
        try (EngineHarness h = pool(3, b -> b)) {
            failTwice(h, 1);
            failTwice(h, 1002);
            assertEquals(1, out(h), "half of three, at least one: one may be out");
            failTwice(h, 1003); // the last one errs too
            assertTrue(endpoint(h, 1003).healthy(), () -> h.pool.stats().describe());
            assertEquals(1, out(h));
        }
    }

    @Test
    void withTheBudgetAtOneHundredEveryFailingEndpointIsEjected() {
        try (EngineHarness h = pool(3, b -> b.maxEjectionPercent(100))) {
            failTwice(h, 1);
            failTwice(h, 1002);
            failTwice(h, 1003);
            assertEquals(3, out(h), () -> h.pool.stats().describe());
        }
    }

    @Test
    void withTheBudgetAtZeroNoEndpointIsEverEjected() {
        try (EngineHarness h = pool(2, b -> b.maxEjectionPercent(0))) {
            failTwice(h, 1);
            assertEquals(0, out(h), () -> h.pool.stats().describe());
        }
    }

    /** Connect failures on a single endpoint, each retried after the backoff; returns the endpoint's snapshot. */
    private static EndpointSnapshot afterFailedConnects(EngineHarness h, int attempts) {
        for (int i = 0; i < attempts; i++) {
            h.ticker.advance(Duration.ofMillis(5));
            h.maintain();
        }
        return h.pool.stats().endpoints().get(0);
    }

    @Test
    void outOfFileDescriptorsIsNotTheServersFault() {
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(1)
                .reconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(1)))) {
            h.transport.failConnects(new SocketException("Too many open files"));
            h.transport.openConnections().get(0).peerClose(1000, "bye"); // the minimum must be restored: it cannot be
            int before = h.transport.connectAttempts();
            EndpointSnapshot e = afterFailedConnects(h, 6);
            assertTrue(h.transport.connectAttempts() - before >= 5, "the pool kept retrying: " + h.transport.connectAttempts());
            assertTrue(e.healthy(), "not ejected: " + e);
            assertEquals("closed", e.breakerState());
            assertInstanceOf(SocketException.class, e.lastFailure().getCause(), "the failure is still reported");
        }
    }

    @Test
    void aFailingHeaderSupplierIsNotTheServersFault() {
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(1)
                .reconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(1))
                .headers((uri, refresh) -> {
                    throw new IOException("token service down");
                }))) {
            EndpointSnapshot e = afterFailedConnects(h, 6);
            assertTrue(e.healthy(), "not ejected: " + e);
            assertEquals("closed", e.breakerState());
            assertInstanceOf(LocalConnectException.class, e.lastFailure());
        }
    }

    @Test
    void aRefusedConnectIsTheServersFaultAndEjectsIt() {
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(1)
                .reconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(1)))) {
            h.transport.failConnects(new ConnectException("Connection refused"));
            h.transport.openConnections().get(0).peerClose(1000, "bye");
            EndpointSnapshot e = afterFailedConnects(h, 6);
            assertTrue(!e.healthy(), "ejected after its failed connects (the contrast of the two above): " + e);
            assertTrue(!"closed".equals(e.breakerState()), e.breakerState());
        }
    }

    @Test
    void aWaiterFailsFastOnceTheEndpointTheBudgetKeepsInRotationIsDownToo() {
        try (EngineHarness h = new EngineHarness(b -> b.endpoint(uri(2)).pooling(true)
                .reconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(1)))) {
            h.transport.manualOpen(true);
            CompletableFuture<PooledConnection> waiter = h.pool.acquireAsync(Duration.ofHours(1));
            for (int i = 0; i < 60 && !waiter.isDone(); i++) {
                h.transport.failPending(new ConnectException("Connection refused"));
                h.ticker.advance(Duration.ofMillis(5));
                h.maintain();
            }
            assertEquals(1, out(h), "one endpoint ejected, the other kept in rotation by the budget: "
                    + h.pool.stats().describe());
            assertTrue(waiter.isCompletedExceptionally(), "the waiter failed fast, not at its hour-long timeout");
            CompletionException failed = assertThrows(CompletionException.class, waiter::join);
            assertInstanceOf(NoHealthyEndpointException.class, failed.getCause());
        }
    }
}

package io.github.wspool.core.internal.connect;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.PoolListener;
import io.github.wspool.core.BuilderAccess;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.internal.EndpointFactoryAccess;
import io.github.wspool.core.internal.FakeTicker;
import io.github.wspool.core.internal.ManualScheduler;
import io.github.wspool.core.internal.PoolSettings;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connection.ConnectionOwner;
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
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.RecycleReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connector on its own, with real collaborators (endpoints made as the pool makes them, selector, recycler,
 * in-memory transport, events) and no pool: time is a {@link FakeTicker}, timed work runs on {@link ManualScheduler}
 * only when the test says, and the number of waiting callers is a number the test sets.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a broken rule can loop: fail, not hang
class ConnectorTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final String A = "ws://127.0.0.1:1/a";
    private static final String B = "ws://127.0.0.1:2/b";

    private final List<Fixture> fixtures = new ArrayList<>();

    @AfterEach
    void noIllegalTransitions() {
        for (Fixture f : fixtures) {
            assertEquals(List.of(), f.illegalTransitions, "the lifecycle table was broken");
        }
    }

    // ------------------------------------------------------------------------------------------------ backoff

    @Test
    void afterEachFailedConnectTheNextWaitsTheExponentialBoundAndASuccessResetsIt() {
        Fixture f = fixture(b -> b.reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0)
                .ejectAfterConnectFailures(100)); // the breaker stays out of it
        EndpointState e = f.endpoint(0);
        f.transport.failConnects(new IOException("connection refused"));
        f.waiting.set(1);

        long retryAt = f.connector.refill(f.ticker.read());
        assertEquals(1, f.attempts());
        long[] boundsMs = {100, 200, 400, 800, 1000, 1000, 1000}; // initial * 2^(n-1), capped at max
        for (int n = 1; n <= boundsMs.length; n++) {
            long due = f.ticker.read() + boundsMs[n - 1] * MS;
            assertEquals(due, retryAt, "refill says when attempt " + (n + 1) + " is due");
            assertEquals(due, e.backoffUntil());

            f.ticker.advance(Duration.ofNanos(due - f.ticker.read() - 1));
            f.scheduler.runDue();
            assertEquals(due, f.connector.refill(f.ticker.read()));
            f.connector.openForDemand(null);
            f.connector.openForDemand(e);
            assertNull(f.connector.claimConnect(e));
            assertEquals(n, f.attempts(), "attempt " + (n + 1) + " does not start 1 ns before it is due");

            f.ticker.advance(Duration.ofNanos(1));
            retryAt = f.connector.refill(f.ticker.read());
            assertEquals(n + 1, f.attempts(), "attempt " + (n + 1) + " starts when it is due");
            assertEquals(n + 1, e.consecutiveFailures());
        }

        f.transport.failConnects(null);
        f.ticker.advance(Duration.ofNanos(retryAt - f.ticker.read()));
        assertEquals(Long.MAX_VALUE, f.connector.refill(f.ticker.read()), "served: nothing to retry");
        assertEquals(boundsMs.length + 2, f.attempts());
        assertEquals(1, f.listener.ready.size());
        assertEquals(boundsMs.length + 1, e.consecutiveFailures(), "the streak stands until it proves itself");
        f.ticker.advance(Connector.MIN_CONNECTION_LIFETIME);
        f.scheduler.runDue();
        assertEquals(0, e.consecutiveFailures(), "it stayed open the minimum lifetime: a success resets the backoff");
        assertEquals(Long.MAX_VALUE, e.backoffUntil(), "a success ends the backoff");

        f.transport.failConnects(new IOException("connection refused"));
        f.waiting.set(1);
        long now = f.ticker.read();
        assertEquals(now + 100 * MS, f.connector.refill(now), "after a success the next failure waits the initial");
    }

    @Test
    void whileAnEndpointFailsOnlyOneConnectAtATimeGoesToItHoweverManyCallersWait() {
        Fixture f = fixture(b -> b.ejectAfterConnectFailures(100).maxConcurrentConnects(8, 32));
        EndpointState e = f.endpoint(0);
        f.transport.failConnects(new IOException("connection refused"));
        f.waiting.set(6);

        f.connector.openForDemand(null);
        assertEquals(1, f.attempts(), "the first refusal holds the other five back");

        f.transport.failConnects(null).manualOpen(true); // the server now takes the connect but never answers
        for (int round = 1; round <= 3; round++) {
            f.ticker.advance(Duration.ofNanos(e.backoffUntil() - f.ticker.read()));
            for (int i = 0; i < 5; i++) {
                f.connector.openForDemand(null);
                f.connector.openForDemand(e);
                f.connector.refill(f.ticker.read());
                assertNull(f.connector.claimConnect(e));
            }
            assertEquals(round + 1, f.attempts(), "round " + round + ": one connect, not one per caller");
            assertEquals(1, e.connecting().get());
            assertEquals(1, f.connector.slots());
            if (round < 3) {
                assertEquals(1, f.transport.failPending(new IOException("connection reset")));
            }
        }

        assertEquals(1, f.transport.openPending()); // it answers
        assertEquals(5, f.waiting.get(), "the opened connection went to one caller");
        assertEquals(4 + 1, f.attempts(), "until the connection proves itself, still one connect at a time");
        assertEquals(1, e.connecting().get());
        f.ticker.advance(Connector.MIN_CONNECTION_LIFETIME);
        f.scheduler.runDue();
        f.connector.openForDemand(null);
        assertEquals(4 + 5, f.attempts(), "it did: no longer failing, the four left get their connects at once");
        assertEquals(5, e.connecting().get());
    }

    // ------------------------------------------------------------------------------------------------ young deaths

    /**
     * A server that completes each handshake and then drops the connection: each connection that dies before the
     * minimum lifetime is a failed connect, so the backoff grows across them instead of being reset by each
     * handshake, and the breaker records failures, not successes. A connection that stays open the minimum lifetime
     * resets the backoff, and its later death is no failed connect.
     */
    @Test
    void connectionsDyingBeforeTheMinimumLifetimeAreFailedConnectsAndOneThatLivesItResetsTheBackoff() {
        Fixture f = fixture(b -> b.reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0)
                .ejectAfterConnectFailures(100)); // the breaker records, but does not open, here
        EndpointState e = f.endpoint(0);
        long young = Connector.MIN_CONNECTION_LIFETIME.minusMillis(1).toNanos();
        long[] boundsMs = {100, 200, 400, 800, 1000, 1000};
        f.waiting.set(1);
        f.connector.openForDemand(null);
        for (int n = 1; n <= boundsMs.length; n++) {
            assertEquals(n, f.attempts());
            InMemoryTransport.Connection conn = f.transport.connections().get(n - 1);
            assertTrue(conn.isOpen(), "the handshake completes every time");
            assertEquals(n - 1, e.consecutiveFailures(), "but the handshake resets nothing");
            assertEquals(n == 1 ? Long.MAX_VALUE : f.ticker.read(), e.backoffUntil(), "the delay that held it is over");

            f.ticker.advance(Duration.ofNanos(young));
            f.scheduler.runDue();
            conn.peerClose(1002, "protocol error"); // 1 ms short of the minimum lifetime
            ManagedConnection dead = f.listener.closed.get(n - 1);
            assertTrue(dead.diedYoung());
            assertEquals(ConnectionState.CLOSED, dead.state());
            assertEquals(n, e.consecutiveFailures(), "died young: failed connect " + n + " in a row");
            long due = f.ticker.read() + boundsMs[n - 1] * MS;
            assertEquals(due, e.backoffUntil(), "the backoff grows across early deaths");
            assertEquals(n, e.breaker().getMetrics().getNumberOfFailedCalls(), "the breaker records a failure");
            assertEquals(0, e.breaker().getMetrics().getNumberOfSuccessfulCalls(), "and never a success");
            EndpointConnectException failure = assertInstanceOf(EndpointConnectException.class, e.lastFailure());
            assertTrue(failure.getMessage().contains("closed by the server with code 1002 (protocol error) 1999 ms"
                    + " after its opening handshake"), failure.getMessage());

            f.waiting.set(1);
            f.ticker.advance(Duration.ofNanos(due - f.ticker.read() - 1));
            f.scheduler.runDue();
            assertEquals(due, f.connector.refill(f.ticker.read()));
            assertEquals(n, f.attempts(), "no reconnect before the backoff delay");
            f.ticker.advance(Duration.ofNanos(1));
            assertEquals(Long.MAX_VALUE, f.connector.refill(f.ticker.read()), "served at once: nothing to wake for");
            assertEquals(n + 1, f.attempts(), "the reconnect when due");
        }
        assertEquals(List.of(), f.listener.ejected, "ejectAfterConnectFailures(100) keeps it in");
        assertEquals(boundsMs.length + 1, f.connects.size(), "one connect event per handshake, reported as it"
                + " completed");
        assertTrue(f.connects.stream().allMatch(c -> c.failure() == null), "an early death is no second event");

        // the seventh stays open the minimum lifetime: a success at last
        InMemoryTransport.Connection survivor = f.transport.connections().get(boundsMs.length);
        f.ticker.advance(Duration.ofNanos(young));
        f.scheduler.runDue();
        assertEquals(boundsMs.length, e.consecutiveFailures(), "1 ms short: not yet");
        f.ticker.advance(Duration.ofMillis(1));
        f.scheduler.runDue();
        assertEquals(0, e.consecutiveFailures(), "it proved itself: the backoff is reset");
        assertEquals(1, e.breaker().getMetrics().getNumberOfSuccessfulCalls());
        assertNull(e.lastFailure());

        f.ticker.advance(Duration.ofMinutes(1));
        survivor.peerClose(1006, "reset");
        assertFalse(f.listener.closed.get(boundsMs.length).diedYoung(), "a death after the proof is no failed connect");
        assertEquals(0, e.consecutiveFailures());
        assertEquals(boundsMs.length, e.breaker().getMetrics().getNumberOfFailedCalls());
        assertEquals(0, f.scheduler.pendingTasks(), "no minimum-lifetime timer left behind");
    }

    /**
     * Below the minimum with a failing endpoint, while its one connect is in flight: refill must not name the backoff
     * time already past as when to try again (the housekeeper would pass every millisecond until the connect settles);
     * the connect's outcome asks for the next pass.
     */
    @Test
    void whileTheOneConnectToAFailingEndpointIsInFlightRefillAsksForNoPass() {
        Fixture f = fixture(b -> b.pooling(true).minConnections(2).ejectAfterConnectFailures(100));
        EndpointState e = f.endpoint(0);
        f.transport.failConnects(new IOException("connection refused"));
        long now = f.ticker.read();
        assertEquals(now + 100 * MS, f.connector.refill(now));
        f.transport.failConnects(null).manualOpen(true);
        f.ticker.advance(Duration.ofMillis(100));
        now = f.ticker.read();
        assertEquals(Long.MAX_VALUE, f.connector.refill(now), "the backoff is over: nothing to wake for");
        assertEquals(2, f.attempts(), "one connect at a time to a failing endpoint");
        assertEquals(1, f.connector.refillToMin(now), "one still missing");
        f.ticker.advance(Duration.ofSeconds(1));
        assertEquals(Long.MAX_VALUE, f.connector.refill(f.ticker.read()), "still nothing: the connect is in flight");
        int requests = f.maintenance.get();
        assertEquals(1, f.transport.openPending());
        assertTrue(f.maintenance.get() > requests, "its opening asks for a pass");
        assertEquals(Long.MAX_VALUE, f.connector.refill(f.ticker.read()));
        assertEquals(3, f.attempts(), "which opens the second, one at a time still");
        assertEquals(1, e.consecutiveFailures());
    }

    @Test
    void aConnectionThePoolClosesBeforeTheMinimumLifetimeServedAndOneFoundDeadDiedYoung() {
        Fixture f = fixture(b -> b.ejectAfterConnectFailures(100));
        EndpointState e = f.endpoint(0);
        f.transport.failConnects(new IOException("connection refused"));
        f.waiting.set(1);
        f.connector.openForDemand(null);
        assertEquals(1, e.consecutiveFailures());

        f.transport.failConnects(null);
        f.ticker.advance(Duration.ofNanos(e.backoffUntil() - f.ticker.read()));
        f.waiting.set(1);
        f.scheduler.runDue(); // the demand the backoff refused comes back by itself when the backoff ends
        ManagedConnection released = f.listener.ready.get(0);
        f.ticker.advance(Duration.ofMillis(10));
        assertTrue(f.recycler.recycleIfAvailable(released, RecycleReason.NOT_POOLED)); // as a release without pooling
        assertEquals(ConnectionState.CLOSED, released.state());
        assertFalse(released.diedYoung());
        assertEquals(0, e.consecutiveFailures(), "the pool was done with it after 10 ms: it served, a success");
        assertEquals(1, e.breaker().getMetrics().getNumberOfSuccessfulCalls());
        assertEquals(0, f.scheduler.pendingTasks(), "its minimum-lifetime timer was withdrawn");

        f.waiting.set(1);
        f.connector.openForDemand(null);
        ManagedConnection found = f.listener.ready.get(1);
        InMemoryTransport.Connection conn = f.transport.connections().get(2);
        conn.dieSilently(); // the server is gone, the close callback still on its way
        assertTrue(found.lease());
        f.recycler.retireDead(found); // what an acquire does with a connection it finds closed
        conn.peerClose(1006, "reset");
        assertTrue(found.diedYoung(), "found dead before the minimum lifetime: a failed connect");
        assertEquals(1, e.consecutiveFailures());
        assertEquals(2, e.breaker().getMetrics().getNumberOfFailedCalls(), "refused once, died young once");
    }

    // ------------------------------------------------------------------------------------------------ demand

    @Test
    void openForDemandOpensOneConnectPerUncoveredWaiterEvenFromTwoThreads() throws Exception {
        Fixture f = fixture(b -> b.maxConnections(1_000).maxConcurrentConnects(1_000, 1_000));
        f.transport.manualOpen(true);
        f.waiting.set(3);
        for (int i = 0; i < 10; i++) {
            f.connector.openForDemand(null);
        }
        assertEquals(3, f.attempts(), "three callers, three connects");
        assertEquals(3, f.connector.connectsForDemand());
        f.waiting.set(5);
        f.connector.openForDemand(f.endpoint(0));
        assertEquals(5, f.attempts(), "two more callers, two more connects");

        for (int round = 1; round <= 50; round++) {
            f.waiting.addAndGet(6);
            twoThreads(() -> {
                for (int i = 0; i < 200; i++) {
                    f.connector.openForDemand(null);
                }
            });
            assertEquals(5 + 6 * round, f.attempts(), "round " + round + ": six more callers, six more connects,"
                    + " whichever thread opened them");
        }

        int opened = 5 + 6 * 50;
        assertEquals(opened, f.transport.openPending());
        assertEquals(0, f.waiting.get(), "each caller got one");
        assertEquals(opened, f.attempts(), "and nothing more was opened");
        assertEquals(0, f.connector.connectsForDemand());

        // connects that open at once, on the calling thread, handed over as they open
        f.transport.manualOpen(false);
        for (int round = 0; round < 5; round++) {
            f.waiting.set(8);
            twoThreads(() -> {
                for (int i = 0; i < 100 && f.waiting.get() > 0; i++) {
                    f.connector.openForDemand(null);
                }
            });
            assertEquals(opened + 8 * (round + 1), f.attempts(), "round " + round + ": eight callers, eight"
                    + " connects");
            assertEquals(0, f.waiting.get());
        }
    }

    @Test
    void noConnectForDemandThatConnectsInFlightAlreadyCover() {
        Fixture f = fixture(b -> b.pooling(true).minConnections(2).maxConnections(10));
        f.transport.manualOpen(true);
        assertEquals(0, f.connector.refillToMin(f.ticker.read()));
        assertEquals(2, f.attempts());

        f.waiting.set(2);
        f.connector.openForDemand(null);
        assertEquals(2, f.attempts(), "the two connects in flight will serve the two callers");
        f.waiting.set(3);
        f.connector.openForDemand(null);
        f.connector.openForDemand(null);
        assertEquals(3, f.attempts(), "one more caller than connects in flight: one connect");

        f.transport.openPending();
        assertEquals(0, f.waiting.get());
        assertEquals(3, f.attempts());
    }

    // ------------------------------------------------------------------------------------------------ slots

    @Test
    void aConnectHoldsASlotFromItsStartUntilItsConnectionIsClosed() {
        Fixture f = fixture(b -> b.maxConnections(2));
        EndpointState e = f.endpoint(0);
        f.transport.manualOpen(true);
        f.waiting.set(3);

        f.connector.openForDemand(null);
        f.connector.refill(f.ticker.read());
        assertEquals(2, f.attempts(), "two handshakes in progress fill maxConnections = 2");
        assertEquals(2, f.connector.slots());
        assertEquals(2, e.slots());
        assertFalse(f.connector.canOpenMore());
        assertFalse(f.connector.reserveSlot(e));

        f.transport.openPending();
        assertEquals(1, f.waiting.get());
        assertEquals(2, f.attempts(), "open connections hold their slots");
        assertEquals(2, f.connector.slots());

        f.waiting.set(0); // the third caller gave up
        ManagedConnection c = f.listener.ready.get(0);
        assertTrue(f.recycler.recycleIfAvailable(c, RecycleReason.IDLE));
        assertEquals(List.of(new Transition(c.id, ConnectionState.READY, ConnectionState.RECYCLING, 2),
                        new Transition(c.id, ConnectionState.RECYCLING, ConnectionState.CLOSED, 2)),
                f.transitionsAfterReady(c), "the slot is held until CLOSED");
        assertEquals(1, f.connector.slots(), "and freed once CLOSED");
        assertEquals(List.of(c), f.listener.closed);
        assertEquals(1, e.slots());

        f.waiting.set(1);
        f.connector.openForDemand(null);
        assertEquals(3, f.attempts(), "the freed slot takes a new connect");
        assertEquals(2, f.connector.slots());
        ManagedConnection failing = e.connections()[e.connections().length - 1];
        f.transport.failPending(new IOException("connection reset"));
        for (Transition t : f.transitionsOf(failing)) {
            assertEquals(2, t.slots(), "a failed connect holds its slot until CLOSED: " + t);
        }
        assertEquals(ConnectionState.CLOSED, failing.state());
        assertEquals(1, f.connector.slots());
    }

    // ------------------------------------------------------------------------------------------------ deadline

    @Test
    void aConnectThatNeverCompletesIsAbortedExactlyAtTheConnectTimeout() {
        Fixture f = fixture(b -> b.connectTimeout(Duration.ofSeconds(2)));
        EndpointState e = f.endpoint(0);
        f.transport.manualOpen(true);
        f.waiting.set(1);
        long startedAt = f.ticker.read();
        f.connector.openForDemand(null);
        InMemoryTransport.Connection hung = f.transport.connections().get(0);

        f.ticker.advance(Duration.ofSeconds(2).minusNanos(1));
        f.scheduler.runDue();
        assertFalse(hung.isFinished(), "not 1 ns before the deadline");
        assertTrue(f.connects.isEmpty());
        assertEquals(1, f.connector.slots());

        f.ticker.advance(Duration.ofNanos(1));
        f.scheduler.runDue();
        assertTrue(hung.isFinished(), "aborted at the deadline");
        assertEquals(1, f.connects.size());
        ConnectEvent event = f.connects.get(0);
        assertEquals(Duration.ofSeconds(2), event.duration());
        EndpointConnectException failure = assertInstanceOf(EndpointConnectException.class, event.failure());
        assertTrue(failure.getMessage().contains("did not complete within 2000 ms"), failure.getMessage());
        assertEquals(e.uri(), failure.endpoint());
        assertSame(failure, e.lastFailure());
        assertEquals(1, e.consecutiveFailures(), "a timeout is a failed connect: backoff and breaker");
        assertEquals(startedAt + 2_000 * MS + 100 * MS, e.backoffUntil());
        assertEquals(0, f.connector.slots());
        assertEquals(0, f.connector.connectsForDemand());
        assertEquals(List.of(), f.listener.opening, "a failed connect stays the connector's: nothing goes up");
        assertEquals(List.of(), f.listener.closed);

        f.ticker.advance(Duration.ofMillis(100));
        f.scheduler.runDue(); // the demand the backoff held back comes back by itself when the backoff ends
        assertEquals(2, f.attempts());
        f.transport.openPending();
        assertEquals(1, f.scheduler.pendingTasks(), "a connect that opened in time leaves no deadline behind, only"
                + " the end of its minimum lifetime");
        f.ticker.advance(Duration.ofSeconds(10));
        f.scheduler.runDue();
        assertEquals(ConnectionState.READY, f.listener.ready.get(0).state());
        assertEquals(0, f.scheduler.pendingTasks());
    }

    // ------------------------------------------------------------------------------------------------ ejection

    @Test
    void failedConnectsEjectTheEndpointOnceAndASuccessfulProbeRecoversIt() {
        Fixture f = fixture(b -> b.ejectAfterConnectFailures(3));
        EndpointState e = f.endpoint(0);
        f.transport.failConnects(new IOException("connection refused"));
        f.waiting.set(1);

        f.connector.refill(f.ticker.read());
        for (int n = 2; n <= 3; n++) {
            assertFalse(e.isEjected(), "not after " + (n - 1) + " failure(s)");
            f.ticker.advance(Duration.ofNanos(e.backoffUntil() - f.ticker.read()));
            f.connector.refill(f.ticker.read());
            assertEquals(n, f.attempts());
        }
        long ejectedAt = f.ticker.read();
        assertTrue(e.isEjected());
        assertFalse(e.healthy());
        assertEquals(1, f.listener.ejected.size());
        assertEquals(new Ejection(e, 3), f.listener.ejected.get(0));

        f.ticker.advance(Duration.ofNanos(ejectedAt + 1_000 * MS - f.ticker.read())); // the breaker's first wait
        f.connector.refill(f.ticker.read());
        f.connector.openForDemand(e);
        assertEquals(3, f.attempts(), "no connects to an ejected endpoint");
        assertFalse(e.tryAcquireProbe(), "its breaker is still waiting");

        f.ticker.advance(Duration.ofNanos(1));
        assertTrue(e.tryAcquireProbe(), "the wait is over: one probe may go");
        assertTrue(f.connector.probe(e));
        assertEquals(4, f.attempts());
        assertFalse(e.tryAcquireProbe(), "one probe at a time");
        assertEquals(1, f.listener.ejected.size(), "a failed probe does not eject it again");
        long reopenedAt = f.ticker.read();

        f.transport.failConnects(null).manualOpen(true);
        f.ticker.advance(Duration.ofNanos(reopenedAt + 2_000 * MS - f.ticker.read()));
        assertFalse(e.tryAcquireProbe(), "the breaker's second wait is twice the first");
        f.ticker.advance(Duration.ofNanos(1));
        assertTrue(e.tryAcquireProbe());
        assertTrue(f.connector.probe(e));
        f.connector.openForDemand(null);
        f.connector.refill(f.ticker.read());
        assertEquals(5, f.attempts(), "the probe is the only connect");
        assertFalse(e.tryAcquireProbe());
        assertTrue(f.listener.recovered.isEmpty());

        assertEquals(1, f.transport.openPending());
        assertEquals(0, f.waiting.get(), "the probe's connection served the caller");
        assertTrue(f.listener.recovered.isEmpty(), "not healthy again before its connection proves itself");
        assertEquals("half_open", e.breakerState());
        f.ticker.advance(Connector.MIN_CONNECTION_LIFETIME.minusNanos(1));
        f.scheduler.runDue();
        assertTrue(f.listener.recovered.isEmpty());
        f.ticker.advance(Duration.ofNanos(1));
        f.scheduler.runDue();
        assertEquals(List.of(e), f.listener.recovered);
        assertFalse(e.isEjected());
        assertTrue(e.healthy());
        assertEquals(0, e.consecutiveFailures());
        assertEquals(1, f.listener.ejected.size());
    }

    // ------------------------------------------------------------------------------------------------ minimum

    @Test
    void refillToMinKeepsTheMinimumWithPoolingAndNoneWithout() {
        Fixture f = fixture(b -> b.endpoint(B).pooling(true).minConnections(4).maxConnections(6));
        assertEquals(0, f.connector.refillToMin(f.ticker.read()));
        assertEquals(4, f.attempts());
        assertEquals(2, f.endpoint(0).slots(), "spread by weight");
        assertEquals(2, f.endpoint(1).slots());
        assertEquals(0, f.connector.refillToMin(f.ticker.read()));
        assertEquals(Long.MAX_VALUE, f.connector.refill(f.ticker.read()));
        assertEquals(4, f.attempts(), "no more than the minimum");

        int requests = f.maintenance.get();
        assertTrue(f.recycler.recycleIfAvailable(f.listener.ready.get(0), RecycleReason.IDLE));
        assertEquals(3, f.connector.slots());
        assertTrue(f.maintenance.get() > requests, "a close below the minimum asks for a refill");
        assertEquals(0, f.connector.refillToMin(f.ticker.read()));
        assertEquals(5, f.attempts());
        assertEquals(4, f.connector.slots());

        Fixture refused = fixture(b -> b.pooling(true).minConnections(4));
        refused.transport.failConnects(new IOException("connection refused"));
        long now = refused.ticker.read();
        assertEquals(4, refused.connector.refillToMin(now), "backing off after the first refusal");
        assertEquals(1, refused.attempts());
        assertEquals(now + 100 * MS, refused.connector.refill(now), "refill says when to try again");

        Fixture unpooled = fixture(b -> b.pooling(false).minConnections(4));
        assertEquals(0, unpooled.connector.refillToMin(unpooled.ticker.read()));
        assertEquals(Long.MAX_VALUE, unpooled.connector.refill(unpooled.ticker.read()));
        assertEquals(0, unpooled.attempts(), "without pooling nothing opens ahead of demand");
    }

    // ------------------------------------------------------------------------------------------------ rate

    @Test
    void connectsAreSpacedByTheConnectRate() {
        Fixture f = fixture(b -> b.maxConnectRate(10, 0)); // one connect per 100 ms per endpoint (burst 1)
        f.waiting.set(3);
        f.connector.openForDemand(null);
        assertEquals(1, f.attempts());
        for (int n = 2; n <= 3; n++) {
            f.ticker.advance(Duration.ofMillis(100).minusNanos(1));
            f.scheduler.runDue();
            f.connector.openForDemand(null);
            assertEquals(n - 1, f.attempts(), "connect " + n + " not before its turn");
            f.ticker.advance(Duration.ofNanos(1));
            f.scheduler.runDue();
            assertEquals(n, f.attempts(), "connect " + n + " on its turn, woken by the connector");
        }
        assertEquals(0, f.waiting.get());

        Fixture pool = fixture(b -> b.endpoint(B).maxConnectRate(0, 5)); // 200 ms apart over both endpoints
        pool.waiting.set(3);
        pool.connector.openForDemand(null);
        assertEquals(1, pool.attempts(), "the other endpoint is held back by the pool-wide rate too");
        for (int n = 2; n <= 3; n++) {
            pool.ticker.advance(Duration.ofMillis(200).minusNanos(1));
            pool.scheduler.runDue();
            assertEquals(n - 1, pool.attempts());
            pool.ticker.advance(Duration.ofNanos(1));
            pool.scheduler.runDue();
            assertEquals(n, pool.attempts());
        }
        assertEquals(0, pool.waiting.get());
    }

    // ------------------------------------------------------------------------------------------------ fixture

    private Fixture fixture(UnaryOperator<WebSocketPoolBuilder> options) {
        Fixture f = new Fixture(options);
        fixtures.add(f);
        return f;
    }

    private static void twoThreads(Runnable task) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            CyclicBarrier start = new CyclicBarrier(2);
            Runnable together = () -> {
                try {
                    start.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                task.run();
            };
            CompletableFuture<Void> one = CompletableFuture.runAsync(together, threads);
            CompletableFuture<Void> two = CompletableFuture.runAsync(together, threads);
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(10))
                    .until(() -> one.isDone() && two.isDone());
            one.get();
            two.get();
        } finally {
            threads.shutdownNow();
        }
    }

    record Transition(String id, ConnectionState from, ConnectionState to, int slots) {
    }

    record Ejection(EndpointState endpoint, int failures) {
    }

    /**
     * A connector wired as the pool wires it, minus the pool: the recycler's "closed" frees the slot through the
     * connector (as {@code ConnectionRouter.connectionClosed} does), and the listener stands in for the lease side.
     */
    private static final class Fixture implements ConnectionOwner {

        final FakeTicker ticker = new FakeTicker();
        final ManualScheduler scheduler = new ManualScheduler(ticker);
        final InMemoryTransport transport = new InMemoryTransport();
        /** Callers waiting for a connection: the test sets it, and a connection that opens serves one. */
        final AtomicInteger waiting = new AtomicInteger();
        final AtomicInteger maintenance = new AtomicInteger();
        final List<ConnectEvent> connects = new CopyOnWriteArrayList<>();
        final List<Transition> transitions = new CopyOnWriteArrayList<>();
        final List<String> illegalTransitions = new CopyOnWriteArrayList<>();
        final RecordingListener listener = new RecordingListener();
        final Shutdown shutdown = new Shutdown();
        final EndpointRegistry endpoints;
        final Recycler recycler;
        final Connector connector;

        Fixture(UnaryOperator<WebSocketPoolBuilder> options) {
            PoolListener recorder = new PoolListener() {
                @Override
                public void onConnect(ConnectEvent event) {
                    connects.add(event);
                }
            };
            WebSocketPoolBuilder builder = WebSocketPools.builder().name("t").endpoint(A).ticker(ticker)
                    .transport(transport).listener(recorder)
                    .reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0);
            PoolSettings settings = BuilderAccess.config(options.apply(builder));
            PoolListeners events = new PoolListeners("t", ticker, settings.listeners());
            recycler = new Recycler("t", events, scheduler, settings.connect().closeTimeout().toNanos(),
                    this::connectionClosed);
            EndpointRegistry.Factory factory = EndpointFactoryAccess.factory(settings, bound -> bound, events);
            List<EndpointState> initial = new ArrayList<>();
            for (PoolSettings.EndpointSpec spec : settings.endpoints()) {
                initial.add(factory.create(spec.uri(), spec.weight(), spec.headers()));
            }
            endpoints = new EndpointRegistry("t", initial, factory, recycler, scheduler, events,
                    new Affinity(16, Duration.ofMinutes(1), ticker), shutdown, maintenance::incrementAndGet);
            EndpointSelector selector = new EndpointSelector(settings.routing().strategy(), "t",
                    settings.routing().panicMode());
            connector = new Connector("t", settings.connect(), new Connector.Collaborators(ticker, transport,
                    scheduler, events, endpoints, selector, recycler, shutdown, this,
                    new EjectionBudget(endpoints, settings.health().maxEjectionPercent())), listener, waiting::get,
                    maintenance::incrementAndGet);
        }

        /** What {@code ConnectionRouter.connectionClosed} does for the connector. */
        private void connectionClosed(ManagedConnection c) {
            connector.freeSlot(c);
            if (!shutdown.begun()) {
                connector.refillAfterClose();
            }
        }

        EndpointState endpoint(int i) {
            return endpoints.array()[i];
        }

        int attempts() {
            return transport.connectAttempts();
        }

        List<Transition> transitionsOf(ManagedConnection c) {
            return transitions.stream().filter(t -> t.id().equals(c.id)).toList();
        }

        List<Transition> transitionsAfterReady(ManagedConnection c) {
            return transitionsOf(c).stream().filter(t -> t.from() != ConnectionState.INITIALIZING).toList();
        }

        @Override
        public void onTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
            transitions.add(new Transition(c.id, from, to, connector.slots()));
        }

        @Override
        public void onIllegalTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
            illegalTransitions.add(c.id + ": " + from + " -> " + to + " (in " + c.state() + ")");
        }

        @Override
        public void release(Lease lease) {
            throw new UnsupportedOperationException("no leases in connector tests");
        }

        @Override
        public Messaging messaging() {
            throw new UnsupportedOperationException("no messaging in connector tests");
        }

        /** Records what the connector says; a READY connection is kept READY and counts as served to one caller. */
        final class RecordingListener implements ConnectionListener {

            final List<ManagedConnection> opening = new CopyOnWriteArrayList<>();
            final List<ManagedConnection> ready = new CopyOnWriteArrayList<>();
            final List<ManagedConnection> closed = new CopyOnWriteArrayList<>();
            final List<EndpointState> recovered = new CopyOnWriteArrayList<>();
            final List<Ejection> ejected = new CopyOnWriteArrayList<>();

            @Override
            public void opening(ManagedConnection c, long now) {
                opening.add(c);
            }

            @Override
            public void ready(ManagedConnection c) {
                ready.add(c);
                waiting.getAndUpdate(n -> n > 0 ? n - 1 : 0); // a waiting caller has it (it stays READY here)
            }

            @Override
            public void text(ManagedConnection c, String text) {
                // no traffic in these tests
            }

            @Override
            public void binary(ManagedConnection c, ByteBuffer data) {
                // no traffic in these tests
            }

            @Override
            public void pong(ManagedConnection c, ByteBuffer payload) {
                // no pings in these tests
            }

            @Override
            public void closed(ManagedConnection c, int code, String reason, boolean remote, Throwable error) {
                closed.add(c);
                recycler.markBroken(c, RecycleReason.PEER_CLOSED); // as the router does: out of service, closed
                recycler.finishIfRecycling(c);
            }

            @Override
            public void endpointRecovered(EndpointState e) {
                recovered.add(e);
            }

            @Override
            public void endpointEjected(EndpointState e, EndpointConnectException failure, int failures) {
                ejected.add(new Ejection(e, failures));
            }
        }
    }
}

package io.github.wspool.core.internal.connection;

import static io.github.wspool.ConnectionState.ACTIVE;
import static io.github.wspool.ConnectionState.CLOSED;
import static io.github.wspool.ConnectionState.FAILED;
import static io.github.wspool.ConnectionState.IDLE;
import static io.github.wspool.ConnectionState.INITIALIZING;
import static io.github.wspool.ConnectionState.READY;
import static io.github.wspool.ConnectionState.RECYCLING;
import static io.github.wspool.ConnectionState.UNHEALTHY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.wspool.ConnectionState;
import io.github.wspool.core.BuilderAccess;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.internal.DefaultWebSocketPool;
import io.github.wspool.core.internal.FakeTicker;
import io.github.wspool.core.internal.ManualScheduler;
import io.github.wspool.core.internal.messaging.Messaging;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.core.spi.TransportOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConnectionLifecycleTest {

    /** The lifecycle diagram (pool-core/ARCHITECTURE.md) plus the documented extra edges, written out independently of the code. */
    private static final Map<ConnectionState, Set<ConnectionState>> EXPECTED = new EnumMap<>(ConnectionState.class);

    static {
        EXPECTED.put(INITIALIZING, EnumSet.of(READY, FAILED));
        EXPECTED.put(READY, EnumSet.of(ACTIVE, IDLE, UNHEALTHY, RECYCLING));
        EXPECTED.put(IDLE, EnumSet.of(ACTIVE, UNHEALTHY, RECYCLING));
        EXPECTED.put(ACTIVE, EnumSet.of(READY, UNHEALTHY, RECYCLING));
        EXPECTED.put(UNHEALTHY, EnumSet.of(RECYCLING));
        EXPECTED.put(FAILED, EnumSet.of(RECYCLING));
        EXPECTED.put(RECYCLING, EnumSet.of(CLOSED));
        EXPECTED.put(CLOSED, EnumSet.noneOf(ConnectionState.class));
    }

    /** A legal path from INITIALIZING to each state. */
    private static List<ConnectionState> pathTo(ConnectionState s) {
        switch (s) {
            case INITIALIZING: return List.of();
            case READY: return List.of(READY);
            case ACTIVE: return List.of(READY, ACTIVE);
            case IDLE: return List.of(READY, IDLE);
            case UNHEALTHY: return List.of(READY, ACTIVE, UNHEALTHY);
            case FAILED: return List.of(FAILED);
            case RECYCLING: return List.of(FAILED, RECYCLING);
            case CLOSED: return List.of(FAILED, RECYCLING, CLOSED);
            default: throw new AssertionError(s);
        }
    }

    private static final class RecordingOwner implements ConnectionOwner {
        final List<String> legal = new ArrayList<>();
        final List<String> illegal = new ArrayList<>();
        boolean observing = true;

        @Override
        public boolean observesTransitions() {
            return observing;
        }

        @Override
        public void onTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
            legal.add(from + "->" + to);
        }

        @Override
        public void onIllegalTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
            illegal.add(from + "->" + to);
        }

        @Override
        public void release(Lease lease) {
        }

        @Override
        public Messaging messaging() {
            throw new AssertionError("no messaging in lifecycle tests");
        }
    }

    private static EndpointState endpoint() {
        return new EndpointState(URI.create("ws://127.0.0.1:1/"), 1, new EndpointCaps(Integer.MAX_VALUE, 8, 1),
                CircuitBreaker.ofDefaults("t"), new Backoff(1, 1, 2.0, b -> b), null,
                new TransportOptions(Duration.ofSeconds(1), 1024, Map.of(), "t"), 1);
    }

    private static ManagedConnection connectionIn(ConnectionState s, RecordingOwner owner) {
        EndpointState e = endpoint();
        ManagedConnection c = new ManagedConnection("t-1", e, owner, 0);
        ConnectionState at = INITIALIZING;
        for (ConnectionState next : pathTo(s)) {
            assertTrue(c.transition(at, next), "path step " + at + "->" + next);
            at = next;
        }
        owner.legal.clear();
        return c;
    }

    @Test
    void everyLegalEdgeIsTakenAndObserved() {
        int edges = 0;
        for (ConnectionState from : ConnectionState.values()) {
            for (ConnectionState to : EXPECTED.get(from)) {
                RecordingOwner owner = new RecordingOwner();
                ManagedConnection c = connectionIn(from, owner);
                assertTrue(c.transition(from, to), from + "->" + to + " must be legal");
                assertEquals(to, c.state());
                assertEquals(List.of(from + "->" + to), owner.legal);
                assertEquals(List.of(), owner.illegal);
                assertTrue(ConnectionLifecycle.isLegal(from, to));
                edges++;
            }
        }
        assertEquals(15, edges, "edge count of the lifecycle table");
    }

    @Test
    void everyIllegalEdgeIsRejectedAndReported() {
        int rejected = 0;
        for (ConnectionState from : ConnectionState.values()) {
            for (ConnectionState to : ConnectionState.values()) {
                if (EXPECTED.get(from).contains(to)) {
                    continue;
                }
                RecordingOwner owner = new RecordingOwner();
                ManagedConnection c = connectionIn(from, owner);
                assertFalse(c.transition(from, to), from + "->" + to + " must be illegal");
                assertEquals(from, c.state(), "state unchanged after illegal " + from + "->" + to);
                assertEquals(List.of(from + "->" + to), owner.illegal);
                assertEquals(List.of(), owner.legal);
                assertFalse(ConnectionLifecycle.isLegal(from, to));
                rejected++;
            }
        }
        assertEquals(64 - 15, rejected);
    }

    @Test
    void legalEdgeFromWrongCurrentStateLosesTheRaceQuietly() {
        RecordingOwner owner = new RecordingOwner();
        ManagedConnection c = connectionIn(IDLE, owner);
        assertFalse(c.transition(READY, ACTIVE), "CAS must fail: the connection is IDLE, not READY");
        assertEquals(IDLE, c.state());
        assertEquals(List.of(), owner.illegal, "a lost race is not a bug");
    }

    @Test
    void theLeaseCycleMovesReportToTheOwnerOnlyWhileItObservesAndTokensCountHoldings() {
        RecordingOwner owner = new RecordingOwner();
        ManagedConnection c = connectionIn(READY, owner);
        int first = c.leaseToken();
        assertTrue(first >= 0);
        assertEquals(first, c.token(), "the token returned is the holding's");
        assertEquals(-1, c.leaseToken(), "ACTIVE: not taken twice");
        assertTrue(c.release(first));
        assertEquals(List.of("READY->ACTIVE", "ACTIVE->READY"), owner.legal);

        owner.observing = false; // no listener, no DEBUG log: the moves skip the owner
        int second = c.leaseToken();
        assertEquals(first + 1, second, "one holding more");
        assertFalse(c.release(first), "a finished holding's token moves nothing");
        assertTrue(c.release(second));
        assertEquals(READY, c.state());
        assertTrue(c.markIdle());
        assertTrue(c.lease(), "IDLE is taken too");
        assertEquals(List.of("READY->ACTIVE", "ACTIVE->READY", "READY->IDLE"), owner.legal,
                "only the move outside the lease cycle was reported");
        assertEquals(List.of(), owner.illegal);
    }

    @Test
    void aPoolObservesTransitionsWhileSomeoneListensOrDebugIsOn() {
        FakeTicker ticker = new FakeTicker();
        DefaultWebSocketPool pool = DefaultWebSocketPool.start(BuilderAccess.config(WebSocketPools.builder()
                .name("observed").endpoint("ws://127.0.0.1:1/").ticker(ticker).transport(new InMemoryTransport())),
                new ManualScheduler(ticker), b -> b);
        try {
            boolean debug = org.slf4j.LoggerFactory.getLogger(DefaultWebSocketPool.class).isDebugEnabled();
            assertEquals(debug, pool.observesTransitions(), "nobody listens: only a DEBUG log would observe");
            io.github.wspool.PoolListener listener = new io.github.wspool.PoolListener() { };
            pool.addListener(listener);
            assertTrue(pool.observesTransitions());
            pool.removeListener(listener);
            assertEquals(debug, pool.observesTransitions());
        } finally {
            pool.close();
        }
    }

    @Test
    void aSweepSeesAUseFromTheHoldingsWithoutAnythingWrittenOnRelease() {
        RecordingOwner owner = new RecordingOwner();
        ManagedConnection c = connectionIn(READY, owner);
        ConnectionTimes times = c.times();
        assertFalse(times.takeUsed(), "never taken");
        int token = c.takeUnobserved();
        assertTrue(token >= 0);
        assertTrue(c.releaseUnobserved(token));
        assertTrue(times.takeUsed(), "taken and released since the last sweep");
        assertFalse(times.takeUsed(), "nothing since");
        int held = c.takeUnobserved();
        assertTrue(times.takeUsed(), "taken since the last sweep, still held");
        assertTrue(times.takeUsed(), "held at the last sweep: in use since");
        assertTrue(c.releaseUnobserved(held));
        assertTrue(times.takeUsed(), "held at the last sweep, released since");
        assertFalse(times.takeUsed(), "READY at both sweeps, not taken in between");
        assertTrue(c.markIdle());
        assertFalse(times.takeUsed(), "aged into IDLE by the housekeeper: no use");
        int handed = c.leaseToken();
        assertTrue(c.handOn(handed) > handed, "handed on to a waiter");
        assertTrue(times.takeUsed());
    }

    @Test
    void theRecycleBitMakesTheFastMovesFailAndSurvivesEveryMove() {
        RecordingOwner owner = new RecordingOwner();
        ManagedConnection c = connectionIn(READY, owner);
        int token = c.takeUnobserved();
        assertTrue(token >= 0);
        assertEquals(List.of(), owner.legal, "the fast moves report nothing: the caller saw nobody observing");
        assertFalse(c.releaseUnobserved(token + 1), "another holding's token");
        c.invalidate();
        assertTrue(c.flaggedForRecycle());
        assertFalse(c.releaseUnobserved(token), "flagged: the fast release leaves it to the general decision");
        assertEquals(ACTIVE, c.state(), "nothing moved");
        assertTrue(c.isActive(token), "the holding still lasts: the general release expects it");
        assertTrue(c.release(token), "the general move ignores the bit, and keeps it");
        assertEquals(READY, c.state());
        assertTrue(c.flaggedForRecycle());
        assertEquals(-1, c.takeUnobserved(), "the fast take skips a flagged connection");
        assertTrue(c.lease(), "the general take does not (it checks and recycles itself)");

        ManagedConnection expired = connectionIn(READY, new RecordingOwner());
        assertTrue(expired.times().markExpired());
        assertTrue(expired.flaggedForRecycle(), "an expiry flags it");
        ManagedConnection finished = connectionIn(READY, new RecordingOwner());
        finished.transportFinished();
        assertTrue(finished.flaggedForRecycle(), "a finished transport flags it");
        ManagedConnection plain = connectionIn(READY, new RecordingOwner());
        int p = plain.takeUnobserved();
        assertTrue(plain.releaseUnobserved(p));
        assertFalse(plain.releaseUnobserved(p), "a second release of the same holding changes nothing");
    }

    @Test
    void poolTreatsAnIllegalTransitionAsABugUnderAssertions() {
        FakeTicker ticker = new FakeTicker();
        DefaultWebSocketPool pool = DefaultWebSocketPool.start(BuilderAccess.config(WebSocketPools.builder()
                .name("illegal").endpoint("ws://127.0.0.1:1/").ticker(ticker).transport(new InMemoryTransport())),
                new ManualScheduler(ticker), b -> b);
        try {
            EndpointState e = endpoint();
            ManagedConnection c = new ManagedConnection("illegal-x", e, pool, 0);
            AssertionError error = assertThrows(AssertionError.class, () -> c.transition(INITIALIZING, ACTIVE));
            assertTrue(error.getMessage().contains("INITIALIZING -> ACTIVE"), error.getMessage());
            assertEquals(INITIALIZING, c.state());
        } finally {
            pool.close();
        }
    }
}

package io.github.wspool.core.internal.lease;

import static io.github.wspool.ConnectionState.ACTIVE;
import static io.github.wspool.ConnectionState.CLOSED;
import static io.github.wspool.ConnectionState.READY;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.PoolException;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.RequestTimeoutException;
import io.github.wspool.core.Correlators;
import io.github.wspool.core.internal.FakeTicker;
import io.github.wspool.core.internal.ManualScheduler;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connect.ConnectSettings;
import io.github.wspool.core.internal.connect.ConnectionListener;
import io.github.wspool.core.internal.connect.Connector;
import io.github.wspool.core.internal.connection.Backoff;
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
import io.github.wspool.core.internal.messaging.Channel;
import io.github.wspool.core.internal.messaging.Messaging;
import io.github.wspool.core.internal.messaging.MessagingSettings;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.core.spi.TransportOptions;
import io.github.wspool.event.AcquireEvent;
import io.github.wspool.event.AcquireFailureEvent;
import io.github.wspool.event.ConnectionStateChange;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.event.ReleaseEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lease side on its own: a {@link LeaseBroker} and the {@link Handoff} behind it, built on real collaborators
 * (endpoint states and registry, recycler, a connector over an {@link InMemoryTransport}, messaging, listeners) but
 * no pool, no health monitor and no housekeeper. Time is a {@link FakeTicker}; timed work (async acquire timeouts,
 * leak reports, close timeouts) runs only on {@link ManualScheduler#runDue()}. The connections a test starts with are
 * opened while it is built; after that, connects stay pending until the test opens them, so no connection appears
 * that the test did not ask for. Only the synchronous acquire's wait (the barging window, then the timeout) is real
 * time, so the tests of waiting threads use real threads and Awaitility.
 */
class LeaseBrokerTest {

    private static final String POOL = "lease";
    private static final Duration LONG = Duration.ofMinutes(10);
    private static final long HOUR_NANOS = TimeUnit.HOURS.toNanos(1);

    private Fixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    // --------------------------------------------------------------------------------- handoff to due waiters

    @Test
    void aReleaseHandsTheConnectionStraightToTheOldestDueWaiterFirstInFirstOut() {
        f = fixture().build();
        Lease held = f.acquire();
        List<CompletableFuture<PooledConnection>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(f.broker.acquireAsync()); // no thread of its own: due at once
            f.ticker.advance(Duration.ofSeconds(1));
        }
        assertEquals(3, f.broker.pending());
        int mark = f.recorded.states.size();

        held.close();
        assertTrue(waiters.get(0).isDone(), "the oldest waiter has it");
        assertFalse(waiters.get(1).isDone() || waiters.get(2).isDone(), "younger ones still wait");
        assertEquals(Duration.ofSeconds(3), f.recorded.acquires.get(f.recorded.acquires.size() - 1).waited(),
                "waited from its acquire to the release, on the pool's ticker");
        waiters.get(0).join().close();
        assertTrue(waiters.get(1).isDone());
        assertFalse(waiters.get(2).isDone());
        waiters.get(1).join().close();
        PooledConnection last = waiters.get(2).join();

        for (CompletableFuture<PooledConnection> w : waiters) {
            assertEquals(held.id(), w.join().id(), "one connection, passed from holder to holder");
        }
        assertEquals(ACTIVE, held.connection.state());
        assertEquals(List.of(), f.recorded.statesSince(mark), "handed on while ACTIVE: never READY in between");
        assertEquals(0, f.broker.pending());
        assertEquals(0, f.scheduler.pendingTasks(), "the served waiters' timeouts were withdrawn");
        last.close();
        assertEquals(List.of("ACTIVE->READY"), f.recorded.statesSince(mark), "nobody waits: READY at last");
    }

    // ---------------------------------------------------------------------------------------- the barging window

    @Test
    void insideTheOldestWaitersWindowAReleaseGoesReadyAndTheReleasingThreadTakesItBack() {
        f = fixture().bargingWindow(HOUR_NANOS).build();
        Lease held = f.acquire();
        Blocked waiter = f.blockIn(() -> f.broker.acquire(Duration.ofHours(2))); // outwaits the window: barged
        waiter.awaitParked(1);
        int mark = f.recorded.states.size();

        held.close();
        assertEquals(READY, held.connection.state(), "made available for running threads, not handed on");
        assertEquals(1, f.broker.pending(), "the waiter in its window was passed over");
        Lease again = (Lease) f.broker.acquire(Duration.ZERO);
        assertSame(held.connection, again.connection, "the releasing thread's recent connection");
        assertEquals(List.of("ACTIVE->READY", "READY->ACTIVE"), f.recorded.statesSince(mark));
        assertEquals(1, f.broker.pending());
        assertFalse(waiter.result.isDone());
        again.close();
    }

    @Test
    void pastItsWindowTheWaiterIsDueAndAReleaseHandsItTheConnectionNotTheReleasingThread() {
        f = fixture().bargingWindow(0).build();
        Lease held = f.acquire();
        Blocked waiter = f.blockIn(() -> f.broker.acquire(Duration.ofSeconds(60)));
        waiter.awaitParked(1); // parked for the rest of its timeout: the window is over and it is due
        int mark = f.recorded.states.size();

        held.close();
        assertEquals(0, f.broker.pending(), "handed over by the release itself");
        assertThrows(AcquireTimeoutException.class, () -> f.broker.acquire(Duration.ZERO),
                "the releasing thread does not barge past a due waiter");
        assertEquals(held.id(), waiter.lease().id());
        assertEquals(ACTIVE, held.connection.state());
        assertEquals(List.of(), f.recorded.statesSince(mark), "never READY in between");
    }

    // ------------------------------------------------------------------------------------------- pinned waiters

    @Test
    void aPinnedWaiterGetsOnlyItsEndpointsConnectionsAndAYoungerUnpinnedOneIsServedMeanwhile() {
        f = fixture().connections(1, 1).bargingWindow(0).build();
        EndpointState a = f.endpoint(0);
        EndpointState b = f.endpoint(1);
        f.affinity.home("on-a", a);
        f.affinity.home("on-b", b);
        Lease heldA = (Lease) f.broker.acquire("on-a");
        Lease heldB = (Lease) f.broker.acquire("on-b");
        assertSame(a, heldA.connection.endpoint);
        assertSame(b, heldB.connection.endpoint);
        Blocked pinned = f.blockIn(() -> f.broker.acquire("on-a", Duration.ofSeconds(60)));
        pinned.awaitParked(1);
        CompletableFuture<PooledConnection> younger = f.broker.acquireAsync();
        assertEquals(2, f.broker.pending());

        heldB.close();
        assertTrue(younger.isDone(), "the younger unpinned waiter is served first");
        assertSame(b, younger.join().endpoint());
        assertEquals(1, f.broker.pending(), "the older waiter, pinned to A, still waits");

        younger.join().close();
        assertEquals(READY, heldB.connection.state(), "B's connection goes READY rather than to A's waiter");
        assertEquals(1, f.broker.pending());

        heldA.close();
        assertSame(a, pinned.lease().endpoint(), "A's own connection serves it");
        assertEquals(0, f.broker.pending());
    }

    // ----------------------------------------------------------------------------------- exactly-once release

    /** A twin lease carries the released lease's token: what a racing second close() read before the first won. */
    @ParameterizedTest(name = "listening={0}")
    @ValueSource(booleans = {true, false}) // with listeners the release claims the lease by CAS; without, it does not
    void aSecondReleaseOfTheSameLeaseChangesNothingForTheNextHolder(boolean listening) {
        f = fixture().listening(listening).build();
        Lease first = f.acquire();
        Lease twin = new Lease(first.connection, Lease.UNTIMED, first.token());
        first.close();
        Lease next = (Lease) f.broker.acquire(Duration.ZERO);
        assertSame(first.connection, next.connection);
        CompletableFuture<PooledConnection> waiter = f.broker.acquireAsync();
        int mark = f.recorded.states.size();
        int releases = f.recorded.releases.size();

        first.close();
        f.broker.release(first);
        assertEquals(releases, f.recorded.releases.size(), "a second close() of the lease itself is no release");
        f.broker.release(twin); // the racing second close(), arriving after the connection has a new holder

        assertEquals(ACTIVE, next.state());
        assertTrue(next.connection.isActive(next.token()), "still the next holder's holding");
        assertFalse(waiter.isDone(), "nothing was handed to the waiter");
        assertEquals(1, f.broker.pending());
        assertEquals(List.of(), f.recorded.statesSince(mark), "the connection did not move");
        next.close();
        assertEquals(next.id(), waiter.join().id(), "the real release hands it on");
    }

    // ---------------------------------------------------------------------------------------- recycle on release

    /** What makes a connection unfit to be handed on while its lease is held, and the reason its recycle reports. */
    enum Unfit {
        ENDPOINT_UNHEALTHY(RecycleReason.UNHEALTHY) {
            @Override
            void apply(Fixture f, Lease lease) {
                lease.connection.endpoint.checkFailing(true);
            }
        },
        ENDPOINT_DRAINING(RecycleReason.ENDPOINT_REMOVED) {
            @Override
            void apply(Fixture f, Lease lease) {
                f.endpoints.remove(lease.connection.endpoint.uri(), LONG);
            }
        },
        INVALIDATED(RecycleReason.INVALIDATED) {
            @Override
            void apply(Fixture f, Lease lease) {
                lease.invalidate();
            }
        },
        LIFETIME_PASSED(RecycleReason.LIFETIME) {
            @Override
            void apply(Fixture f, Lease lease) {
                lease.connection.times().markExpired(); // as the housekeeper does once the lifetime has passed
            }
        };

        final RecycleReason reason;

        Unfit(RecycleReason reason) {
            this.reason = reason;
        }

        abstract void apply(Fixture f, Lease lease);
    }

    @ParameterizedTest
    @EnumSource(Unfit.class)
    void aConnectionReleasedUnfitIsRecycledWithItsReasonNotHandedToTheWaiter(Unfit unfit) {
        f = fixture().connections(1, 0).build(); // a second endpoint with room, so that a replacement can open
        Lease held = f.acquire();
        CompletableFuture<PooledConnection> waiter = f.broker.acquireAsync();
        assertEquals(1, f.broker.pending());
        unfit.apply(f, held);
        int mark = f.recorded.states.size();

        held.close();
        assertEquals(List.of(new RecycleEvent(POOL, held.id(), held.connection.endpoint, unfit.reason)),
                f.recorded.recycles);
        assertEquals(List.of("ACTIVE->RECYCLING", "RECYCLING->CLOSED"), f.recorded.statesOf(held.id(), mark));
        assertEquals(CLOSED, held.connection.state());
        assertFalse(waiter.isDone(), "not handed to the waiter");
        assertEquals(1, f.broker.pending());

        assertEquals(1, f.transport.openPending(), "the freed slot opened a replacement for the waiter");
        assertNotEquals(held.id(), waiter.join().id(), "the waiter is served by the replacement");
    }

    // --------------------------------------------------------------------------------------------- async timeout

    @Test
    void anAsyncAcquireTimesOutOnTheSchedulerExactlyAtItsTimeoutWithTheStatsInItsMessage() {
        Duration timeout = Duration.ofMillis(250);
        f = fixture().acquireTimeout(timeout).build();
        Lease held = f.acquire();
        CompletableFuture<PooledConnection> waiter = f.broker.acquireAsync(); // the configured timeout
        assertEquals(1, f.broker.pending());

        f.ticker.advance(timeout.minusNanos(1));
        f.scheduler.runDue();
        assertFalse(waiter.isDone(), "not a nanosecond early");
        assertEquals(1, f.broker.pending());

        f.ticker.advance(Duration.ofNanos(1));
        assertEquals(1, f.scheduler.runDue());
        ExecutionException failed = assertThrows(ExecutionException.class, waiter::get);
        AcquireTimeoutException e = assertInstanceOf(AcquireTimeoutException.class, failed.getCause());
        assertEquals(timeout, e.timeout());
        assertTrue(e.getMessage().contains("within 250 ms (total=1, active=1, idle=0, pending=1)"), e.getMessage());
        assertEquals(0, f.broker.pending());
        assertEquals(1, f.recorded.failures.size());
        assertSame(e, f.recorded.failures.get(0).failure());
        assertEquals(timeout, f.recorded.failures.get(0).waited());

        held.close();
        assertEquals(READY, held.connection.state(), "nobody waits any more: nothing to hand over");
    }

    // ------------------------------------------------------------------------------------------ leak detection

    @Test
    void aLeaseThePoolKeepsOnPurposeIsNoLeak() {
        Duration threshold = Duration.ofSeconds(10);
        f = fixture().listening(false).leakThreshold(threshold).build();
        Lease carrier = f.acquire();
        f.broker.exemptFromLeakDetection(carrier); // a subscription's carrier
        String logs = capturingLogs(() -> {
            f.ticker.advance(Duration.ofHours(1));
            assertEquals(0, f.scheduler.runDue(), "its leak report was cancelled");
            carrier.close();
        });
        assertEquals(0, count(logs, "leak"), logs);
    }

    @Test
    void aLeaseHeldPastTheLeakThresholdIsReportedOnce() {
        Duration threshold = Duration.ofSeconds(10);
        f = fixture().listening(false).leakThreshold(threshold).build();
        Lease held = f.acquire();
        assertEquals(1, f.scheduler.pendingTasks(), "the report is scheduled with the lease");

        String logs = capturingLogs(() -> {
            f.ticker.advance(threshold.minusNanos(1));
            assertEquals(0, f.scheduler.runDue(), "not before the threshold");
            f.ticker.advance(Duration.ofNanos(1));
            assertEquals(1, f.scheduler.runDue());
            f.ticker.advance(Duration.ofHours(1));
            assertEquals(0, f.scheduler.runDue(), "not again");
            held.close();
        });
        assertEquals(1, count(logs, "possible connection leak: " + held.id() + " has been leased for more than 10000"
                + " ms"), logs);
        assertEquals(1, count(logs, held.id() + " previously reported as a possible leak was returned after 3610000"
                + " ms"), logs);
    }

    @Test
    void aReleaseBeforeTheThresholdCancelsTheReportAndAHandoffWatchesTheNewHolderFromTheHandoff() {
        Duration threshold = Duration.ofSeconds(10);
        f = fixture().listening(false).leakThreshold(threshold).build();
        Lease held = f.acquire();
        CompletableFuture<PooledConnection> waiter = f.broker.acquireAsync(Duration.ofHours(1));
        assertEquals(2, f.scheduler.pendingTasks(), "the lease's report and the waiter's timeout");

        String logs = capturingLogs(() -> {
            f.ticker.advance(threshold.minusSeconds(1));
            held.close();
            assertEquals(1, f.scheduler.pendingTasks(), "both gone; the waiter's new lease is watched");
            f.ticker.advance(threshold.minusNanos(1));
            assertEquals(0, f.scheduler.runDue(), "the first lease's report was cancelled");
            f.ticker.advance(Duration.ofNanos(1));
            assertEquals(1, f.scheduler.runDue(), "the handed-over lease, a full threshold after the handoff");
            waiter.join().close();
            assertEquals(0, f.scheduler.pendingTasks());
        });
        assertEquals(1, count(logs, "possible connection leak"), logs);
    }

    /** Runs {@code action} with standard error (where slf4j-simple logs) captured, and returns what was logged. */
    private static String capturingLogs(Runnable action) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(originalErr);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------------ the fixture

    private static Options fixture() {
        return new Options();
    }

    /** How a fixture is built: one endpoint with one connection, listening, no leak detection, unless told. */
    private static final class Options {
        int[] connections = {1};
        long windowNanos = LeaseSettings.BARGING_WINDOW_NANOS;
        Duration acquireTimeout = LONG;
        Duration leakThreshold = Duration.ZERO;
        boolean listening = true;

        /** One endpoint per argument, with that many connections opened; the pool is capped at their sum. */
        Options connections(int... perEndpoint) {
            connections = perEndpoint;
            return this;
        }

        Options bargingWindow(long nanos) {
            windowNanos = nanos;
            return this;
        }

        Options acquireTimeout(Duration d) {
            acquireTimeout = d;
            return this;
        }

        Options leakThreshold(Duration d) {
            leakThreshold = d;
            return this;
        }

        Options listening(boolean on) {
            listening = on;
            return this;
        }

        Fixture build() {
            return new Fixture(this);
        }
    }

    /** What the listener heard. */
    private static final class Recorder implements PoolListener {
        final List<ConnectionStateChange> states = new CopyOnWriteArrayList<>();
        final List<RecycleEvent> recycles = new CopyOnWriteArrayList<>();
        final List<AcquireEvent> acquires = new CopyOnWriteArrayList<>();
        final List<AcquireFailureEvent> failures = new CopyOnWriteArrayList<>();
        final List<String> releases = new CopyOnWriteArrayList<>();

        @Override
        public void onStateChange(ConnectionStateChange event) {
            states.add(event);
        }

        @Override
        public void onRecycle(RecycleEvent event) {
            recycles.add(event);
        }

        @Override
        public void onAcquire(AcquireEvent event) {
            acquires.add(event);
        }

        @Override
        public void onAcquireFailure(AcquireFailureEvent event) {
            failures.add(event);
        }

        @Override
        public void onRelease(ReleaseEvent event) {
            releases.add(event.connectionId());
        }

        /** State changes of any connection after the first {@code mark}, as {@code FROM->TO}. */
        List<String> statesSince(int mark) {
            return states.subList(mark, states.size()).stream().map(s -> s.from() + "->" + s.to()).toList();
        }

        List<String> statesOf(String id, int mark) {
            return states.subList(mark, states.size()).stream().filter(s -> s.connectionId().equals(id))
                    .map(s -> s.from() + "->" + s.to()).toList();
        }
    }

    /**
     * The lease side wired as the pool wires it, minus health and housekeeping: this class stands where the pool and
     * its connection router stand (connection owner, transport listener, recycler listener), passing each call to the
     * component the pool would.
     */
    private static final class Fixture
            implements AutoCloseable, ConnectionOwner, ConnectionListener, Recycler.Listener, Messaging.Host {

        final FakeTicker ticker = new FakeTicker();
        final ManualScheduler scheduler = new ManualScheduler(ticker);
        final InMemoryTransport transport = new InMemoryTransport();
        final Recorder recorded = new Recorder();
        final PoolListeners events;
        final Shutdown shutdown = new Shutdown();
        final Recycler recycler;
        final Affinity affinity;
        final EndpointRegistry endpoints;
        final Connector connector;
        final Messaging messaging;
        final LeaseBroker broker;
        final List<String> illegalTransitions = new CopyOnWriteArrayList<>();
        private final List<Blocked> blocked = new CopyOnWriteArrayList<>();

        Fixture(Options o) {
            int total = Arrays.stream(o.connections).sum();
            events = new PoolListeners(POOL, ticker, o.listening ? List.of(recorded) : List.of());
            recycler = new Recycler(POOL, events, scheduler, TimeUnit.SECONDS.toNanos(1), this);
            affinity = new Affinity(1_000, Duration.ofHours(1), ticker);
            List<EndpointState> initial = new ArrayList<>();
            for (int i = 0; i < o.connections.length; i++) {
                initial.add(endpointState("e" + i, Math.max(1, total)));
            }
            endpoints = new EndpointRegistry(POOL, initial, (uri, weight, headers) -> {
                throw new UnsupportedOperationException("no endpoints are added here");
            }, recycler, scheduler, events, affinity, shutdown, () -> { });
            EndpointSelector selector = new EndpointSelector(candidates -> candidates.get(0), POOL, false);
            ConnectSettings connect = new ConnectSettings(true, 0, total, Math.max(1, total), 8, 8, 0, 0,
                    Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(1), 2.0,
                    false, false, options());
            connector = new Connector(POOL, connect, new Connector.Collaborators(ticker, transport, scheduler, events,
                    endpoints, selector, recycler, shutdown, this, new EjectionBudget(endpoints, 50)), this, this::waiting,
                    () -> { });
            messaging = new Messaging(POOL, new MessagingSettings(null, Runnable::run, Correlators.messageId(),
                    1 << 20, Duration.ZERO, 1 << 20, null), ticker, scheduler, this, events);
            broker = new LeaseBroker(POOL, new LeaseSettings(true, 1, 100, o.acquireTimeout, o.leakThreshold,
                    o.windowNanos), new LeaseBroker.Collaborators(ticker, scheduler, events, shutdown, endpoints,
                    selector, affinity, connector, messaging, recycler));
            for (int i = 0; i < o.connections.length; i++) {
                for (int n = 0; n < o.connections[i]; n++) {
                    open(endpoint(i));
                }
            }
            transport.manualOpen(true); // from now on nothing opens unless the test says so
            // the connections prove themselves (their connects succeed): no minimum-lifetime timer is left pending
            ticker.advance(Connector.MIN_CONNECTION_LIFETIME);
            scheduler.runDue();
        }

        private static TransportOptions options() {
            return new TransportOptions(Duration.ofSeconds(5), 1 << 20, Map.of(), POOL);
        }

        private static EndpointState endpointState(String path, int cap) {
            return new EndpointState(URI.create("ws://127.0.0.1:1/" + path), 1, new EndpointCaps(cap, 8, 1),
                    CircuitBreaker.ofDefaults(POOL + "." + path), new Backoff(1, 1, 2.0, b -> b), null, options(), 1);
        }

        EndpointState endpoint(int i) {
            return endpoints.array()[i];
        }

        /** Opens one connection on {@code e} (the transport opens it at once) and checks it became available. */
        private void open(EndpointState e) {
            int before = e.availableConnections();
            connector.openForRequired(e, 1);
            assertEquals(before + 1, e.availableConnections(), "a connection opened on " + e);
        }

        private int waiting() {
            return broker.waiting();
        }

        /** An acquire on the calling thread that does not wait. */
        Lease acquire() {
            return (Lease) broker.acquire(Duration.ZERO);
        }

        /** Starts {@code acquire} on a thread of its own (it blocks there); ended with the fixture. */
        Blocked blockIn(Supplier<PooledConnection> acquire) {
            Blocked b = new Blocked(broker, acquire);
            blocked.add(b);
            return b;
        }

        @Override
        public void close() {
            for (Blocked b : blocked) {
                b.end();
            }
            shutdown.begin();
            broker.failWaitersOnClose();
            scheduler.shutdown(0);
            transport.close();
            messaging.close(0);
            assertEquals(List.of(), illegalTransitions, "no illegal lifecycle transition was asked for");
        }

        // ---------------------------------------------------------------------------------------- as the pool

        @Override
        public void onTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
            events.stateChanged(c.id, c.endpoint, from, to);
        }

        @Override
        public void onIllegalTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
            illegalTransitions.add(c.id + " " + from + "->" + to);
        }

        @Override
        public void release(Lease lease) {
            broker.release(lease);
        }

        @Override
        public Messaging messaging() {
            return messaging;
        }

        // ---------------------------------------------------------------------------------------- as the router

        @Override
        public void opening(ManagedConnection c, long now) {
            // health and housekeeping are not part of this fixture
        }

        @Override
        public void ready(ManagedConnection c) {
            broker.opened(c);
        }

        @Override
        public void text(ManagedConnection c, String text) {
        }

        @Override
        public void binary(ManagedConnection c, ByteBuffer data) {
        }

        @Override
        public void pong(ManagedConnection c, ByteBuffer payload) {
        }

        @Override
        public void closed(ManagedConnection c, int code, String reason, boolean remote, Throwable error) {
            recycler.markBroken(c, error != null ? RecycleReason.ERROR : RecycleReason.PEER_CLOSED);
            recycler.finishIfRecycling(c);
        }

        @Override
        public void endpointRecovered(EndpointState e) {
        }

        @Override
        public void endpointEjected(EndpointState e, EndpointConnectException failure, int failures) {
        }

        @Override
        public void connectionClosed(ManagedConnection c) {
            broker.forget(c);
            connector.freeSlot(c);
            endpoints.connectionClosed(c.endpoint);
            if (!shutdown.begun()) {
                connector.refillAfterClose();
            }
        }

        // ---------------------------------------------------------------------------------------- messaging host

        @Override
        public void sendSucceeded(Channel c) {
        }

        @Override
        public RuntimeException sendFailed(Channel c, RuntimeException failure) {
            return failure;
        }

        @Override
        public void requestTimedOut(Channel c, RequestTimeoutException failure) {
        }
    }

    /** A caller blocked in a synchronous acquire on a thread of its own. */
    private static final class Blocked {
        final CompletableFuture<PooledConnection> result = new CompletableFuture<>();
        private final LeaseBroker broker;
        private final Thread thread;

        Blocked(LeaseBroker broker, Supplier<PooledConnection> acquire) {
            this.broker = broker;
            this.thread = new Thread(() -> {
                try {
                    result.complete(acquire.get());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            }, "lease-test-waiter");
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits until this caller is queued and asleep in its wait (with {@code pending} callers waiting in all). */
        void awaitParked(int pending) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> thread.getState() == Thread.State.TIMED_WAITING && broker.pending() == pending);
        }

        /** The lease this caller got (waiting for it to wake). */
        PooledConnection lease() {
            return await().atMost(Duration.ofSeconds(10)).until(() -> result.getNow(null), l -> l != null);
        }

        /** Ends the caller: interrupted if still waiting, its lease released if it has one. */
        void end() {
            thread.interrupt();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            PooledConnection l = result.isDone() && !result.isCompletedExceptionally() ? result.join() : null;
            if (l != null) {
                l.close();
            }
            assertFalse(thread.isAlive(), "the waiting thread ended");
            if (result.isCompletedExceptionally()) {
                Throwable t = result.handle((v, ex) -> ex).join();
                assertInstanceOf(PoolException.class, t, "an interrupted wait fails with a PoolException");
            }
        }
    }
}

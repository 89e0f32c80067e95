package io.github.wspool.core.internal.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.wspool.ConnectionState;
import io.github.wspool.core.internal.FakeTicker;
import io.github.wspool.core.internal.ManualScheduler;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.internal.messaging.Messaging;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportOptions;
import io.github.wspool.event.RecycleReason;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A recycled connection's close timeout: the socket is aborted if the peer does not answer in time, and the timer is
 * withdrawn as soon as the connection is closed (not left to run out with the connection's objects held).
 */
class RecyclerCloseTimeoutTest {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private static final ConnectionOwner OWNER = new ConnectionOwner() {
        @Override
        public void onTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
        }

        @Override
        public void onIllegalTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
            throw new AssertionError(from + " -> " + to);
        }

        @Override
        public void release(Lease lease) {
        }

        @Override
        public Messaging messaging() {
            throw new AssertionError("not used");
        }
    };

    /** A transport whose close waits for the peer: it never finishes by itself. */
    private static final class SilentPeer implements TransportConnection {
        final AtomicInteger closes = new AtomicInteger();
        final AtomicInteger aborts = new AtomicInteger();

        @Override
        public void sendText(String text) {
        }

        @Override
        public void sendBinary(ByteBuffer data) {
        }

        @Override
        public void ping(ByteBuffer payload) {
        }

        @Override
        public void close(int code, String reason) {
            closes.incrementAndGet();
        }

        @Override
        public void abort() {
            aborts.incrementAndGet();
        }

        @Override
        public boolean isOpen() {
            return closes.get() == 0;
        }
    }

    private final FakeTicker ticker = new FakeTicker();
    private final ManualScheduler scheduler = new ManualScheduler(ticker);
    private final AtomicInteger closed = new AtomicInteger();
    private final Recycler recycler = new Recycler("t", PoolEvents.NONE, scheduler, CLOSE_TIMEOUT.toNanos(),
            c -> closed.incrementAndGet());

    private ManagedConnection openConnection(SilentPeer peer) {
        EndpointState e = new EndpointState(URI.create("ws://127.0.0.1:1/"), 1, new EndpointCaps(Integer.MAX_VALUE,
                8, 1), CircuitBreaker.ofDefaults("t"), new Backoff(1, 1, 2.0, b -> b), null,
                new TransportOptions(Duration.ofSeconds(1), 1024, Map.of(), "t"), 1);
        ManagedConnection c = new ManagedConnection("t-1", e, OWNER, 0);
        e.add(c);
        c.opened(peer);
        assertTrue(c.markReady());
        return c;
    }

    @Test
    void theTimerGoesWhenTheConnectionCloses() {
        SilentPeer peer = new SilentPeer();
        ManagedConnection c = openConnection(peer);
        assertTrue(recycler.recycleIfAvailable(c, RecycleReason.SHUTDOWN));
        assertEquals(1, peer.closes.get(), "close frame sent");
        assertEquals(1, scheduler.pendingTasks(), "the close timeout runs");
        assertEquals(RecycleReason.SHUTDOWN, c.recycledFor());

        c.transportFinished(); // the peer answered
        recycler.finishIfRecycling(c);
        assertEquals(ConnectionState.CLOSED, c.state());
        assertEquals(1, closed.get());
        assertEquals(0, scheduler.pendingTasks(), "the close timeout is withdrawn once closed");
        ticker.advance(CLOSE_TIMEOUT);
        scheduler.runDue();
        assertEquals(0, peer.aborts.get());
    }

    @Test
    void aPeerThatNeverAnswersIsAbortedAtTheTimeout() {
        SilentPeer peer = new SilentPeer();
        ManagedConnection c = openConnection(peer);
        assertTrue(recycler.recycleIfAvailable(c, RecycleReason.IDLE));
        ticker.advance(CLOSE_TIMEOUT.minusMillis(1));
        scheduler.runDue();
        assertEquals(0, peer.aborts.get());
        ticker.advance(Duration.ofMillis(1));
        scheduler.runDue();
        assertEquals(1, peer.aborts.get(), "aborted at closeTimeout");
    }

    @Test
    void aTimerKeptAfterTheCloseEndedIsWithdrawnAtOnce() {
        Closing closing = new Closing(RecycleReason.IDLE);
        AtomicInteger cancelled = new AtomicInteger();
        closing.ended();
        closing.timer(cancelled::incrementAndGet);
        assertEquals(1, cancelled.get(), "the close ended first: the timer goes as it is kept");
        closing.ended();
        assertEquals(1, cancelled.get(), "once");

        Closing other = new Closing(RecycleReason.IDLE);
        AtomicInteger otherCancelled = new AtomicInteger();
        other.timer(otherCancelled::incrementAndGet);
        assertEquals(0, otherCancelled.get());
        other.ended();
        other.ended();
        assertEquals(1, otherCancelled.get());
    }
}

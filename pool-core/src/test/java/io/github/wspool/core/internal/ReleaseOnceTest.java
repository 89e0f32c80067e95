package io.github.wspool.core.internal;

import static io.github.wspool.ConnectionState.ACTIVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.PooledConnection;
import io.github.wspool.core.BuilderAccess;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.internal.connection.Lease;
import io.github.wspool.core.spi.InMemoryTransport;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A lease is released once even when a second {@code close()} races the first: the release's move on the connection
 * expects the lease's holding token, which the first release ended. A racing second close is simulated
 * deterministically by a twin of the lease carrying the same token (what the second caller read before the first
 * marked the lease released), released after the connection has a new holder.
 */
class ReleaseOnceTest {

    /** No listener and no leak detection: the path where the lease is marked released without a CAS of its own. */
    private static DefaultWebSocketPool plainPool(FakeTicker ticker) {
        return DefaultWebSocketPool.start(BuilderAccess.config(WebSocketPools.builder().name("once")
                .endpoint("ws://127.0.0.1:1/").pooling(true).minConnections(1).maxConnections(1).ticker(ticker)
                .transport(new InMemoryTransport())), new ManualScheduler(ticker), b -> b);
    }

    /** A released lease's twin (what a racing second close() saw) and the connection's next holder. */
    private record Late(Lease twin, PooledConnection next) {
    }

    /** Acquires and closes a lease, keeps its twin, and has the calling thread take the (only) connection again. */
    private static Late secondHolder(DefaultWebSocketPool pool) {
        Lease first = (Lease) pool.acquire();
        Lease twin = new Lease(first.connection, Lease.UNTIMED, first.token());
        first.close();
        PooledConnection next = pool.acquire(Duration.ZERO);
        assertEquals(first.id(), next.id(), "one connection: the next holder has the same one");
        return new Late(twin, next);
    }

    @Test
    void aLateSecondReleaseLeavesTheConnectionsNextHolderAlone() {
        DefaultWebSocketPool pool = plainPool(new FakeTicker());
        try {
            Late late = secondHolder(pool);
            PooledConnection next = late.next();
            pool.release(late.twin()); // the racing second close(), arriving late
            assertEquals(ACTIVE, next.state());
            assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ZERO),
                    "still held by the next holder: not available to anyone else");
            next.close();
            assertEquals(1, pool.stats().idle(), "released once by its holder: available again");
        } finally {
            pool.close();
        }
    }

    @Test
    void aLateSecondReleaseDoesNotHandTheConnectionToAWaiter() throws Exception {
        DefaultWebSocketPool pool = plainPool(new FakeTicker());
        try {
            Late late = secondHolder(pool);
            PooledConnection next = late.next();
            CompletableFuture<PooledConnection> waiter = pool.acquireAsync(Duration.ofSeconds(30));
            assertEquals(1, pool.stats().pending());
            pool.release(late.twin());
            assertFalse(waiter.isDone(), "the late release had nothing to hand over");
            next.close();
            assertTrue(waiter.isDone(), "the real release hands it over");
            waiter.get().close();
        } finally {
            pool.close();
        }
    }

    @Test
    void aLateSecondReleaseWithListenersIsIgnoredToo() {
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(1).maxConnections(1))) {
            Late late = secondHolder(h.pool);
            PooledConnection next = late.next();
            h.pool.release(late.twin());
            assertEquals(ACTIVE, next.state());
            assertEquals(0, h.pool.stats().idle());
            next.close();
            assertEquals(1, h.pool.stats().idle());
        }
    }
}

package io.github.wspool.core.internal.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.github.wspool.PooledConnection;
import io.github.wspool.core.internal.EngineHarness;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.event.RecycleReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The thread-affine fast path: a thread's acquire tries the connection it released last. */
class RecentConnectionTest {

    private static EngineHarness pooled(int connections) {
        return new EngineHarness(b -> b.pooling(true).minConnections(connections).maxConnections(connections));
    }

    @Test
    void aThreadGetsBackTheConnectionItReleasedLastNotTheFirstFreeOne() {
        try (EngineHarness h = pooled(2)) {
            String[] ids = takeBothReleaseTheSecondLast(h);
            try (PooledConnection again = h.pool.acquire()) {
                assertEquals(ids[1], again.id(), "released last: the shared scan would have found the first one");
            }
        }
    }

    @Test
    void aRecentConnectionThatDiedUnannouncedIsRecycledNotHandedOut() {
        try (EngineHarness h = pooled(2)) {
            String[] ids = takeBothReleaseTheSecondLast(h);
            transportOf(h, ids[1]).dieSilently(); // the close callback has not arrived yet
            try (PooledConnection again = h.pool.acquire()) {
                assertEquals(ids[0], again.id(), "the live one, not the thread's dead recent one");
            }
            assertEquals(1, h.recycledFor(RecycleReason.PEER_CLOSED));
        }
    }

    @Test
    void withSeveralEndpointsTheStrategyStillChoosesNotTheThreadsRecentConnection() {
        try (EngineHarness h = new EngineHarness(b -> b.endpoint("ws://127.0.0.1:2/feed").pooling(true)
                .minConnections(2).maxConnections(2))) {
            List<String> endpoints = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                try (PooledConnection c = h.pool.acquire()) {
                    endpoints.add(c.endpoint().uri().getPort() + "");
                }
            }
            for (int i = 1; i < endpoints.size(); i++) {
                assertNotEquals(endpoints.get(i - 1), endpoints.get(i), "round-robin alternates: " + endpoints);
            }
        }
    }

    @Test
    void anEntryIsTheCallingThreadsAndIsForgottenWhenItsConnectionCloses() throws Exception {
        RecentConnection recent = new RecentConnection();
        ManagedConnection c = new ManagedConnection("c-1", null, null, 0);
        assertNull(recent.get());
        recent.put(c);
        assertSame(c, recent.get());
        CompletableFuture<ManagedConnection> seenByNext = new CompletableFuture<>();
        Thread next = new Thread(() -> seenByNext.complete(recent.get()));
        if (next.getId() % 16 == Thread.currentThread().getId() % 16) { // ids 16 apart share an entry: take the next
            next = new Thread(() -> seenByNext.complete(recent.get()));
        }
        assertNotEquals(Thread.currentThread().getId() % 16, next.getId() % 16, "test premise: another entry");
        next.start();
        assertNull(seenByNext.get(), "a thread on another entry has no recent connection");
        recent.forget(c);
        assertNull(recent.get(), "a closed connection is not kept reachable");
    }

    /** Takes both connections of a pool of two and releases them, the second last; returns their ids in order. */
    private static String[] takeBothReleaseTheSecondLast(EngineHarness h) {
        PooledConnection first = h.pool.acquire();
        PooledConnection second = h.pool.acquire();
        String[] ids = {first.id(), second.id()};
        first.close();
        second.close();
        return ids;
    }

    private static InMemoryTransport.Connection transportOf(EngineHarness h, String connectionId) {
        int n = Integer.parseInt(connectionId.substring(connectionId.lastIndexOf('-') + 1));
        return h.transport.connections().get(n - 1); // connections are numbered in connect order
    }
}

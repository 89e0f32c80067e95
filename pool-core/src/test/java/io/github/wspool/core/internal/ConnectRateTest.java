package io.github.wspool.core.internal;

import io.github.wspool.core.internal.connection.ConnectRate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.PooledConnection;
import io.github.wspool.core.WebSocketPools;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The connect rate limit: the algorithm on its own, then the pool spreading connects over time (fake ticker). */
class ConnectRateTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void permitsAreSpacedByTheRateAfterABurstOfATenthOfASecond() {
        ConnectRate tenPerSecond = new ConnectRate(10); // burst 1
        long t = 5_000 * MS;
        assertEquals(0, tenPerSecond.tryAcquire(t));
        assertEquals(100 * MS, tenPerSecond.tryAcquire(t));
        assertEquals(40 * MS, tenPerSecond.tryAcquire(t + 60 * MS));
        assertEquals(0, tenPerSecond.tryAcquire(t + 100 * MS));

        ConnectRate hundred = new ConnectRate(100); // burst 10
        for (int i = 0; i < 10; i++) {
            assertEquals(0, hundred.tryAcquire(t), "burst permit " + i);
        }
        assertEquals(10 * MS, hundred.tryAcquire(t));
        hundred.refund();
        assertEquals(0, hundred.tryAcquire(t), "a refunded permit can be taken again");

        ConnectRate quiet = new ConnectRate(10);
        assertEquals(0, quiet.tryAcquire(t));
        assertEquals(0, quiet.tryAcquire(t + 10_000 * MS), "a quiet spell does not bank more than the burst");
        assertEquals(100 * MS, quiet.tryAcquire(t + 10_000 * MS));
        assertEquals(null, ConnectRate.of(0));
        assertThrows(IllegalArgumentException.class, () -> new ConnectRate(-1));
    }

    @Test
    void thePoolOpensItsMinimumAtTheEndpointRate() {
        try (EngineHarness h = new EngineHarness(b -> b.pooling(true).minConnections(10).maxConnections(10)
                .maxConnectRate(10, 0))) {
            assertEquals(1, h.transport.connectAttempts(), "one at once, the rest held back");
            for (int i = 2; i <= 10; i++) {
                h.ticker.advance(Duration.ofMillis(99));
                h.scheduler.runDue();
                assertEquals(i - 1, h.transport.connectAttempts(), "not before its 100 ms turn");
                h.ticker.advance(Duration.ofMillis(1));
                h.scheduler.runDue();
                assertEquals(i, h.transport.connectAttempts(), "connect " + i + " on its turn");
            }
            h.ticker.advance(Duration.ofSeconds(1));
            h.maintain();
            assertEquals(10, h.transport.connectAttempts(), "no more than the minimum");
        }
    }

    @Test
    void aWaiterHeldBackByThePoolRateIsServedOnItsTurn() throws Exception {
        try (EngineHarness h = new EngineHarness(b -> b.endpoint("ws://127.0.0.1:2/feed").pooling(true)
                .maxConnections(10).maxConnectRate(0, 5))) { // pool-wide 5/s, burst 1: one per 200 ms
            CompletableFuture<PooledConnection> first = h.pool.acquireAsync();
            h.scheduler.runDue();
            assertTrue(first.isDone(), "the first connect is immediate");
            CompletableFuture<PooledConnection> second = h.pool.acquireAsync();
            h.scheduler.runDue();
            assertFalse(second.isDone(), "the second waits for the rate, on either endpoint");
            assertEquals(1, h.transport.connectAttempts());
            h.ticker.advance(Duration.ofMillis(200));
            h.scheduler.runDue();
            assertTrue(second.isDone(), "served on its turn");
            assertEquals(2, h.transport.connectAttempts());
            first.get(1, TimeUnit.SECONDS).close();
            second.get(1, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void rateSettingsAreValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WebSocketPools.builder().maxConnectRate(-1, 0));
        assertTrue(e.getMessage().contains("perEndpointPerSecond") && e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> WebSocketPools.builder().maxConnectRate(1, Double.NaN));
        assertTrue(e.getMessage().contains("perPoolPerSecond") && e.getMessage().contains("NaN"), e.getMessage());
    }
}

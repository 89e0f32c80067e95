package io.github.wspool.core.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PooledConnection;
import io.github.wspool.core.BuilderAccess;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.internal.lease.LeaseSettings;
import io.github.wspool.core.spi.InMemoryTransport;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Bounded barging: while the oldest waiter is in its window, a release lets a running thread take the connection;
 * once the waiter is due, releases go to the oldest due waiter. The window is injected (the production one is
 * {@link LeaseSettings#BARGING_WINDOW_NANOS}), so each side is tested deterministically.
 */
class BargingTest {

    private static DefaultWebSocketPool pool(long windowNanos) {
        FakeTicker ticker = new FakeTicker();
        return DefaultWebSocketPool.start(BuilderAccess.config(WebSocketPools.builder().name("barge")
                .endpoint("ws://127.0.0.1:1/").pooling(true).minConnections(1).maxConnections(1).ticker(ticker)
                .transport(new InMemoryTransport())).withBargingWindow(windowNanos), new ManualScheduler(ticker), b -> b);
    }

    private static CompletableFuture<String> waitFor(DefaultWebSocketPool pool) {
        return CompletableFuture.supplyAsync(() -> {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(60))) {
                return c.id();
            }
        });
    }

    @Test
    void whileTheOldestWaiterIsInItsWindowAReleaseLetsARunningThreadTakeTheConnection() {
        DefaultWebSocketPool pool = pool(TimeUnit.SECONDS.toNanos(30));
        try {
            PooledConnection held = pool.acquire();
            CompletableFuture<String> waiter = waitFor(pool);
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.control().pendingAcquires() == 1);
            held.close();
            try (PooledConnection again = pool.acquire(Duration.ZERO)) {
                assertEquals(held.id(), again.id(), "the releasing thread took its connection straight back");
            }
            assertFalse(waiter.isDone(), "the waiter is still in its window");
        } finally {
            pool.close();
        }
    }

    @Test
    void dueWaitersGetReleasesOldestFirstAndNobodyBargesPastThem() throws Exception {
        DefaultWebSocketPool pool = pool(0); // due at once: strict FIFO handoff
        try {
            PooledConnection held = pool.acquire();
            CountDownLatch firstDone = new CountDownLatch(1);
            CompletableFuture<String> first = new CompletableFuture<>();
            CompletableFuture<String> second = new CompletableFuture<>();
            holdUntil(pool, first, firstDone);
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.control().pendingAcquires() == 1);
            holdUntil(pool, second, new CountDownLatch(0));
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.control().pendingAcquires() == 2);
            held.close();
            assertEquals(held.id(), first.get(5, TimeUnit.SECONDS), "the oldest waiter got the release");
            assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ZERO),
                    "held by the oldest waiter: the releasing thread did not take it back");
            assertFalse(second.isDone(), "the younger waiter waits for the next release");
            firstDone.countDown();
            assertEquals(held.id(), second.get(5, TimeUnit.SECONDS), "then the next, on the first one's release");
        } finally {
            pool.close();
        }
    }

    /** On another thread: acquires, reports the connection, holds it until {@code done}, releases. */
    private static void holdUntil(DefaultWebSocketPool pool, CompletableFuture<String> got, CountDownLatch done) {
        Thread t = new Thread(() -> {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(60))) {
                got.complete(c.id());
                done.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException | RuntimeException e) {
                got.completeExceptionally(e);
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @Test
    void aWaiterThatOutwaitsItsWindowTakesAConnectionLeftReady() throws Exception {
        DefaultWebSocketPool pool = pool(TimeUnit.MILLISECONDS.toNanos(200));
        try {
            PooledConnection held = pool.acquire();
            CompletableFuture<String> waiter = waitFor(pool);
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.control().pendingAcquires() == 1);
            held.close(); // in the window: the connection goes READY, and nobody takes it
            assertEquals(held.id(), waiter.get(5, TimeUnit.SECONDS), "taken by the waiter's own scan once due");
        } finally {
            pool.close();
        }
    }

    @Test
    void underConstantBargingADueWaiterIsServedByAReleaseNotStarvedUntilItsTimeout() throws Exception {
        DefaultWebSocketPool pool = pool(LeaseSettings.BARGING_WINDOW_NANOS); // the production window
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong cycles = new AtomicLong();
        Thread barger = new Thread(() -> {
            while (!stop.get()) {
                // taken straight back through its recent connection, and held a little each time: then the waiter's
                // own scans (on queueing, once due) find it taken, and only a release handing it over can serve it
                PooledConnection c = pool.acquire(Duration.ofSeconds(30));
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
                c.close();
                cycles.incrementAndGet();
            }
        });
        barger.setDaemon(true);
        barger.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> cycles.get() > 100);
            // Starved, this caller would wait out its timeout and get an AcquireTimeoutException; served, it gets a
            // connection at a release once its window has passed. How soon depends on the machine (the window and the
            // wake-up are real time), so no bound is put on it: the timeout is far beyond the cap, and the cap is only
            // there so that a starved caller fails the test rather than hanging it.
            CompletableFuture<Boolean> served = CompletableFuture.supplyAsync(() -> {
                try (PooledConnection c = pool.acquire(Duration.ofMinutes(10))) {
                    return c.isOpen();
                }
            });
            assertTrue(served.get(30, TimeUnit.SECONDS), "served a live connection, not starved until its timeout");
        } finally {
            stop.set(true);
            barger.join(10_000);
            pool.close();
        }
    }

    @Test
    void closingThePoolEndsAWaiterInItsWindow() {
        DefaultWebSocketPool pool = pool(TimeUnit.SECONDS.toNanos(30));
        PooledConnection held = pool.acquire();
        CompletableFuture<String> waiter = waitFor(pool);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.control().pendingAcquires() == 1);
        held.close();
        pool.close();
        CompletionException e = assertThrows(CompletionException.class, waiter::join);
        assertTrue(e.getCause() instanceof PoolClosedException, String.valueOf(e.getCause()));
    }
}

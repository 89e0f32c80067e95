package io.github.wspool.core.internal.concurrent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.core.internal.FakeTicker;
import io.github.wspool.core.internal.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The completion lane: one drainer (one hand-off to a thread) for a burst of completions, another drainer only when
 * the running one is stuck while completions wait, and completions run late rather than never once the threads are
 * gone.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CompletionLaneTest {

    private static final long STALL = TimeUnit.MILLISECONDS.toNanos(1);

    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final ElasticExecutor executor = ElasticExecutor.create(1, 16, 60, "lane-test-", threads);
    /** Counts every hand-off to the executor. */
    private final AtomicInteger handOffs = new AtomicInteger();
    private final Executor counted = task -> {
        handOffs.incrementAndGet();
        executor.execute(task);
    };
    private final CountDownLatch release = new CountDownLatch(1);
    private final FakeTicker ticker = new FakeTicker();
    private final ManualScheduler manual = new ManualScheduler(ticker);

    @AfterEach
    void shutDown() {
        release.countDown();
        executor.shutdownNow();
        assertEquals(List.of(), DaemonThreads.joinAll(threads, System.nanoTime() + TimeUnit.SECONDS.toNanos(10)));
    }

    private Runnable blockUntilReleased(CountDownLatch entered) {
        return () -> {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    @Test
    void aBurstQueuedBehindARunningDrainerCostsOneHandOffAndRunsInOrderOnItsThread() {
        CompletionLane lane = new CompletionLane("t", counted, manual, STALL);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch holdFirst = new CountDownLatch(1);
        lane.execute(() -> {
            entered.countDown();
            try {
                holdFirst.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> entered.getCount() == 0);
        List<Integer> order = new CopyOnWriteArrayList<>();
        Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 1_000; i++) {
            int n = i;
            lane.execute(() -> {
                order.add(n);
                ranOn.add(Thread.currentThread());
            });
        }
        holdFirst.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> order.size() == 1_000);
        assertEquals(1, handOffs.get(), "one drainer took the whole burst");
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            expected.add(i);
        }
        assertEquals(expected, order, "in the order queued");
        assertEquals(1, ranOn.size(), "on one thread");
        assertTrue(ranOn.iterator().next().getName().startsWith("lane-test-"), "on the executor's thread");
        await().atMost(Duration.ofSeconds(10)).until(() -> lane.drainers() == 0);
    }

    @Test
    void theWatchStartsAnotherDrainerOnlyWhenNothingStartedForTheStallPeriodWhileCompletionsWait() {
        CompletionLane lane = new CompletionLane("t", counted, manual, STALL);
        CountDownLatch entered = new CountDownLatch(1);
        lane.execute(blockUntilReleased(entered));
        await().atMost(Duration.ofSeconds(10)).until(() -> entered.getCount() == 0);
        AtomicInteger ran = new AtomicInteger();
        lane.execute(ran::incrementAndGet); // waits behind the stuck one, arms the watch
        assertEquals(1, handOffs.get());

        ticker.advance(Duration.ofNanos(STALL - 1));
        assertEquals(0, manual.runDue(), "not before the stall period");
        ticker.advance(Duration.ofNanos(1));
        assertEquals(1, manual.runDue(), "the watch ran");
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 1);
        assertEquals(2, handOffs.get(), "a second drainer took the waiting completion");
        assertEquals(1, release.getCount(), "the first is still stuck");
        await().atMost(Duration.ofSeconds(10)).until(() -> lane.drainers() == 0); // the second left; the first is
        // written off

        // the stuck one no longer counts: while it stays stuck, a new completion starts a drainer at once
        lane.execute(ran::incrementAndGet);
        assertEquals(3, handOffs.get(), "no stall period to wait again");
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 2);
        ticker.advance(Duration.ofNanos(STALL));
        manual.runDue();
        assertEquals(3, handOffs.get(), "nothing waited: no drainer started by the watch");

        // the stuck stage returns: its drainer leaves (written off, it is not counted out twice)
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> lane.drainers() == 0);
        lane.execute(ran::incrementAndGet);
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> lane.drainers() == 0);
        assertEquals(4, handOffs.get());
    }

    @Test
    void aDrainerThatKeepsStartingCompletionsGetsNoCompany() throws Exception {
        CompletionLane lane = new CompletionLane("t", counted, manual, STALL);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch next = new CountDownLatch(1);
        lane.execute(() -> {
            entered.countDown();
            hold(next);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> entered.getCount() == 0);
        CountDownLatch secondEntered = new CountDownLatch(1);
        lane.execute(() -> {
            secondEntered.countDown();
            hold(release);
        });
        lane.execute(() -> { }); // a third waits: the watch is armed with the count of started tasks
        next.countDown(); // the drainer moves on to the second (progress), which then blocks
        assertTrue(secondEntered.await(10, TimeUnit.SECONDS));
        ticker.advance(Duration.ofNanos(STALL));
        manual.runDue();
        assertEquals(1, handOffs.get(), "progress since the watch was armed: no second drainer");
        ticker.advance(Duration.ofNanos(STALL));
        manual.runDue();
        await().atMost(Duration.ofSeconds(10)).until(() -> handOffs.get() == 2);
    }

    /** A drainer busy computing (RUNNABLE) is given four stall periods before another drainer joins it. */
    @Test
    void aRunnableDrainerIsGivenFourStallPeriodsBeforeItIsWrittenOff() {
        CompletionLane lane = new CompletionLane("t", counted, manual, STALL);
        java.util.concurrent.atomic.AtomicBoolean spinning = new java.util.concurrent.atomic.AtomicBoolean(true);
        CountDownLatch entered = new CountDownLatch(1);
        lane.execute(() -> {
            entered.countDown();
            while (spinning.get()) {
                Thread.onSpinWait(); // computing: RUNNABLE all along
            }
        });
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> entered.getCount() == 0);
            AtomicInteger ran = new AtomicInteger();
            lane.execute(ran::incrementAndGet);
            for (int period = 1; period <= 3; period++) {
                ticker.advance(Duration.ofNanos(STALL));
                manual.runDue();
                assertEquals(1, handOffs.get(), "still patient after " + period + " stall period(s)");
            }
            ticker.advance(Duration.ofNanos(STALL));
            manual.runDue();
            assertEquals(2, handOffs.get(), "written off after the fourth");
            await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 1);
        } finally {
            spinning.set(false);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> lane.drainers() == 0);
    }

    @Test
    void aBlockedStageDelaysTheOthersByAboutTheStallPeriodWithTheRealScheduler() throws Exception {
        ExecutorPoolScheduler scheduler = new ExecutorPoolScheduler("lane-test");
        try {
            CompletionLane lane = new CompletionLane("t", executor, scheduler, STALL);
            CountDownLatch entered = new CountDownLatch(1);
            lane.execute(blockUntilReleased(entered));
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            CountDownLatch others = new CountDownLatch(100);
            Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 100; i++) {
                lane.execute(() -> {
                    ranOn.add(Thread.currentThread());
                    others.countDown();
                });
            }
            assertTrue(others.await(10, TimeUnit.SECONDS), "the others ran while the first stage is blocked");
            assertEquals(1, release.getCount(), "the first stage still blocks");
            assertEquals(1, ranOn.size());
        } finally {
            release.countDown();
            scheduler.shutdown(TimeUnit.SECONDS.toNanos(10));
        }
    }

    @Test
    void aThrowingCompletionDoesNotStopTheOnesAfterIt() {
        CompletionLane lane = new CompletionLane("t", counted, manual, STALL);
        AtomicInteger ran = new AtomicInteger();
        lane.execute(() -> {
            throw new IllegalStateException("a completion's own bug");
        });
        lane.execute(ran::incrementAndGet);
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> lane.drainers() == 0);
    }

    @Test
    void onceTheThreadsAreGoneACompletionRunsOnTheCallingThread() {
        CompletionLane lane = new CompletionLane("t", executor, manual, STALL);
        executor.shutdown();
        List<Thread> ranOn = new ArrayList<>();
        lane.execute(() -> ranOn.add(Thread.currentThread()));
        assertEquals(List.of(Thread.currentThread()), ranOn, "late rather than never");
        assertEquals(0, lane.drainers());
    }

    private static void hold(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

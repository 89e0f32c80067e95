package io.github.wspool.core.internal.concurrent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Blocked tasks hold their own threads only: the executor grows, up to its cap, instead of queueing behind them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ElasticExecutorTest {

    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final CountDownLatch release = new CountDownLatch(1);
    private ElasticExecutor executor;

    @AfterEach
    void shutDown() {
        release.countDown();
        if (executor != null) {
            executor.shutdownNow();
            assertEquals(List.of(), DaemonThreads.joinAll(threads, System.nanoTime() + TimeUnit.SECONDS.toNanos(10)));
        }
    }

    private Runnable blocker(AtomicInteger started) {
        return () -> {
            started.incrementAndGet();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    @Test
    void tasksBlockedOnEveryCoreThreadDoNotHoldUpTheNextTask() {
        executor = ElasticExecutor.create(2, 64, 60, "elastic-grow-", threads);
        AtomicInteger blocked = new AtomicInteger();
        for (int i = 0; i < 10; i++) { // five times the core threads
            executor.execute(blocker(blocked));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> blocked.get() == 10);
        CountDownLatch ran = new CountDownLatch(1);
        executor.execute(ran::countDown);
        await().atMost(Duration.ofSeconds(10)).alias("a task submitted behind 10 blocked ones ran")
                .until(() -> ran.getCount() == 0);
        assertEquals(11, executor.getLargestPoolSize(), "one thread per blocked task, and one for the new task");
        assertTrue(threads.stream().allMatch(t -> t.isDaemon() && t.getName().startsWith("elastic-grow-")),
                "named daemon threads");
    }

    @Test
    void idleThreadsAreReusedRatherThanMultiplied() {
        executor = ElasticExecutor.create(1, 64, 60, "elastic-reuse-", threads);
        for (int i = 0; i < 200; i++) { // one at a time: each finds the previous task's thread idle
            CountDownLatch done = new CountDownLatch(1);
            executor.execute(done::countDown);
            await().atMost(Duration.ofSeconds(10)).until(() -> done.getCount() == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> executor.idleThreads() == executor.getPoolSize());
        }
        assertEquals(1, executor.getLargestPoolSize(), "one thread did all the sequential work");
    }

    @Test
    void atTheCapTasksWaitInOrderAndRunOnceAThreadIsFree() {
        executor = ElasticExecutor.create(1, 3, 60, "elastic-cap-", threads);
        AtomicInteger blocked = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            executor.execute(blocker(blocked));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> blocked.get() == 3);
        List<Integer> order = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            executor.execute(() -> order.add(n)); // queued, not rejected
        }
        assertEquals(3, executor.getPoolSize(), "no thread beyond the cap");
        assertEquals(List.of(), order, "nothing ran while every thread is blocked");
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> order.size() == 5);
        assertEquals(3, executor.getLargestPoolSize());
    }

    @Test
    void idleThreadsEndAndANewTaskStartsOneAgain() {
        executor = ElasticExecutor.create(2, 8, 1, "elastic-idle-", threads);
        AtomicInteger blocked = new AtomicInteger();
        CountDownLatch firstRelease = new CountDownLatch(1);
        for (int i = 0; i < 4; i++) {
            executor.execute(() -> {
                blocked.incrementAndGet();
                try {
                    firstRelease.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> blocked.get() == 4);
        firstRelease.countDown();
        await().atMost(Duration.ofSeconds(10)).alias("every thread, core ones too, ended after 1 s idle")
                .until(() -> executor.getPoolSize() == 0 && threads.isEmpty());
        CountDownLatch ran = new CountDownLatch(1);
        executor.execute(ran::countDown);
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.getCount() == 0);
    }

    /**
     * A task submitted while a thread is leaving after its idle time must not be queued for that thread: with one
     * thread blocked for good, such a task would wait for ever. Many rounds at the idle deadline of the other
     * thread; each task must run.
     */
    @Test
    void aTaskSubmittedAsAnIdleThreadLeavesIsNeverStrandedBehindABlockedOne() {
        executor = ElasticExecutor.create(1, 8, 1, "elastic-race-", threads);
        AtomicInteger blocked = new AtomicInteger();
        executor.execute(blocker(blocked)); // holds one thread until the end
        await().atMost(Duration.ofSeconds(10)).until(() -> blocked.get() == 1);
        for (int round = 0; round < 4; round++) {
            CountDownLatch first = new CountDownLatch(1);
            executor.execute(first::countDown); // starts a second thread, idle once this ran
            await().atMost(Duration.ofSeconds(10)).until(() -> first.getCount() == 0);
            long idleSince = System.nanoTime();
            // submit around the moment the idle thread's 1 s runs out, from before to after it
            long at = idleSince + TimeUnit.MILLISECONDS.toNanos(950 + 25L * round);
            for (long left = at - System.nanoTime(); left > 0; left = at - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
            CountDownLatch second = new CountDownLatch(1);
            executor.execute(second::countDown);
            await().atMost(Duration.ofSeconds(5)).alias("round " + round + ": the task ran")
                    .until(() -> second.getCount() == 0);
        }
    }

    @Test
    void aShutDownExecutorRejects() {
        executor = ElasticExecutor.create(1, 2, 60, "elastic-shut-", threads);
        executor.shutdown();
        assertThrows(RejectedExecutionException.class, () -> executor.execute(() -> { }));
    }

    @Test
    void refusesNonsenseSizes() {
        assertThrows(IllegalArgumentException.class, () -> ElasticExecutor.create(0, 2, 60, "x-", threads));
        assertThrows(IllegalArgumentException.class, () -> ElasticExecutor.create(3, 2, 60, "x-", threads));
        assertThrows(IllegalArgumentException.class, () -> ElasticExecutor.create(1, 2, 0, "x-", threads));
    }
}

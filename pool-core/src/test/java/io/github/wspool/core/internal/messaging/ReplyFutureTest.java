package io.github.wspool.core.internal.messaging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Blocked waiters are not dependents, and every way of completing the future wakes them. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReplyFutureTest {

    /** Starts a thread blocked in the given wait; returns it once it is waiting. */
    private static Thread blockedIn(ReplyFuture<String> f, AtomicReference<Object> outcome, String how) {
        Thread t = new Thread(() -> {
            try {
                outcome.set(switch (how) {
                    case "join" -> f.join();
                    case "get" -> f.get();
                    default -> f.get(20, TimeUnit.SECONDS);
                });
            } catch (Exception | Error e) {
                outcome.set(e);
            }
        }, "waiter-" + how);
        t.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.TIMED_WAITING);
        return t;
    }

    @Test
    void aBlockedCallerIsCompletedInlineAndWoken() throws Exception {
        ReplyFuture<String> f = new ReplyFuture<>();
        assertFalse(f.completeIfOnlyWaiter("early"), "nobody waits yet: left to the executor");
        assertFalse(f.isDone());
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = blockedIn(f, outcome, "join");
        assertTrue(f.completeIfOnlyWaiter("reply"), "only the blocked caller is woken");
        waiter.join(5_000);
        assertEquals("reply", outcome.get());
        assertFalse(f.completeIfOnlyWaiter("again"), "done already");
    }

    @Test
    void aDerivedStageOrADependentRefusesTheInlineCompletion() throws Exception {
        ReplyFuture<String> staged = new ReplyFuture<>();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = blockedIn(staged, outcome, "get");
        CompletableFuture<Integer> length = staged.thenApply(String::length);
        assertFalse(length instanceof ReplyFuture, "derived stages are plain futures");
        assertFalse(staged.completeIfOnlyWaiter("reply"), "a stage would run on the completing thread");
        assertFalse(staged.isDone(), "a refusal changes nothing");
        staged.complete("reply"); // what the executor then does
        waiter.join(5_000);
        assertEquals("reply", outcome.get());
        assertEquals(5, length.get(5, TimeUnit.SECONDS));

        ReplyFuture<String> combined = new ReplyFuture<>();
        Thread second = blockedIn(combined, new AtomicReference<>(), "join");
        CompletableFuture.allOf(combined, new CompletableFuture<>()); // a dependent that derives nothing from it
        assertFalse(combined.completeIfOnlyWaiter("reply"));
        combined.complete("reply");
        second.join(5_000);
        assertFalse(second.isAlive());
    }

    @Test
    void aSecondWaiterWaitsTheUsualWayAndBothAreWoken() throws Exception {
        ReplyFuture<String> f = new ReplyFuture<>();
        AtomicReference<Object> first = new AtomicReference<>();
        AtomicReference<Object> second = new AtomicReference<>();
        Thread a = blockedIn(f, first, "join");
        Thread b = blockedIn(f, second, "timed");
        assertFalse(f.completeIfOnlyWaiter("reply"), "the second waiter is a dependent: no inline completion");
        f.complete("reply");
        a.join(5_000);
        b.join(5_000);
        assertEquals("reply", first.get());
        assertEquals("reply", second.get());
    }

    @Test
    void everyWayOfCompletingWakesEveryKindOfWaiter() throws Exception {
        List<Consumer<ReplyFuture<String>>> completions = List.of(
                f -> f.complete("v"),
                f -> f.completeExceptionally(new IllegalStateException("x")),
                f -> f.cancel(false),
                f -> f.obtrudeValue("v"),
                f -> f.obtrudeException(new IllegalStateException("x")),
                f -> f.completeAsync(() -> "v"),
                f -> f.completeAsync(() -> "v", Runnable::run),
                f -> f.orTimeout(10, TimeUnit.MILLISECONDS),
                f -> f.completeOnTimeout("v", 10, TimeUnit.MILLISECONDS));
        for (int i = 0; i < completions.size(); i++) {
            for (String how : List.of("join", "get", "timed")) {
                ReplyFuture<String> f = new ReplyFuture<>();
                AtomicReference<Object> outcome = new AtomicReference<>();
                Thread waiter = blockedIn(f, outcome, how);
                completions.get(i).accept(f);
                waiter.join(5_000);
                assertFalse(waiter.isAlive(), "completion " + i + " woke the " + how + " waiter");
                Object o = outcome.get();
                assertTrue("v".equals(o) || o instanceof CompletionException || o instanceof ExecutionException
                        || o instanceof CancellationException, "completion " + i + ", " + how + ": " + o);
            }
        }
    }

    @Test
    void aTimedGetTimesOutAndJoinKeepsTheInterrupt() throws Exception {
        ReplyFuture<String> f = new ReplyFuture<>();
        long start = System.nanoTime();
        assertThrows(TimeoutException.class, () -> f.get(50, TimeUnit.MILLISECONDS));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50), "not before the timeout");

        AtomicReference<Object> outcome = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread t = new Thread(() -> {
            outcome.set(f.join());
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        t.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> t.getState() == Thread.State.WAITING);
        t.interrupt();
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2))
                .alias("join() is not ended by an interrupt").until(() -> t.isAlive() && outcome.get() == null);
        f.complete("late");
        t.join(5_000);
        assertSame("late", outcome.get());
        assertEquals(Boolean.TRUE, stillInterrupted.get(), "the interrupt is kept for the caller");
    }

    @Test
    void getIsInterruptible() throws Exception {
        ReplyFuture<String> f = new ReplyFuture<>();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = blockedIn(f, outcome, "get");
        waiter.interrupt();
        waiter.join(5_000);
        assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
    }
}

package io.github.wspool.core.internal.transport.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** A connection's callbacks: in order, inline when nothing is offloaded, and no queue kept once nothing is. */
class CallbackSequenceTest {

    /** Runs what it is given when told to, on the test's thread. */
    private static final class ManualExecutor implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable command) {
            tasks.add(command);
        }

        void runAll() {
            Runnable r;
            while ((r = tasks.poll()) != null) {
                r.run();
            }
        }
    }

    @Test
    void callbacksKeepTheirOrderAndTheQueueGoesOnceDrained() {
        ManualExecutor executor = new ManualExecutor();
        CallbackSequence callbacks = new CallbackSequence(executor);
        List<String> ran = new CopyOnWriteArrayList<>();

        callbacks.inline(() -> ran.add("pong")); // nothing pending: at once
        assertEquals(List.of("pong"), ran);
        assertFalse(callbacks.holdsQueue(), "no queue before anything is offloaded");

        callbacks.offload(() -> ran.add("open"));
        assertFalse(callbacks.holdsQueue(), "a lone offloaded callback travels in its own task");
        callbacks.inline(() -> ran.add("message")); // behind the open
        assertEquals(List.of("pong"), ran);
        assertTrue(callbacks.holdsQueue(), "one waits behind it");
        executor.runAll();
        assertEquals(List.of("pong", "open", "message"), ran);

        callbacks.inline(() -> ran.add("pong 2"));
        assertFalse(callbacks.holdsQueue(), "let go once the executor is done with it");

        callbacks.offload(() -> ran.add("undelivered"));
        callbacks.offload(() -> ran.add("close"));
        assertEquals(1, executor.tasks.size(), "one executor task for both");
        executor.runAll();
        assertEquals(List.of("pong", "open", "message", "pong 2", "undelivered", "close"), ran);

        // the executor is done with the first before the second is offloaded: each goes alone, in order
        callbacks.offload(() -> ran.add("a"));
        executor.runAll();
        callbacks.offload(() -> ran.add("b"));
        assertFalse(callbacks.holdsQueue());
        executor.runAll();
        assertEquals(List.of("pong", "open", "message", "pong 2", "undelivered", "close", "a", "b"), ran);
    }
}

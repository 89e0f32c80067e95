package io.github.wspool.core.internal.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/** A channel's send lock is made by its first send, once, whoever races for it. */
class ChannelStateTest {

    @Test
    void theSendLockIsMadeOnFirstUseAndOnlyOnce() throws Exception {
        ChannelState idle = new ChannelState();
        assertFalse(idle.hasSendLock(), "a channel never sent on keeps no lock");

        ChannelState state = new ChannelState();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<ReentrantLock>> locks = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                locks.add(pool.submit(() -> {
                    go.await();
                    return state.sendLock();
                }));
            }
            go.countDown();
            ReentrantLock first = locks.get(0).get();
            for (Future<ReentrantLock> f : locks) {
                assertSame(first, f.get(), "every sender serialises on the same lock");
            }
            assertTrue(state.hasSendLock());
            assertSame(first, state.sendLock());
            assertEquals(0, first.getHoldCount());
        } finally {
            pool.shutdownNow();
        }
    }
}

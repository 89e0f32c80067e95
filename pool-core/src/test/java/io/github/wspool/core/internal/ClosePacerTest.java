package io.github.wspool.core.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.core.internal.concurrent.Shutdown;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code close()} keeps a bounded number of closes in flight, and never waits long for them. */
class ClosePacerTest {

    @Test
    void waitsOnceTheBoundIsReachedButOnlyBriefly() {
        Shutdown shutdown = new Shutdown();
        shutdown.begin();
        AtomicInteger finished = new AtomicInteger();
        ClosePacer pacer = new ClosePacer(shutdown, finished::get);
        long t0 = System.nanoTime();
        for (int i = 0; i < ClosePacer.IN_FLIGHT; i++) {
            pacer.beforeNext();
            pacer.started();
        }
        long belowBound = System.nanoTime() - t0;
        assertTrue(belowBound < ClosePacer.WAIT_NANOS, "no wait below the bound: " + belowBound + " ns");

        long t1 = System.nanoTime();
        pacer.beforeNext(); // none finished: waits, but not for ever
        long waited = System.nanoTime() - t1;
        assertTrue(waited >= ClosePacer.WAIT_NANOS * 3 / 4, "waited for closes to finish: " + waited + " ns");
        assertTrue(waited < TimeUnit.SECONDS.toNanos(2), "bounded: " + waited + " ns");
    }

    @Test
    void goesOnAsSoonAsAQuarterHaveFinished() throws Exception {
        Shutdown shutdown = new Shutdown();
        shutdown.begin();
        AtomicInteger finished = new AtomicInteger();
        ClosePacer pacer = new ClosePacer(shutdown, finished::get);
        for (int i = 0; i < ClosePacer.IN_FLIGHT; i++) {
            pacer.started();
        }
        Thread closer = new Thread(() -> {
            finished.addAndGet(ClosePacer.IN_FLIGHT / 4);
            shutdown.progress();
        });
        long t0 = System.nanoTime();
        closer.start();
        pacer.beforeNext();
        closer.join();
        long waited = System.nanoTime() - t0;
        assertTrue(waited < TimeUnit.SECONDS.toNanos(1), "woken by the finished closes: " + waited + " ns");
        assertTrue(finished.get() == ClosePacer.IN_FLIGHT / 4);
    }
}

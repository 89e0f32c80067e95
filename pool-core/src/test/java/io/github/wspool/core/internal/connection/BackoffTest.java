package io.github.wspool.core.internal.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void boundsGrowExponentiallyAndAreCapped() {
        Backoff b = new Backoff(250 * MS, 10_000 * MS, 2.0, bound -> bound); // jitter = the bound itself
        List<Long> delays = new ArrayList<>();
        long now = 0;
        for (int i = 0; i < 8; i++) {
            delays.add(b.onFailure(now) / MS);
        }
        assertEquals(List.of(250L, 500L, 1000L, 2000L, 4000L, 8000L, 10_000L, 10_000L), delays);
        assertEquals(8, b.failures());
    }

    @Test
    void fullJitterDrawsEveryDelayWithinZeroAndTheBound() {
        SplittableRandom random = new SplittableRandom(42);
        Backoff b = new Backoff(250 * MS, 10_000 * MS, 2.0, bound -> random.nextLong(bound + 1));
        long sumFirst = 0;
        for (int run = 0; run < 2_000; run++) {
            Backoff fresh = new Backoff(250 * MS, 10_000 * MS, 2.0, bound -> random.nextLong(bound + 1));
            long d = fresh.onFailure(0);
            assertTrue(d >= 0 && d <= 250 * MS, "first delay in [0, 250 ms]: " + d);
            sumFirst += d;
        }
        double meanMs = sumFirst / 2_000.0 / MS;
        assertTrue(meanMs > 110 && meanMs < 140, "uniform jitter has mean ~125 ms, was " + meanMs);
        for (int i = 0; i < 20; i++) {
            long bound = b.bound(b.failures());
            long d = b.onFailure(0);
            assertTrue(d >= 0 && d <= bound, "delay " + d + " within bound " + bound);
        }
    }

    @Test
    void attemptsWaitForTheDelayAndSuccessResets() {
        Backoff b = new Backoff(250 * MS, 10_000 * MS, 2.0, bound -> bound);
        assertTrue(b.allows(0));
        long now = 1_000 * MS;
        b.onFailure(now);
        assertFalse(b.allows(now + 249 * MS));
        assertTrue(b.allows(now + 250 * MS));
        b.onFailure(now + 250 * MS);
        assertFalse(b.allows(now + 749 * MS));
        assertTrue(b.allows(now + 750 * MS));
        b.onSuccess();
        assertTrue(b.allows(now + 750 * MS));
        assertEquals(0, b.failures());
        assertEquals(250 * MS, b.onFailure(now), "after a success the delay starts over");
    }
}

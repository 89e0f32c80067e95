package io.github.wspool.core.internal.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FastPathTest {

    @Test
    void theWordFollowsItsSourcesOnEveryRefresh() {
        AtomicBoolean suspended = new AtomicBoolean();
        AtomicBoolean closing = new AtomicBoolean();
        AtomicBoolean observed = new AtomicBoolean();
        AtomicBoolean overMax = new AtomicBoolean();
        FastPath fast = new FastPath(false, suspended::get, closing::get, observed::get, overMax::get);
        assertTrue(fast.open());

        suspended.set(true);
        assertTrue(fast.open(), "derived: only a refresh reads the sources");
        fast.refresh();
        assertEquals(FastPath.SUSPENDED, fast.blocked());
        observed.set(true);
        overMax.set(true);
        fast.refresh();
        assertEquals(FastPath.SUSPENDED | FastPath.OBSERVED | FastPath.OVER_MAX, fast.blocked());
        suspended.set(false);
        observed.set(false);
        overMax.set(false);
        closing.set(true);
        fast.refresh();
        assertEquals(FastPath.CLOSING, fast.blocked());
        closing.set(false);
        fast.refresh();
        assertTrue(fast.open());

        AtomicBoolean debug = new AtomicBoolean(true);
        fast.observedWhen(debug::get);
        assertEquals(FastPath.OBSERVED, fast.blocked(), "a new observer source is read at once");
    }

    @Test
    void offStaysOff() {
        FastPath fast = new FastPath(true, () -> false, () -> false, () -> false, () -> false);
        assertFalse(fast.open());
        fast.refresh();
        assertEquals(FastPath.OFF, fast.blocked());
    }

    @Test
    void aSourceThatMovesDuringARefreshIsReadAgain() {
        AtomicInteger reads = new AtomicInteger();
        // suspended flips on its second read: as if suspend() ran between this refresh's write and its re-check
        FastPath fast = new FastPath(false, () -> reads.incrementAndGet() >= 4, () -> false, () -> false, () -> false);
        fast.refresh();
        assertEquals(FastPath.SUSPENDED, fast.blocked(), "the last write reflects the latest sources");
    }
}

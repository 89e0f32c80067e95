package io.github.wspool.core.internal;

import io.github.wspool.core.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker that moves only when the test advances it. */
public final class FakeTicker implements Ticker {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long read() {
        return nanos.get();
    }

    /** Moves time forward; returns the new reading. */
    public long advance(Duration d) {
        return nanos.addAndGet(d.toNanos());
    }
}

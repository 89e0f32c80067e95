package io.github.wspool.core.internal;

import io.github.wspool.core.internal.concurrent.Shutdown;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Paces the closes {@code close()} starts: at most {@link #IN_FLIGHT} closing handshakes under way at once; past
 * that, it waits (briefly) for a quarter of them to finish before starting more.
 *
 * <p>Not for speed: for the garbage collector. Starting every connection's close at once (19,000 in a few hundred
 * milliseconds) puts that many closes in flight together: a close task in its selector's queue, a close frame, a
 * close timer each, all young and all live, and the tasks in one long linked chain that one GC thread has to copy
 * alone. A young pause during that close copied megabytes and waited for the chain. With a bounded number in flight
 * the same closes take about as long (the selector threads work through them as fast as before) while each pause
 * finds at most a couple of thousand in flight.
 *
 * <p>The wait is bounded ({@link #WAIT_NANOS} per batch): a server that does not answer close frames slows
 * {@code close()} by that much per batch at most, its connections' own {@code closeTimeout} running meanwhile.
 */
final class ClosePacer {

    /**
     * Closes that may be under way at once: enough to keep the selector threads busy while closes wait for their
     * servers' answers (at 50 ms a close, 40,000 closes a second), few enough for a young pause to copy quickly.
     */
    static final int IN_FLIGHT = 2048;
    /** How long to wait for in-flight closes to fall to three quarters of the bound before starting more anyway. */
    static final long WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Shutdown shutdown;
    private final IntSupplier finished;
    private final int finishedBefore;
    private int started;

    /**
     * @param shutdown the pool's closing flag, whose {@code await} is woken as connections finish
     * @param finished counts connections finished so far (any monotonic count: the pool's open slots, negated)
     */
    ClosePacer(Shutdown shutdown, IntSupplier finished) {
        this.shutdown = shutdown;
        this.finished = finished;
        this.finishedBefore = finished.getAsInt();
    }

    private int inFlight() {
        return started - (finished.getAsInt() - finishedBefore);
    }

    /** Waits, boundedly, until another close may start. Closing thread only. */
    void beforeNext() {
        if (inFlight() >= IN_FLIGHT) {
            shutdown.await(() -> inFlight() <= IN_FLIGHT * 3 / 4, WAIT_NANOS);
        }
    }

    /** A close was started. Closing thread only. */
    void started() {
        started++;
    }
}

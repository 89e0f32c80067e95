package io.github.wspool.core.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The commands of one pipelined round: queued, flushed once, awaited together within one deadline.
 */
final class Batch {

    private final List<Future<?>> futures = new ArrayList<>();

    /**
     * Keeps a queued command's future.
     *
     * @param f   the future
     * @param <F> its type
     * @return {@code f}
     */
    <F extends Future<?>> F add(F f) {
        futures.add(f);
        return f;
    }

    /**
     * How many commands were queued.
     *
     * @return the count
     */
    int size() {
        return futures.size();
    }

    /**
     * Waits for every command (after the flush).
     *
     * @param timeout the whole round's deadline
     * @throws Exception the first command's failure, or a timeout
     */
    void await(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<?> f : futures) {
            long left = deadline - System.nanoTime();
            try {
                f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            } catch (TimeoutException e) {
                throw new TimeoutException("Redis did not answer " + futures.size() + " commands within " + timeout);
            }
        }
    }
}

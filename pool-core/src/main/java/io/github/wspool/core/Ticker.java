package io.github.wspool.core;

/**
 * A source of nanosecond time for the pool's expiry, idle, backoff and timing logic.
 *
 * <p>The default reads {@link System#nanoTime()}. Tests (the pool's and yours) pass a fake ticker to
 * {@link WebSocketPoolBuilder#ticker(Ticker)} and advance it, so that expiry is tested without sleeping.
 * Only differences between two readings are meaningful.
 */
@FunctionalInterface
public interface Ticker {

    /**
     * The current time in nanoseconds, from an arbitrary origin.
     *
     * @return nanoseconds
     */
    long read();

    /**
     * The ticker backed by {@link System#nanoTime()}.
     *
     * @return the system ticker
     */
    static Ticker system() {
        return System::nanoTime;
    }
}

package io.github.wspool.core.internal.connection;

/**
 * The HTTP health check's bookkeeping for one endpoint: whether a check is running, when the next one is due, and
 * how many passed or failed in a row. Kept apart from {@link EndpointState}'s health inputs because none of it
 * decides anything by itself: the health monitor's {@code EndpointChecks} reads the streaks and, past its thresholds,
 * moves the one input that counts ({@link EndpointState#checkFailing(boolean)}).
 *
 * <p>Threads: the housekeeper schedules checks ({@link #inFlight(boolean)}, {@link #nextAt(long)}, volatile); the
 * health-check thread alone counts verdicts ({@link #passed()}, {@link #failed()}), so the streaks need no guard.
 */
public final class HttpCheckRecord {

    private volatile boolean inFlight;
    private volatile long nextAt;
    private int passes; // health-check thread only
    private int failures; // health-check thread only

    HttpCheckRecord() {
    }

    /**
     * Whether an HTTP health check of this endpoint is running.
     *
     * @return {@code true} while one runs
     */
    public boolean inFlight() {
        return inFlight;
    }

    /**
     * Marks an HTTP health check started or finished.
     *
     * @param running whether one runs
     */
    public void inFlight(boolean running) {
        inFlight = running;
    }

    /**
     * When the next HTTP health check is due.
     *
     * @return the ticker's time
     */
    public long nextAt() {
        return nextAt;
    }

    /**
     * Schedules the next HTTP health check.
     *
     * @param at the ticker's time
     */
    public void nextAt(long at) {
        nextAt = at;
    }

    /**
     * A check passed (health-check thread only).
     *
     * @return checks passed in a row
     */
    public int passed() {
        failures = 0;
        return ++passes;
    }

    /**
     * A check failed (health-check thread only).
     *
     * @return checks failed in a row
     */
    public int failed() {
        passes = 0;
        return ++failures;
    }
}

package io.github.wspool.core.internal.lease;

import java.util.function.BooleanSupplier;

/**
 * One word per pool that tells acquire and release whether the fast path may be taken: zero when nothing pool-wide
 * needs looking at, else one bit per reason. The fast path reads it once per acquire and once per release, instead
 * of asking the suspension, the shutdown, the listeners, the DEBUG log, the sizing and the configuration one by one
 * (each a load or a chain of loads, and a branch).
 *
 * <p>Every source's own state stays the truth; this word is derived from them by {@link #refresh()}, which whoever
 * changes a source calls afterwards (suspend, resume, shutdown begun, listener added or removed, a resize, a slot
 * freed, and every housekeeping pass, which also catches a log level changed at runtime). A refresh writes the word,
 * then reads the sources again and repeats if they moved meanwhile, so that of two racing refreshes the last write
 * always reflects the latest sources. A source that changes just after an acquire or a release read the word is no
 * different from a change just after that acquire or release: the sources themselves were read as racily before.
 *
 * <p>Anything that blocks the fast path sends acquire and release down the general path, which asks every source
 * itself, as it always did: a stale non-zero word only costs speed.
 */
final class FastPath {

    /** Not thread-affine (no pooling, or shared connections) or leak detection on: never fast. Fixed. */
    static final int OFF = 1;
    /** Acquisition suspended by the operator. */
    static final int SUSPENDED = 1 << 1;
    /** The pool is closing. */
    static final int CLOSING = 1 << 2;
    /** Someone looks at lease times or transitions: a listener, or the pool's DEBUG log. */
    static final int OBSERVED = 1 << 3;
    /** The pool holds more connections than a lowered {@code maxConnections}: releases may have to shed theirs. */
    static final int OVER_MAX = 1 << 4;

    private final int fixed;
    private final BooleanSupplier suspended;
    private final BooleanSupplier closing;
    private final BooleanSupplier overMax;
    /** Whether transitions or times are observed; set once the pool is wired ({@link #observedWhen}). */
    private volatile BooleanSupplier observed;
    /** Zero while the fast path may be taken; read once per acquire and once per release. */
    private volatile int blocked;

    /**
     * @param off       whether the fast path is never taken (configuration)
     * @param suspended whether acquisition is suspended
     * @param closing   whether the pool is closing
     * @param observed  whether transitions or lease times are observed
     * @param overMax   whether the pool is above its maximum
     */
    FastPath(boolean off, BooleanSupplier suspended, BooleanSupplier closing, BooleanSupplier observed,
             BooleanSupplier overMax) {
        this.fixed = off ? OFF : 0;
        this.suspended = suspended;
        this.closing = closing;
        this.observed = observed;
        this.overMax = overMax;
        refresh();
    }

    /** Whether the fast path may be taken now: one volatile read. */
    boolean open() {
        return blocked == 0;
    }

    /** The reasons the fast path is blocked now (bits of this class), for tests and diagnostics. */
    int blocked() {
        return blocked;
    }

    /** Replaces what says whether transitions are observed (the pool's listeners or its DEBUG log), and refreshes. */
    void observedWhen(BooleanSupplier observed) {
        this.observed = observed;
        refresh();
    }

    /** Recomputes the word from its sources; call after changing one (see the class comment). */
    void refresh() {
        int now = compute();
        while (true) {
            blocked = now;
            int again = compute();
            if (again == now) {
                return;
            }
            now = again;
        }
    }

    private int compute() {
        int bits = fixed;
        if (suspended.getAsBoolean()) {
            bits |= SUSPENDED;
        }
        if (closing.getAsBoolean()) {
            bits |= CLOSING;
        }
        if (observed.getAsBoolean()) {
            bits |= OBSERVED;
        }
        if (overMax.getAsBoolean()) {
            bits |= OVER_MAX;
        }
        return bits;
    }
}

package io.github.wspool.core.internal.connection;

import io.github.wspool.event.RecycleReason;

/**
 * What the housekeeper keeps about one connection: when it opened, when it was last seen in use, when its lifetime
 * ends, and whether the pool wants it back ({@linkplain #expired() expired}, with the reason its release reports).
 * Apart from {@link ManagedConnection} because none of it is the connection's state word or its transport: it is the
 * bookkeeping that idle eviction, lifetime and soft eviction read and write, as {@link ConnectionHealth} is the health
 * monitor's. Reached through the connection's final field ({@link ManagedConnection#times()}).
 *
 * <h2>Time</h2>
 * The acquire/release fast path reads no clock and writes nothing here: every take already counts a holding in the
 * connection's state word, so the housekeeper, which reads the clock once per sweep anyway, compares that count with
 * the one it saw last ({@link #takeUsed()}) and turns a use into {@link #lastUsedAt()} = the sweep's time, and marks a connection {@link #expired() expired} once its lifetime has passed, so that the release of a
 * leased one recycles it without looking at the time. Both are therefore as precise as the sweeps: idle time counts
 * from the first sweep after the last use (never early, at most one sweep interval late), and a leased connection
 * past its lifetime is recycled on the first release after a sweep saw it expired. Timestamps are written by the
 * owner or the housekeeper and read racily (volatile) by the other: a stale read delays an expiry by one sweep.
 */
public final class ConnectionTimes {

    /** {@link #openedAt()} of a connection that has not opened yet. */
    public static final long NOT_OPENED = Long.MIN_VALUE;

    /**
     * The connection's {@linkplain ManagedConnection#useMark() use mark} when the housekeeper last looked (its own
     * field: nothing on the acquire/release path writes here).
     */
    private volatile long seenUse;
    /** When the lifetime ends ({@code maxLifetime} minus jitter after the open); set by the housekeeper. */
    private volatile long expiresAt = Long.MAX_VALUE;
    /**
     * Set by the housekeeper once {@link #expiresAt} has passed (the release path reads this flag, not the clock);
     * never cleared.
     */
    private volatile boolean expired;
    /** Why it was marked expired; written before {@link #expired}. */
    private volatile RecycleReason expiredReason = RecycleReason.LIFETIME;
    /** When the connection was last seen in use: opened, or the housekeeper's sweep that found it used. */
    private volatile long lastUsedAt;
    /** When it opened (the ticker's time), for a lifetime changed at runtime; {@link #NOT_OPENED} until then. */
    private volatile long openedAt = NOT_OPENED;

    /** Whose times these are: an expiry also sets its "recycle on release" bit. */
    private final ManagedConnection connection;

    /**
     * @param now        the ticker's time, the connection's first "last used"
     * @param connection whose times these are
     */
    ConnectionTimes(long now, ManagedConnection connection) {
        this.lastUsedAt = now;
        this.connection = connection;
    }

    /**
     * When the connection was last seen in use (the ticker's time).
     *
     * @return the time
     */
    public long lastUsedAt() {
        return lastUsedAt;
    }

    /**
     * Records when the connection was last seen in use (housekeeper and opener only).
     *
     * @param now the ticker's time
     */
    public void lastUsedAt(long now) {
        lastUsedAt = now;
    }

    /**
     * When the connection opened.
     *
     * @return the ticker's time, or {@link #NOT_OPENED}
     */
    public long openedAt() {
        return openedAt;
    }

    /**
     * Records when it opened (the housekeeper, as its lifetime starts).
     *
     * @param at the ticker's time
     */
    public void openedAt(long at) {
        openedAt = at;
    }

    /**
     * When the connection's lifetime ends.
     *
     * @return the ticker's time, {@code Long.MAX_VALUE} without a lifetime
     */
    public long expiresAt() {
        return expiresAt;
    }

    /**
     * Sets when the connection's lifetime ends (on open).
     *
     * @param at the ticker's time
     */
    public void expiresAt(long at) {
        expiresAt = at;
    }

    /**
     * Whether the housekeeper saw the lifetime pass (its release recycles it).
     *
     * @return {@code true} once expired
     */
    public boolean expired() {
        return expired;
    }

    /**
     * The lifetime passed, or the pool wants the connection back for another reason (a draining server); never
     * undone.
     *
     * @return whether this call marked it (it was not expired before)
     */
    public boolean markExpired() {
        return markExpired(RecycleReason.LIFETIME);
    }

    /**
     * The pool wants the connection back: its lifetime passed ({@code LIFETIME}), its server is draining
     * ({@code SERVER_DRAIN}), an operator soft-evicted the pool ({@code SOFT_EVICTED}); never undone. The first
     * reason is the one its release reports.
     *
     * @param reason why
     * @return whether this call marked it (it was not expired before)
     */
    public boolean markExpired(RecycleReason reason) {
        if (expired) {
            return false;
        }
        expiredReason = reason; // before the flag: whoever reads the flag set reads the reason
        expired = true;
        connection.flagRecycle(); // after both: the release that fails its fast CAS on the bit reads them
        return true;
    }

    /**
     * Why the connection was marked {@link #expired() expired}.
     *
     * @return the reason ({@code LIFETIME} if it was not marked)
     */
    public RecycleReason expiredReason() {
        return expiredReason;
    }

    /**
     * The housekeeper's look at the use since its last look: whether the connection was taken (a new holding) or was
     * held at the last look (so released since, or still held). Once per sweep; the release path does nothing for
     * it (it used to raise a flag here on every release: one more cache line and load on the fast path).
     *
     * @return whether the connection was in use at some point since the last call
     */
    public boolean takeUsed() {
        long now = connection.useMark();
        long seen = seenUse;
        seenUse = now;
        return ManagedConnection.usedSince(seen, now);
    }
}

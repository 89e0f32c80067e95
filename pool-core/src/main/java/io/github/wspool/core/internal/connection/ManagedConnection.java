package io.github.wspool.core.internal.connection;

import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.core.internal.concurrent.VarHandles;
import io.github.wspool.core.internal.messaging.Channel;
import io.github.wspool.core.internal.messaging.ChannelState;
import io.github.wspool.core.internal.messaging.Traffic;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.event.RecycleReason;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One pooled connection: its lifecycle state, its transport handle, and the state its components keep about it
 * ({@link ConnectionHealth} for the health monitor, {@link ConnectionTimes} for the housekeeper, {@link ChannelState}
 * for messaging).
 *
 * <h2>State changes</h2>
 * The state changes only by compare-and-set, through the named moves below, each checked against
 * {@link ConnectionLifecycle} (per call, or once at class initialisation for the lease cycle's own moves). Whoever
 * wins the CAS to {@link ConnectionState#ACTIVE} owns the connection until it moves it on; that is the whole of the
 * exclusivity guarantee, so there is no lock here.
 *
 * <h2>Holdings and tokens</h2>
 * The state word also counts takes: every READY/IDLE → ACTIVE (and every hand-over from one holder to the next)
 * starts a new <i>holding</i>, and its number is the {@linkplain #token() token} of the lease made for it. The
 * release's first move on the connection (to READY, to the next holder, to RECYCLING) is a CAS that expects that
 * token, so it succeeds once: a second {@code close()} of the same lease, even racing the first, finds the token gone
 * and changes nothing. That makes the release exactly-once without a CAS of its own on the lease. Tokens are 31 bits:
 * a lease would have to outlive 2^31 later holdings of its connection to be mistaken for a current one.
 *
 * <h2>Time</h2>
 * The acquire/release fast path reads no clock and records nothing for the housekeeper: it reads the use off the
 * holdings counted in the state word ({@link #useMark()}), and keeps the connection's timestamps and expiry mark in
 * its {@link ConnectionTimes} (see there).
 */
public final class ManagedConnection extends StateWordPadAfter implements Channel {

    private static final VarHandle LEASES = VarHandles.field(MethodHandles.lookup(), ManagedConnection.class, "leases",
            int.class);
    private static final ConnectionState[] STATES = ConnectionState.values();
    private static final int READY = ConnectionState.READY.ordinal();
    private static final int IDLE = ConnectionState.IDLE.ordinal();
    private static final int ACTIVE = ConnectionState.ACTIVE.ordinal();
    /** The state word: bits 0-3 the state's ordinal, bit 4 {@link #RECYCLE}, bits 8-63 the holding count. */
    private static final long STATE_MASK = 0x0F;
    /**
     * "Recycle on release" (invalidated, transport finished, expired): set once, never cleared, kept by every move.
     * The fast path's take and release expect it clear, so the release's one CAS also answers "anything to look
     * at?", and only a failed CAS reads the reasons ({@link #flagRecycle()}).
     */
    private static final long RECYCLE = 0x10;
    private static final long ONE_HOLDING = 1L << 8;
    private static final int TOKEN_MASK = 0x7FFF_FFFF;

    static {
        // The fast path's moves (lease, release) skip the per-call lookup in the table: checked against it once here.
        if (!ConnectionLifecycle.isLegal(ConnectionState.READY, ConnectionState.ACTIVE)
                || !ConnectionLifecycle.isLegal(ConnectionState.IDLE, ConnectionState.ACTIVE)
                || !ConnectionLifecycle.isLegal(ConnectionState.ACTIVE, ConnectionState.READY)) {
            throw new ExceptionInInitializerError("the lifecycle table forbids a move of the acquire/release path");
        }
    }

    /** A short id, unique within the pool (for example {@code feed-7}). */
    public final String id;
    /** The endpoint this connection belongs to. */
    public final EndpointState endpoint;
    private final ConnectionOwner owner;
    private final ConnectionHealth health = new ConnectionHealth();
    private final ChannelState messaging = new ChannelState();
    private final ConnectionTimes times;

    // The state word, `word` (WORD), is inherited: see PaddedStateWord for its layout.
    /** Leases held right now, counted only when connections are shared ({@code maxLeasesPerConnection > 1}). */
    private volatile int leases;

    /** The handle returned by {@code Transport.connect}, for aborting a connect in progress. */
    private volatile TransportConnection handle;
    /** The open connection, set when the handshake completes. */
    private volatile TransportConnection transport;
    /** Set once the transport reported {@code onClosed}: nothing more will come from it. */
    private volatile boolean transportFinished;

    /**
     * Set when the connection died before it had proved itself (the minimum lifetime): counted as a failed connect of
     * its endpoint, so not also as a failed connection.
     */
    private volatile boolean diedYoung;
    /** Why the pool recycles it, once it does ({@code null} before): tells a young connection's close apart. */
    private volatile Closing recycledFor;

    /** Set by {@code invalidate()} on a lease: recycle on release. */
    private volatile boolean invalidated;
    /** Why the connection went UNHEALTHY, reported when it is recycled. */
    private volatile RecycleReason brokenReason = RecycleReason.UNHEALTHY;

    /**
     * A connection about to connect (INITIALIZING).
     *
     * @param id       unique within the pool
     * @param endpoint where it connects
     * @param owner    told of its transitions and its leases' releases
     * @param now      the ticker's time, its first "last used"
     */
    public ManagedConnection(String id, EndpointState endpoint, ConnectionOwner owner, long now) {
        this.id = id;
        this.endpoint = endpoint;
        this.owner = owner;
        this.times = new ConnectionTimes(now, this);
    }

    ConnectionOwner owner() {
        return owner;
    }

    /**
     * What the health monitor keeps about this connection.
     *
     * @return the health record
     */
    public ConnectionHealth health() {
        return health;
    }

    /**
     * What the housekeeper keeps about this connection: its use, open time, lifetime and expiry mark.
     *
     * @return the times
     */
    public ConnectionTimes times() {
        return times;
    }

    // ------------------------------------------------------------------------------------------------ Channel

    @Override
    public String id() {
        return id;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public TransportConnection transport() {
        return transport;
    }

    @Override
    public boolean finished() {
        return transportFinished;
    }

    @Override
    public ChannelState messaging() {
        return messaging;
    }

    @Override
    public Traffic traffic() {
        return endpoint.traffic();
    }

    /** Open and not on its way out: worth waiting for. */
    @Override
    public boolean isLive() {
        ConnectionState s = state();
        return !transportFinished && s != ConnectionState.RECYCLING && s != ConnectionState.CLOSED
                && s != ConnectionState.FAILED;
    }

    // ------------------------------------------------------------------------------------------------ transport

    /**
     * The connect is under way: its handle, for aborting it.
     *
     * @param h the handle {@code Transport.connect} returned
     */
    public void connecting(TransportConnection h) {
        handle = h;
    }

    /**
     * The handshake completed.
     *
     * @param open the open connection
     */
    public void opened(TransportConnection open) {
        transport = open;
    }

    /** The transport reported the connection finished. */
    public void transportFinished() {
        transportFinished = true;
        flagRecycle(); // after the flag: a release that fails its fast CAS on the bit reads the reason
    }

    /** The connection died before it had proved itself; its endpoint counted it as a failed connect. */
    public void markDiedYoung() {
        diedYoung = true;
    }

    /**
     * Whether the connection died before it had proved itself (then it counted as a failed connect of its endpoint).
     *
     * @return {@code true} if so
     */
    public boolean diedYoung() {
        return diedYoung;
    }

    /**
     * Records why the pool recycles the connection (the recycler, before it closes the transport).
     *
     * @param reason why
     * @return its close, which keeps the close timeout's timer
     */
    public Closing recycledFor(RecycleReason reason) {
        Closing closing = new Closing(reason);
        recycledFor = closing;
        return closing;
    }

    /**
     * Why the pool recycles the connection.
     *
     * @return the reason, or {@code null} if it has not (yet) been recycled
     */
    public RecycleReason recycledFor() {
        Closing closing = recycledFor;
        return closing == null ? null : closing.reason();
    }

    /**
     * The open connection, or the connect in progress: what a close or an abort goes to.
     *
     * @return the transport, or {@code null} before {@code Transport.connect} returned
     */
    public TransportConnection transportOrHandle() {
        TransportConnection t = transport;
        return t != null ? t : handle;
    }

    /** Closes the socket of a connect still in progress (connect timeout, drain, shutdown); no-op once open. */
    public void abortConnect() {
        TransportConnection h = handle;
        if (h != null && state() == ConnectionState.INITIALIZING) {
            h.abort();
        }
    }

    /**
     * Whether the WebSocket is open right now.
     *
     * @return {@code true} if open
     */
    public boolean isOpen() {
        TransportConnection t = transport;
        return t != null && !transportFinished && t.isOpen();
    }

    // ------------------------------------------------------------------------------------------------ state

    /**
     * The current state.
     *
     * @return the state
     */
    public ConnectionState state() {
        return STATES[(int) (word & STATE_MASK)];
    }

    private static int stateOf(long w) {
        return (int) (w & STATE_MASK);
    }

    private static int tokenOf(long w) {
        return (int) (w >>> 8) & TOKEN_MASK;
    }

    private static long with(long w, int state) {
        return (w & ~STATE_MASK) | state;
    }

    /**
     * The token of the current holding, for the lease the caller makes for it: read by the thread that just took
     * the connection (or handed it on), which owns it, so nothing else moves it meanwhile.
     *
     * @return the token
     */
    public int token() {
        return tokenOf(word);
    }

    /**
     * Whether the connection is ACTIVE under the holding {@code token}.
     *
     * @param token a holding's token
     * @return {@code true} if that holding lasts
     */
    public boolean isActive(int token) {
        long w = word;
        return stateOf(w) == ACTIVE && tokenOf(w) == token;
    }

    /** Moves {@code from → to} if the connection is in {@code from} and the lifecycle allows it (tests use it too). */
    boolean transition(ConnectionState from, ConnectionState to) {
        if (!ConnectionLifecycle.isLegal(from, to)) {
            owner.onIllegalTransition(this, from, to);
            return false;
        }
        while (true) {
            long w = word;
            if (stateOf(w) != from.ordinal()) {
                return false;
            }
            if (WORD.compareAndSet(this, w, with(w, to.ordinal()))) {
                owner.onTransition(this, from, to);
                return true;
            }
            // the word moved: the state (then the check above fails) or only the holding (the state is still
            // from, e.g. ACTIVE handed to the next holder), and the move still applies
        }
    }

    /** {@link #transition} only while the holding {@code token} lasts. */
    private boolean transition(int token, ConnectionState from, ConnectionState to) {
        if (!ConnectionLifecycle.isLegal(from, to)) {
            owner.onIllegalTransition(this, from, to);
            return false;
        }
        while (true) {
            long w = word;
            if (stateOf(w) != from.ordinal() || tokenOf(w) != token) {
                return false;
            }
            if (WORD.compareAndSet(this, w, with(w, to.ordinal()))) {
                owner.onTransition(this, from, to);
                return true;
            }
        }
    }

    /**
     * The handshake completed: INITIALIZING → READY.
     *
     * @return whether this call made the move
     */
    public boolean markReady() {
        return transition(ConnectionState.INITIALIZING, ConnectionState.READY);
    }

    /**
     * The connect failed: INITIALIZING → FAILED → RECYCLING (the caller then closes what is left).
     *
     * @return whether this call made both moves
     */
    public boolean failConnect() {
        return transition(ConnectionState.INITIALIZING, ConnectionState.FAILED)
                && transition(ConnectionState.FAILED, ConnectionState.RECYCLING);
    }

    /**
     * The take: READY or IDLE → ACTIVE, starting a new holding (acquiring an IDLE connection is activity). Int
     * comparisons on the state word; the table allows both moves (checked at class initialisation).
     *
     * @return whether this call took the connection
     */
    public boolean lease() {
        return leaseToken() >= 0;
    }

    /**
     * {@link #lease()}, returning the new holding's {@linkplain #token() token}: what the fast path makes its lease
     * with, without reading the state word again after the CAS.
     *
     * @return the token, or -1 if this call did not take the connection
     */
    public int leaseToken() {
        long w = word;
        int s = stateOf(w);
        if (s != READY && s != IDLE) {
            return -1;
        }
        boolean observed = owner.observesTransitions(); // before the CAS (see ConnectionOwner.observesTransitions)
        long next = with(w + ONE_HOLDING, ACTIVE);
        if (!WORD.compareAndSet(this, w, next)) {
            return -1;
        }
        if (observed) {
            owner.onTransition(this, STATES[s], ConnectionState.ACTIVE);
        }
        return tokenOf(next);
    }

    /**
     * The end of the holding {@code token}: ACTIVE → READY.
     *
     * @param token the holding's token
     * @return whether this call made the move: not if the connection was found broken meanwhile (UNHEALTHY), nor if
     *         the holding is over (a second release of the same lease)
     */
    public boolean release(int token) {
        boolean observed = owner.observesTransitions(); // before the CAS (see ConnectionOwner.observesTransitions)
        while (true) {
            long w = word;
            if (stateOf(w) != ACTIVE || tokenOf(w) != token) {
                return false;
            }
            if (WORD.compareAndSet(this, w, with(w, READY))) {
                if (observed) {
                    owner.onTransition(this, ConnectionState.ACTIVE, ConnectionState.READY);
                }
                return true;
            }
        }
    }

    /**
     * Hands an ACTIVE connection from the holding {@code token} to a new one (it stays ACTIVE: no state change, no
     * event).
     *
     * @param token the current holding's token
     * @return the new holding's token, or -1 if the connection is not ACTIVE under {@code token}
     */
    public int handOn(int token) {
        while (true) {
            long w = word;
            if (stateOf(w) != ACTIVE || tokenOf(w) != token) {
                return -1;
            }
            long next = w + ONE_HOLDING;
            if (WORD.compareAndSet(this, w, next)) {
                return tokenOf(next);
            }
        }
    }

    /**
     * The fast path's take: READY or IDLE → ACTIVE, only if the connection is not flagged for recycling, and without
     * reporting the move: the caller read, before this call, that nobody observes transitions (the broker's fast-path
     * word). One read of the word, one CAS, no retry (a lost race sends the caller to the general path).
     *
     * @return the new holding's token, or -1 if this call did not take the connection
     */
    public int takeUnobserved() {
        long w = word;
        int s = stateOf(w);
        if ((s != READY && s != IDLE) || (w & RECYCLE) != 0) {
            return -1;
        }
        long next = with(w + ONE_HOLDING, ACTIVE);
        return WORD.compareAndSet(this, w, next) ? tokenOf(next) : -1;
    }

    /**
     * The fast path's release: ACTIVE → READY at the end of the holding {@code token}, only if the connection is not
     * flagged for recycling, without reporting the move (as {@link #takeUnobserved()}). {@code false} if anything
     * needs looking at (flagged, broken, a second release, a racing flag): the caller then decides as a release
     * always did, and nothing has moved.
     *
     * @param token the holding's token
     * @return whether this call made the connection READY
     */
    public boolean releaseUnobserved(int token) {
        long w = word;
        return (w & (STATE_MASK | RECYCLE)) == ACTIVE && tokenOf(w) == token
                && WORD.compareAndSet(this, w, with(w, READY));
    }

    /**
     * The connection's use as the housekeeper tracks it, from one read of the state word: the holdings so far (every
     * take and hand-over starts one) and whether one is current, {@code holdings << 1 | held}. Compared by
     * {@link #usedSince}: the release path records nothing for the housekeeper.
     *
     * @return the mark
     */
    long useMark() {
        long w = word;
        return ((w >>> 8) << 1) | (stateOf(w) == ACTIVE ? 1 : 0);
    }

    /**
     * Whether a connection was in use between two {@link #useMark() marks}: taken meanwhile, or held at the first.
     *
     * @param before the earlier mark
     * @param after  the later mark
     * @return {@code true} if used
     */
    static boolean usedSince(long before, long after) {
        return (before >>> 1) != (after >>> 1) || (before & 1) != 0;
    }

    /**
     * Sets the "recycle on release" bit (after the reason's own flag is written): the fast path's take skips the
     * connection and its release's CAS fails, so the general path looks at the reasons. A CAS loop, off the fast
     * path (invalidate, transport closed, expiry).
     */
    void flagRecycle() {
        WORD.getAndBitwiseOr(this, RECYCLE);
    }

    /**
     * Whether the connection is flagged for recycling on release.
     *
     * @return {@code true} once invalidated, finished or expired
     */
    public boolean flaggedForRecycle() {
        return (word & RECYCLE) != 0;
    }

    /**
     * Whether a transport is attached and says it is open: {@link #isOpen()} without the finished flag, which the
     * fast path's take covers with the recycle bit.
     *
     * @return {@code true} if open
     */
    public boolean transportOpen() {
        TransportConnection t = transport;
        return t != null && t.isOpen();
    }

    /**
     * Unused for {@code idleAfter}: READY → IDLE.
     *
     * @return whether this call made the move
     */
    public boolean markIdle() {
        return transition(ConnectionState.READY, ConnectionState.IDLE);
    }

    /**
     * Broken while leased: ACTIVE → UNHEALTHY; the holder's release recycles it with {@code reason}.
     *
     * @param reason what broke it
     * @return whether this call made the move
     */
    public boolean markUnhealthy(RecycleReason reason) {
        brokenReason = reason; // before the move: the releaser that sees UNHEALTHY reads it
        return transition(ConnectionState.ACTIVE, ConnectionState.UNHEALTHY);
    }

    /**
     * Why the connection went UNHEALTHY.
     *
     * @return the reason its recycle reports
     */
    public RecycleReason brokenReason() {
        return brokenReason;
    }

    /**
     * Recycles an available connection: READY or IDLE → RECYCLING.
     *
     * @return whether this call made the move
     */
    public boolean recycleIfAvailable() {
        ConnectionState s = state();
        return s.isAvailable() && transition(s, ConnectionState.RECYCLING);
    }

    /**
     * Recycles an idle connection: IDLE → RECYCLING (not READY: it was used since the caller looked).
     *
     * @return whether this call made the move
     */
    public boolean recycleIfIdle() {
        return transition(ConnectionState.IDLE, ConnectionState.RECYCLING);
    }

    /**
     * Recycles an open connection whoever holds it (forced drain, shutdown): READY, IDLE, ACTIVE or UNHEALTHY →
     * RECYCLING. A holder's later release finds its holding gone and does nothing.
     *
     * @return whether this call made the move
     */
    public boolean recycleIfOpen() {
        ConnectionState s = state();
        return (s.isAvailable() || s == ConnectionState.ACTIVE || s == ConnectionState.UNHEALTHY)
                && transition(s, ConnectionState.RECYCLING);
    }

    /**
     * Recycles a connection the caller just took and found dead: ACTIVE or UNHEALTHY → RECYCLING (a close callback
     * may have marked it UNHEALTHY meanwhile, expecting a holder to release it, and the caller is that holder).
     *
     * @return whether this call made the move
     */
    public boolean recycleTaken() {
        return transition(ConnectionState.ACTIVE, ConnectionState.RECYCLING)
                || transition(ConnectionState.UNHEALTHY, ConnectionState.RECYCLING);
    }

    /**
     * Recycles at the end of the holding {@code token}: ACTIVE → RECYCLING.
     *
     * @param token the holding's token
     * @return whether this call made the move
     */
    public boolean recycleHolding(int token) {
        return transition(token, ConnectionState.ACTIVE, ConnectionState.RECYCLING);
    }

    /**
     * Recycles a connection that broke during the holding {@code token}: UNHEALTHY → RECYCLING.
     *
     * @param token the holding's token
     * @return whether this call made the move
     */
    public boolean recycleBroken(int token) {
        return transition(token, ConnectionState.UNHEALTHY, ConnectionState.RECYCLING);
    }

    /**
     * The transport is done with a recycled connection: RECYCLING → CLOSED, and its close timeout is withdrawn.
     *
     * @return whether this call made the move
     */
    public boolean markClosed() {
        Closing.ended(recycledFor);
        return transition(ConnectionState.RECYCLING, ConnectionState.CLOSED);
    }

    // ------------------------------------------------------------------------------------------------ leases

    /**
     * Leases held, when connections are shared.
     *
     * @return the count
     */
    public int leases() {
        return leases;
    }

    /**
     * Sets the lease count of a connection the caller owns exclusively (none are held, so nobody can join).
     *
     * @param n the count
     */
    public void setLeases(int n) {
        leases = n;
    }

    /**
     * Joins a shared connection: one more lease if at least one and fewer than {@code max} are held.
     *
     * @param max {@code maxLeasesPerConnection}
     * @return whether it joined
     */
    public boolean tryJoin(int max) {
        while (true) {
            int n = leases;
            if (n < 1 || n >= max) {
                return false;
            }
            if (LEASES.compareAndSet(this, n, n + 1)) {
                return true;
            }
        }
    }

    /**
     * One lease fewer.
     *
     * @return how many remain
     */
    public int leaveShare() {
        return (int) LEASES.getAndAdd(this, -1) - 1;
    }

    /** Marks the connection not to be reused: its release recycles it. */
    public void invalidate() {
        invalidated = true;
        flagRecycle();
    }

    /**
     * Whether a holder invalidated it.
     *
     * @return {@code true} once invalidated
     */
    public boolean invalidated() {
        return invalidated;
    }

    @Override
    public String toString() {
        return id + "[" + state() + "]";
    }
}

package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.core.spi.TransportConnection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One pooled connection: its lifecycle state, its transport handle and its timestamps.
 *
 * <p>The state changes only by compare-and-set, each move checked against {@link ConnectionLifecycle} (per call in
 * {@link #transition}, once at class initialisation for the lease cycle's own moves). Whoever wins the CAS to
 * {@link ConnectionState#ACTIVE} owns the connection until it moves it on; that is the whole of the exclusivity
 * guarantee, so there is no lock here.
 *
 * <p>The state word also counts takes: every READY/IDLE → ACTIVE (and every hand-over from one holder to the next)
 * starts a new <i>holding</i>, and its number is the {@linkplain #token() token} of the lease made for it. The
 * release's first move on the connection (to READY, to the next holder, to RECYCLING) is a CAS that expects that
 * token, so it succeeds once: a second {@code close()} of the same lease, even racing the first, finds the token gone
 * and changes nothing. That makes the release exactly-once without a CAS of its own on the lease. Tokens are 31 bits:
 * a lease would have to outlive 2^31 later holdings of its connection to be mistaken for a current one.
 *
 * <p>Timestamps are written by
 * the owner or the housekeeper and read racily (volatile) by the other: a stale read only delays an expiry by one
 * maintenance round.
 *
 * <p>The acquire/release fast path reads no clock. A release only raises {@link #markUsed() the used flag}; the
 * housekeeper, which reads the clock once per sweep anyway, turns a raised flag into {@link #lastUsedAt} = the
 * sweep's time, and marks a connection {@link #expired} once its lifetime has passed, so that the release of a
 * leased one recycles it without looking at the time. Both are therefore as precise as the sweeps: idle time counts
 * from the first sweep after the last use (never early, at most one sweep interval late), and a leased connection
 * past its lifetime is recycled on the first release after a sweep saw it expired.
 */
final class ManagedConnection {

    private static final VarHandle WORD;
    private static final VarHandle LEASES;
    private static final VarHandle LISTENERS;
    private static final VarHandle PENDING_REQUESTS;
    private static final VarHandle MAILBOX;
    private static final VarHandle USED;
    private static final Lease[] NO_LEASES = new Lease[0];
    private static final ConnectionState[] STATES = ConnectionState.values();
    private static final int READY = ConnectionState.READY.ordinal();
    private static final int IDLE = ConnectionState.IDLE.ordinal();
    private static final int ACTIVE = ConnectionState.ACTIVE.ordinal();
    /** The state word: bits 0-7 the state's ordinal, bits 8-63 the holding count. */
    private static final long STATE_MASK = 0xFF;
    private static final long ONE_HOLDING = 1L << 8;
    private static final int TOKEN_MASK = 0x7FFF_FFFF;

    static {
        // The fast path's moves (take, makeReady) skip the per-call lookup in the table: checked against it once here.
        if (!ConnectionLifecycle.isLegal(ConnectionState.READY, ConnectionState.ACTIVE)
                || !ConnectionLifecycle.isLegal(ConnectionState.IDLE, ConnectionState.ACTIVE)
                || !ConnectionLifecycle.isLegal(ConnectionState.ACTIVE, ConnectionState.READY)) {
            throw new ExceptionInInitializerError("the lifecycle table forbids a move of the acquire/release path");
        }
    }

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WORD = lookup.findVarHandle(ManagedConnection.class, "word", long.class);
            LEASES = lookup.findVarHandle(ManagedConnection.class, "leases", int.class);
            LISTENERS = lookup.findVarHandle(ManagedConnection.class, "listeners", Lease[].class);
            PENDING_REQUESTS = lookup.findVarHandle(ManagedConnection.class, "pendingRequests",
                    ConcurrentHashMap.class);
            MAILBOX = lookup.findVarHandle(ManagedConnection.class, "mailbox", Mailbox.class);
            USED = lookup.findVarHandle(ManagedConnection.class, "used", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final String id;
    final EndpointState endpoint;
    private final ConnectionOwner owner;

    /**
     * The {@link ConnectionState} by ordinal (bits 0-7) and the number of holdings so far (bits 8-63). Numbers, not
     * the enum reference: a compare-and-set of a reference field pays the garbage collector's write barriers (G1:
     * card marking with a StoreLoad fence for an old connection pointing at the enum constants).
     */
    private volatile long word = ConnectionState.INITIALIZING.ordinal();

    /** The handle returned by {@code Transport.connect}, for aborting a connect in progress. */
    volatile TransportConnection handle;
    /** The open connection, set when the handshake completes. */
    volatile TransportConnection transport;
    /** Set once the transport reported {@code onClosed}: nothing more will come from it. */
    volatile boolean transportFinished;
    /** Set by the connect deadline before it aborts the handshake, so the failure says "timed out". */
    volatile boolean connectTimedOut;
    /** Whether this connect asked the header supplier for fresh credentials (a retry after 401/403). */
    volatile boolean refreshedHeaders;
    /** Set by {@code invalidate()} on a lease: recycle on release. */
    volatile boolean invalidated;
    /** Why the connection went UNHEALTHY, reported when it is recycled. */
    volatile RecycleReason brokenReason = RecycleReason.UNHEALTHY;

    volatile long expiresAt = Long.MAX_VALUE;
    /**
     * Set by the housekeeper once {@link #expiresAt} has passed (the release path reads this flag, not the clock);
     * never cleared.
     */
    volatile boolean expired;
    /** When the connection was last seen in use: opened, or the housekeeper's sweep that found {@link #used}. */
    volatile long lastUsedAt;
    /** Released since the housekeeper last looked: written with release semantics on the fast path, no fence. */
    @SuppressWarnings("unused") // accessed through USED
    private boolean used;
    volatile long nextPingAt = Long.MAX_VALUE;
    volatile long lastPingSentAt;
    /** A ping is out and its pong not back yet (housekeeper writes, transport thread clears). */
    volatile boolean awaitingPong;
    volatile long pongDeadline;
    /** Consecutive pings that got no pong in time; reset by any pong. */
    volatile int missedPongs;
    volatile int successfulPongs;
    /** The application probe in flight (its id), or {@code null}; its deadline; failures in a row; next due. */
    volatile String probeId;
    volatile long probeDeadline;
    volatile int probeFailures;
    volatile long nextProbeAt = Long.MAX_VALUE;
    /**
     * Records this connection's send and ping outcomes, once it has failed at least once ({@link ConnectionBreakers});
     * {@code null} until then. Open means unhealthy.
     */
    volatile io.github.resilience4j.circuitbreaker.CircuitBreaker breaker;
    /**
     * Successes recorded while {@link #breaker} is {@code null}; {@link ConnectionBreakers#NOT_OPEN} until the
     * connection opened, negative once the breaker is made.
     */
    volatile int successesWithoutBreaker = ConnectionBreakers.NOT_OPEN;

    /** Leases held right now, counted only when connections are shared ({@code maxLeasesPerConnection > 1}). */
    private volatile int leases;
    /** Leases holding this connection that attached a message handler; copy-on-write. */
    private volatile Lease[] listeners = NO_LEASES;
    /** Requests waiting for replies, by correlation id; created on the first request. */
    private volatile ConcurrentHashMap<String, PendingRequest> pendingRequests;
    /** Inbound messages on their way to handlers; created on the first message that has a handler. */
    private volatile Mailbox mailbox;
    /** Serialises sends, so the outgoing-buffer check and the enqueue are one step. */
    final ReentrantLock sendLock = new ReentrantLock();
    /** Over-estimate of the bytes queued in the transport (guarded by {@link #sendLock}). */
    long sendEstimate;

    ManagedConnection(String id, EndpointState endpoint, ConnectionOwner owner, long now) {
        this.id = id;
        this.endpoint = endpoint;
        this.owner = owner;
        this.lastUsedAt = now;
    }

    /** Records a use for the housekeeper: a plain store with release semantics (no fence), no clock read. */
    void markUsed() {
        USED.setRelease(this, true);
    }

    /** The housekeeper takes the used flag: whether the connection was released since the last call. */
    boolean takeUsed() {
        return (boolean) USED.getAcquire(this) && (boolean) USED.getAndSet(this, false);
    }

    ConnectionOwner owner() {
        return owner;
    }

    ConnectionState state() {
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
     */
    int token() {
        return tokenOf(word);
    }

    /**
     * Moves {@code from → to} if the connection is in {@code from} and the lifecycle allows it.
     *
     * @return {@code true} if this call made the change; {@code false} if the state was no longer {@code from}
     *         (another thread got there first) or the change is illegal (reported to the observer)
     */
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

    /**
     * {@link #transition} for the release of the holding {@code token}: only while that holding lasts.
     *
     * @return {@code false} if the connection is not in {@code from} under that holding (released already, or moved)
     */
    boolean transition(int token, ConnectionState from, ConnectionState to) {
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
     * The take: READY or IDLE → ACTIVE, as {@link #transition} would do it (the table allows both; checked once,
     * at class initialisation), in int comparisons on the state field.
     *
     * @return whether this call took the connection
     */
    boolean take() {
        long w = word;
        int s = stateOf(w);
        if ((s != READY && s != IDLE) || !WORD.compareAndSet(this, w, with(w + ONE_HOLDING, ACTIVE))) {
            return false;
        }
        owner.onTransition(this, STATES[s], ConnectionState.ACTIVE);
        return true;
    }

    /**
     * ACTIVE → READY at the end of the holding {@code token}, as {@link #transition(int, ConnectionState,
     * ConnectionState)} would do it.
     *
     * @return whether this call made the change: not if the connection was found broken meanwhile (UNHEALTHY), nor if
     *         the holding is over (a second release of the same lease)
     */
    boolean makeReady(int token) {
        while (true) {
            long w = word;
            if (stateOf(w) != ACTIVE || tokenOf(w) != token) {
                return false;
            }
            if (WORD.compareAndSet(this, w, with(w, READY))) {
                owner.onTransition(this, ConnectionState.ACTIVE, ConnectionState.READY);
                return true;
            }
        }
    }

    /**
     * Hands an ACTIVE connection from the holding {@code token} to a new one (it stays ACTIVE: no state change, no
     * event).
     *
     * @return the new holding's token, or -1 if the connection is not ACTIVE under {@code token}
     */
    int handOn(int token) {
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

    /** Whether the connection is ACTIVE under the holding {@code token}. */
    boolean isActive(int token) {
        long w = word;
        return stateOf(w) == ACTIVE && tokenOf(w) == token;
    }



    int leases() {
        return leases;
    }

    /** Sets the lease count of a connection the caller owns exclusively (none are held, so nobody can join). */
    void setLeases(int n) {
        leases = n;
    }

    /** Joins a shared connection: one more lease if at least one and fewer than {@code max} are held. */
    boolean tryJoin(int max) {
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

    /** One lease fewer; returns how many remain. */
    int leaveShare() {
        return (int) LEASES.getAndAdd(this, -1) - 1;
    }

    Lease[] listeners() {
        return listeners;
    }

    void addListener(Lease lease) {
        while (true) {
            Lease[] old = listeners;
            for (Lease l : old) {
                if (l == lease) {
                    return;
                }
            }
            Lease[] next = java.util.Arrays.copyOf(old, old.length + 1);
            next[old.length] = lease;
            if (LISTENERS.compareAndSet(this, old, next)) {
                return;
            }
        }
    }

    void removeListener(Lease lease) {
        while (true) {
            Lease[] old = listeners;
            int i = 0;
            while (i < old.length && old[i] != lease) {
                i++;
            }
            if (i == old.length) {
                return;
            }
            Lease[] next = old.length == 1 ? NO_LEASES : new Lease[old.length - 1];
            System.arraycopy(old, 0, next, 0, i);
            System.arraycopy(old, i + 1, next, i, old.length - i - 1);
            if (LISTENERS.compareAndSet(this, old, next)) {
                return;
            }
        }
    }

    @SuppressWarnings("unchecked")
    ConcurrentHashMap<String, PendingRequest> pendingRequests() {
        ConcurrentHashMap<String, PendingRequest> m = pendingRequests;
        if (m != null) {
            return m;
        }
        ConcurrentHashMap<String, PendingRequest> created = new ConcurrentHashMap<>();
        Object witness = PENDING_REQUESTS.compareAndExchange(this, null, created);
        return witness == null ? created : (ConcurrentHashMap<String, PendingRequest>) witness;
    }

    ConcurrentHashMap<String, PendingRequest> pendingRequestsIfAny() {
        return pendingRequests;
    }

    Mailbox mailbox(Mailbox.Sink sink, java.util.concurrent.Executor executor, long maxBytes) {
        Mailbox m = mailbox;
        if (m != null) {
            return m;
        }
        Mailbox created = new Mailbox(this, sink, executor, maxBytes);
        Object witness = MAILBOX.compareAndExchange(this, null, created);
        return witness == null ? created : (Mailbox) witness;
    }

    /** Open and not on its way out: worth waiting for. */
    boolean isLive() {
        ConnectionState s = state();
        return !transportFinished && s != ConnectionState.RECYCLING && s != ConnectionState.CLOSED
                && s != ConnectionState.FAILED;
    }

    /** Whether the WebSocket is open right now. */
    boolean isOpen() {
        TransportConnection t = transport;
        return t != null && !transportFinished && t.isOpen();
    }

    @Override
    public String toString() {
        return id + "[" + state() + "]";
    }
}

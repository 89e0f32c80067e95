package io.github.wspool.core.internal.connect;

import io.github.wspool.ConnectionInitializationException;
import io.github.wspool.ConnectionInitializer;
import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.MessageNotSentException;
import io.github.wspool.ProxyConnectException;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.concurrent.VarHandles;
import io.github.wspool.core.internal.connection.CloseCodes;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.spi.HttpHeaders;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import io.github.wspool.event.RecycleReason;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connect, from {@code Transport.connect} to its outcome, and then the transport's listener for the connection's
 * life: until the handshake settles it is the connector's (deadline, backoff, breaker, the 401/403 retry); after, it
 * passes every callback to the {@link ConnectionListener}.
 *
 * <h2>A connect succeeds when its connection proves itself</h2>
 * A completed handshake is not yet a successful connect. A server that completes every handshake and then breaks the
 * protocol or closes at once would otherwise reset the backoff and feed the endpoint's breaker a success each time,
 * and the pool would reconnect to it as fast as the round trips allow (60 to 150 times a second on loopback). So the
 * verdict waits: the connection proves itself by staying open for {@link Connector#MIN_CONNECTION_LIFETIME} (2 s), or
 * by being closed by the pool itself before then because it was done with it (released without pooling, idle, past
 * its lifetime, invalidated by its holder). Only then does the endpoint record a success: the backoff is reset, the
 * breaker told (a probe's success closes it and the endpoint is healthy again), the failing-connection count cleared.
 * A connection that the server closes, or that fails (a protocol violation, a reset, a failed write), before then
 * counts as a failed connect, exactly as a refused one: the backoff grows, the breaker records a failure (unless the
 * failure is this side's own), and it is not counted a second time as a failed connection. One the pool closes for
 * other reasons (its endpoint ejected or removed, the pool closing) gets no verdict; a breaker probe's permission is
 * given back so that another probe can go. Meanwhile the endpoint's failures in a row still count, so while it has
 * any only one connect at a time goes to it.
 *
 * <p>Why time alone, and 2 s: a message from the server does not prove the connection (a server may greet and then
 * drop it, and loop as fast); 2 s is far longer than a handshake-then-drop takes, and far shorter than any idle timeout
 * a server sensibly applies, so a healthy connection is never blamed; a server that drops each connection after more
 * than 2 s is reconnected to at most once per 2 s per connection, not in a tight loop.
 *
 * <h2>The connection initializer</h2>
 * With a {@link ConnectionInitializer} configured, a completed handshake does not settle the attempt: the connect
 * deadline is withdrawn and an {@link Initialization} runs the initializer (on the connector's initializer threads,
 * under its own deadline) while the connection stays INITIALIZING and inbound messages go to it instead of the
 * listener. The attempt settles when the run ends: {@link #initialized} as an opened connection (then READY), or
 * {@link #initializationFailed} as a failed connect, exactly as a refused handshake (backoff, breaker, events,
 * fail-fast); the connection is then closed with a close frame, and its close is only this attempt's to finish (the
 * listener never heard of it). A close during the run fails the connect through {@code onClosed}.
 */
final class ConnectAttempt implements TransportListener {

    private static final Logger log = LoggerFactory.getLogger(ConnectAttempt.class);
    private static final VarHandle SETTLED = VarHandles.field(MethodHandles.lookup(), ConnectAttempt.class, "settled",
            int.class);
    private static final VarHandle JUDGED = VarHandles.field(MethodHandles.lookup(), ConnectAttempt.class, "judged",
            int.class);
    /** How long a connection must stay open for its connect to count as a success (see the class comment). */
    static final long MIN_LIFETIME_NANOS = Connector.MIN_CONNECTION_LIFETIME.toNanos();

    private final Connector connector;
    private final ManagedConnection c;
    private final long startedAt;
    /** Completed with the open connection or the failure (fail-fast initialization only), else {@code null}. */
    private final CompletableFuture<ManagedConnection> opened;
    /** Whether this connect asked the header supplier for fresh credentials (a retry after 401/403). */
    private final boolean refreshedHeaders;
    /** 1 once the attempt settled (opened, failed or timed out); CAS through SETTLED, no AtomicBoolean per connection. */
    private volatile int settled;
    /** Set once the open connection's verdict is in: proved itself, or died too young (see the class comment). */
    private volatile int judged;
    /** When the handshake completed (the ticker's time); written before the attempt settles as opened. */
    private volatile long openedAt;
    /** The end of the minimum lifetime, while it is pending. */
    private volatile PoolScheduler.Cancellable probation;
    /** Set by the connect deadline before it aborts the handshake, so the failure says "timed out". */
    private volatile boolean timedOut;
    private volatile PoolScheduler.Cancellable deadline;
    /** Set when the opening handshake completed: the connect deadline no longer applies (the initializer's does). */
    private volatile boolean handshakeDone;
    /** The initializer's run while the connection is initialized, until it is READY (inbound goes there), else null. */
    private volatile Initialization initialization;
    /**
     * Why the initializer failed: set before the attempt settles, so that a close that loses the settling to it knows
     * the connect was reported already and the close is the failed connect's.
     */
    private volatile ConnectionInitializationException initFailure;

    ConnectAttempt(Connector connector, ManagedConnection c, long startedAt, CompletableFuture<ManagedConnection> opened,
                   boolean refreshedHeaders) {
        this.connector = connector;
        this.c = c;
        this.startedAt = startedAt;
        this.opened = opened;
        this.refreshedHeaders = refreshedHeaders;
    }

    /** Bounds the handshake: past {@code connectTimeoutNanos} the connect is aborted (unless it settled first). */
    void armDeadline(PoolScheduler scheduler, long connectTimeoutNanos) {
        if (c.state() != ConnectionState.INITIALIZING) {
            return;
        }
        PoolScheduler.Cancellable d = scheduler.schedule(this::deadlinePassed, connectTimeoutNanos);
        deadline = d;
        if (settled != 0 || handshakeDone) {
            d.cancel(); // settled (or the handshake completed) while the deadline was being armed
        }
    }

    private void deadlinePassed() {
        if (c.state() == ConnectionState.INITIALIZING && !handshakeDone) {
            timedOut = true;
            c.abortConnect();
        }
    }

    /**
     * Marks the attempt finished (once). The pool-wide {@code connecting} count is left to the caller: an open
     * connection keeps counting as "demand in flight" until it has been handed to a waiter, or else another thread
     * would open a second connection for the same waiter.
     */
    private boolean settle() {
        if (!SETTLED.compareAndSet(this, 0, 1)) {
            return false;
        }
        PoolScheduler.Cancellable d = deadline;
        if (d != null) {
            d.cancel();
            deadline = null; // the attempt lives as long as the connection: let the task go
        }
        connector.attemptSettled(c.endpoint);
        return true;
    }

    @Override
    public void onOpen(TransportConnection connection) {
        long now = connector.ticker().read();
        openedAt = now; // before settling: a close on another thread that finds the attempt settled reads it
        ConnectionInitializer initializer = connector.initializer();
        if (initializer != null) {
            initialize(connection, initializer);
            return;
        }
        if (!settle()) {
            return;
        }
        try {
            opened(connection, now);
        } finally {
            connector.demandServed(true);
        }
    }

    /** The handshake completed: the initializer runs before the attempt settles (see the class comment). */
    private void initialize(TransportConnection connection, ConnectionInitializer initializer) {
        if (settled != 0) {
            return; // closed or aborted meanwhile: reported as a failed connect already
        }
        handshakeDone = true;
        PoolScheduler.Cancellable d = deadline;
        if (d != null) {
            d.cancel(); // the handshake's deadline; the initializer has its own
        }
        c.opened(connection); // a failure closes it with a close frame
        Initialization run = new Initialization(connector.pool(), this, c, connection, initializer,
                connector.initializerTimeoutNanos(), connector.settings().transportOptions().maxMessageSize());
        initialization = run;
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} opened; running the connection initializer", connector.pool(), c.id);
        }
        run.start(connector.initializerThreads(), connector.scheduler());
    }

    /**
     * The initializer returned (its thread): the connect succeeded, the connection becomes READY.
     *
     * @param connection the open connection
     */
    void initialized(TransportConnection connection) {
        if (!settle()) {
            return; // the connection closed meanwhile: onClosed reported the failed connect
        }
        try {
            opened(connection, connector.ticker().read());
        } finally {
            connector.demandServed(true);
        }
    }

    /**
     * The initializer failed (threw, timed out, or the server flooded it): a failed connect, and the connection is
     * closed with a close frame.
     *
     * @param failure why
     */
    void initializationFailed(ConnectionInitializationException failure) {
        initFailure = failure; // before settling: see the field
        if (!settle()) {
            return; // the connection closed first: onClosed reported the failed connect
        }
        judged = 1; // never opened: no verdict at its close
        connector.demandServed(false);
        failed(-1, "", failure);
    }

    private void opened(TransportConnection connection, long now) {
        c.opened(connection);
        ConnectionListener listener = connector.listener();
        listener.opening(c, now);
        EndpointState e = c.endpoint;
        e.recordLatency(openedAt - startedAt, now); // the handshake's latency, without the initializer's time
        connector.events().connectFinished(c.id, e, now - startedAt, null, null);
        startProbation();
        if (e.consecutiveFailures() > 0) {
            connector.requestMaintenance(); // while failing, one connect at a time: the next may start now
        }
        boolean ready = c.markReady();
        initialization = null; // READY: from now on inbound messages go to the listener
        if (!ready) {
            return;
        }
        if (c.finished()) {
            // closed on another thread while we were opening: onClosed could not act on INITIALIZING
            connector.recycler().markBroken(c, RecycleReason.PEER_CLOSED);
            connector.recycler().finishIfRecycling(c);
            return;
        }
        if (opened != null) {
            opened.complete(c);
            return;
        }
        listener.ready(c);
    }

    /** Starts the minimum lifetime; its end is the connection's proof, unless a close judged it first. */
    private void startProbation() {
        PoolScheduler.Cancellable p = connector.scheduler().schedule(this::lived, MIN_LIFETIME_NANOS);
        probation = p;
        if (judged != 0) {
            p.cancel(); // judged while the timer was being armed
            probation = null;
        }
    }

    /** The minimum lifetime has passed with the connection open (the scheduler's thread). */
    private void lived() {
        probation = null;
        if (JUDGED.compareAndSet(this, 0, 1)) {
            proved();
        }
    }

    /** The connection proved itself: the endpoint's connect succeeded (backoff reset, breaker told). */
    private void proved() {
        if (connector.closing()) {
            return;
        }
        EndpointState e = c.endpoint;
        boolean wasEjected = e.isEjected();
        int failuresBefore = e.connectSucceeded();
        boolean recovered = wasEjected && !e.isEjected(); // a probe's success; not a success in an open breaker
        if (failuresBefore > 0) {
            log.info("[{}] {} reachable again after {} failed connect attempt(s){}", connector.pool(), e,
                    failuresBefore, recovered ? ": healthy again" : "");
        }
        if (recovered) {
            connector.listener().endpointRecovered(e);
        }
        if (failuresBefore > 0 || recovered) {
            connector.requestMaintenance(); // the endpoint takes connects freely again
        }
    }

    /**
     * The open connection finished before its verdict: judged now. Closed by the pool (RECYCLING), it proved itself as
     * far as it was allowed to; otherwise (the server closed it, or it failed) it died young and counts as a failed
     * connect, before the rest of the engine hears of the close, so that a refill it causes meets the backoff.
     *
     * @return the failure it was counted as, or {@code null}
     */
    private EndpointConnectException judgeAtClose(int code, String reason, boolean remote, Throwable error) {
        if (!JUDGED.compareAndSet(this, 0, 1)) {
            return null;
        }
        PoolScheduler.Cancellable p = probation;
        if (p != null) {
            probation = null;
            p.cancel();
        }
        if (connector.closing()) {
            return null;
        }
        if (c.state() == ConnectionState.RECYCLING) {
            RecycleReason why = c.recycledFor();
            if (why == null || !diesYoungWhenRecycledFor(why)) {
                if (why != null && servedWhenRecycledFor(why)) {
                    proved();
                } else {
                    c.endpoint.noVerdict(); // ejected or removed meanwhile: this connect tells nothing
                }
                return null;
            }
        }
        if (remote && error == null && CloseCodes.goingAway(code)) {
            c.endpoint.noVerdict(); // the server is going away (a drain notice): that tells nothing of its health
            return null;
        }
        long now = connector.ticker().read();
        EndpointState e = c.endpoint;
        c.markDiedYoung();
        String how = (remote ? "was closed by the server" : "failed") + " with code " + code
                + (reason.isEmpty() ? "" : " (" + HttpHeaders.printable(reason) + ")")
                + (error != null ? ", " + describe(error) + "," : "");
        EndpointConnectException failure = new EndpointConnectException(e.uri(), "the connection " + how + " "
                + TimeUnit.NANOSECONDS.toMillis(now - openedAt) + " ms after its opening handshake, before it had "
                + "stayed open " + TimeUnit.NANOSECONDS.toMillis(MIN_LIFETIME_NANOS) + " ms: a failed connect", 0,
                error);
        countFailure(e, failure, now);
        return failure;
    }

    /** The pool closed the connection because it was done with it: it served as long as it was wanted. */
    private static boolean servedWhenRecycledFor(RecycleReason why) {
        return why == RecycleReason.NOT_POOLED || why == RecycleReason.IDLE || why == RecycleReason.LIFETIME
                || why == RecycleReason.INVALIDATED;
    }

    /** The pool closed the connection because the peer broke it (found closed, a failed write, a violation). */
    private static boolean diesYoungWhenRecycledFor(RecycleReason why) {
        return why == RecycleReason.PEER_CLOSED || why == RecycleReason.ERROR
                || why == RecycleReason.PROTOCOL_VIOLATION;
    }

    @Override
    public void onText(String text) {
        Initialization run = initialization;
        if (run != null) {
            run.text(text);
            return;
        }
        connector.listener().text(c, text);
    }

    @Override
    public void onBinary(ByteBuffer data) {
        Initialization run = initialization;
        if (run != null) {
            run.binary(data);
            return;
        }
        connector.listener().binary(c, data);
    }

    @Override
    public void onPong(ByteBuffer payload) {
        if (initialization != null) {
            return; // the pool pings only READY connections: an unsolicited pong tells nothing
        }
        connector.listener().pong(c, payload);
    }

    @Override
    public void onUndelivered(int messages, long bytes, MessageNotSentException.Reason reason) {
        if (initialization != null || initFailure != null) {
            // the initializer's sends: reported as such; the rest of the engine never knew the connection
            connector.events().messageUndelivered(c.id, c.endpoint(), reason, messages, bytes);
            return;
        }
        connector.listener().undelivered(c, messages, bytes, reason);
    }

    @Override
    public void onClosed(int code, String reason, boolean remote, Throwable error) {
        c.transportFinished();
        Initialization run = initialization;
        if (run != null) {
            run.closed(code, reason); // a receive waiting fails at once, the initializer's thread is interrupted
        }
        if (settle()) {
            connector.demandServed(false);
            failed(code, reason, error);
            return;
        }
        if (initFailure != null) {
            connector.recycler().finishIfRecycling(c); // the failed connect's close: the listener never knew it
            return;
        }
        EndpointState e = c.endpoint;
        boolean wasEjected = e.isEjected();
        EndpointConnectException diedYoung = judgeAtClose(code, reason, remote, error);
        connector.listener().closed(c, code, reason, remote, error);
        if (diedYoung != null) {
            if (!wasEjected && e.isEjected() && !connector.closing()) {
                connector.listener().endpointEjected(e, diedYoung, e.consecutiveFailures());
            }
            connector.requestMaintenance(); // reconnect after the backoff delay, for min connections or waiters
        }
    }

    private void failed(int code, String reason, Throwable error) {
        long now = connector.ticker().read();
        EndpointState e = c.endpoint;
        EndpointConnectException failure = failure(e, code, reason, error);
        if (retryWithFreshHeaders(e, failure, now)) {
            return;
        }
        boolean wasEjected = e.isEjected();
        int failures = countFailure(e, failure, now);
        boolean closing = connector.closing();
        connector.events().connectFinished(c.id, e, now - startedAt, failure,
                LocalFaults.cause(failure, timedOut));
        if (c.failConnect()) {
            connector.recycler().recycle(c, RecycleReason.CONNECT_FAILED);
        }
        if (opened != null) {
            opened.completeExceptionally(failure);
        }
        if (!wasEjected && e.isEjected() && !closing) {
            connector.listener().endpointEjected(e, failure, failures);
        } else if (!closing && !e.isEjected() && e.knownDown()) {
            connector.listener().endpointKnownDown(e); // kept in rotation by the budget, yet down
        }
        connector.requestMaintenance(); // retry after the backoff delay, for min connections, waiters or a probe
    }

    /**
     * Counts a failed connect (refused, timed out, or a connection that died young): the backoff, and the breaker
     * unless the failure is this side's own or the ejection budget is spent; logs the first of a streak, then 2, 4,
     * 8, ... in a row.
     *
     * @return the failures in a row
     */
    private int countFailure(EndpointState e, EndpointConnectException failure, long now) {
        long delay = e.connectFailed(now, failure);
        boolean counted = !LocalFaults.isLocal(failure) // a client fault never counts against the server
                && connector.ejectionBudget().tryCount(e, () -> e.countConnectFailure(failure));
        int failures = e.consecutiveFailures();
        boolean closing = connector.closing();
        if (closing) {
            log.debug("[{}] {} connect abandoned: pool closing", connector.pool(), c.id);
        } else if (failures == 1 || Integer.bitCount(failures) == 1) {
            // first failure of a streak, then 2, 4, 8, ...: visible, not one line per retry
            log.warn("[{}] connect to {} failed ({} in a row), next attempt in {} ms{}: {}", connector.pool(), e,
                    failures, TimeUnit.NANOSECONDS.toMillis(delay), counted ? "" : " (not counted against the endpoint:"
                    + (LocalFaults.isLocal(failure) ? " a fault on this side)" : " the ejection budget is spent)"),
                    failure.getMessage());
        } else {
            log.debug("[{}] connect to {} failed ({} in a row): {}", connector.pool(), e, failures,
                    failure.getMessage());
        }
        return failures;
    }

    /**
     * A 401/403 with a header supplier: the credentials were probably stale. Instead of counting a failure (breaker,
     * backoff), the endpoint's next connect asks the supplier to refresh, and that next connect comes at once: for
     * waiters and the minimum through the usual demand, for fail-fast initialization here. A rejection of refreshed
     * credentials counts as usual.
     */
    private boolean retryWithFreshHeaders(EndpointState e, EndpointConnectException failure, long now) {
        int status = failure.statusCode();
        if ((status != 401 && status != 403) || failure instanceof ProxyConnectException // the proxy's, not the server's
                || !connector.settings().refreshHeadersOnAuthFailure()
                || e.transportOptions().headerSupplier() == null || refreshedHeaders || connector.closing()) {
            return false;
        }
        log.info("[{}] {} rejected the upgrade with {}: retrying at once with headers the supplier refreshes",
                connector.pool(), e, status);
        connector.events().connectFinished(c.id, e, now - startedAt, failure,
                LocalFaults.cause(failure, timedOut));
        e.refreshHeadersNext().set(true);
        if (c.failConnect()) {
            connector.recycler().recycle(c, RecycleReason.CONNECT_FAILED); // frees the slot; waiters open the retry
        }
        if (opened != null) {
            if (connector.reserveSlot(e)) {
                connector.start(e, opened, false);
            } else {
                opened.completeExceptionally(failure);
            }
        } else {
            connector.requestMaintenance(); // the minimum, if nobody is waiting
        }
        return true;
    }

    private EndpointConnectException failure(EndpointState e, int code, String reason, Throwable error) {
        if (error instanceof EndpointConnectException ece) {
            return ece;
        }
        ConnectionInitializationException initFailed = initFailure;
        if (initFailed != null) {
            return initFailed;
        }
        if (handshakeDone) { // closed while the initializer ran
            return new ConnectionInitializationException(e.uri(), "the connection "
                    + (error != null ? "failed (" + describe(error) + ")" : "was closed (code " + code
                    + (reason.isEmpty() ? "" : ", " + HttpHeaders.printable(reason)) + ")")
                    + " while the initializer ran", false, error);
        }
        if (timedOut) {
            return new EndpointConnectException(e.uri(), "opening handshake did not complete within "
                    + connector.settings().connectTimeout().toMillis() + " ms (connectTimeout)", 0, error);
        }
        String detail = error != null ? describe(error) : "closed during the opening handshake (code " + code
                + (reason.isEmpty() ? "" : ", " + reason) + ")";
        return new EndpointConnectException(e.uri(), detail, 0, error);
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
    }
}

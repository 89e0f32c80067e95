package io.github.wspool.core.internal.connect;

import io.github.wspool.MessageNotSentException;
import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import io.github.wspool.event.RecycleReason;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connect, from {@code Transport.connect} to its outcome, and then the transport's listener for the connection's
 * life: until the handshake settles it is the connector's (deadline, backoff, breaker, the 401/403 retry); after, it
 * passes every callback to the {@link ConnectionListener}.
 */
final class ConnectAttempt implements TransportListener {

    private static final Logger log = LoggerFactory.getLogger(ConnectAttempt.class);

    private final Connector connector;
    private final ManagedConnection c;
    private final long startedAt;
    /** Completed with the open connection or the failure (fail-fast initialization only), else {@code null}. */
    private final CompletableFuture<ManagedConnection> opened;
    /** Whether this connect asked the header supplier for fresh credentials (a retry after 401/403). */
    private final boolean refreshedHeaders;
    private final AtomicBoolean settled = new AtomicBoolean();
    /** Set by the connect deadline before it aborts the handshake, so the failure says "timed out". */
    private volatile boolean timedOut;
    private volatile PoolScheduler.Cancellable deadline;

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
        if (settled.get()) {
            d.cancel(); // settled while the deadline was being armed
        }
    }

    private void deadlinePassed() {
        if (c.state() == ConnectionState.INITIALIZING) {
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
        if (!settled.compareAndSet(false, true)) {
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
        if (!settle()) {
            return;
        }
        try {
            opened(connection);
        } finally {
            connector.demandServed(true);
        }
    }

    private void opened(TransportConnection connection) {
        long now = connector.ticker().read();
        c.opened(connection);
        ConnectionListener listener = connector.listener();
        listener.opening(c, now);
        EndpointState e = c.endpoint;
        e.recordLatency(now - startedAt, now);
        boolean wasEjected = e.isEjected();
        int failuresBefore = e.connectSucceeded();
        if (failuresBefore > 0) {
            log.info("[{}] {} reachable again after {} failed connect attempt(s){}", connector.pool(), e,
                    failuresBefore, wasEjected ? ": healthy again" : "");
        }
        if (wasEjected) {
            listener.endpointRecovered(e);
        }
        connector.events().connectFinished(c.id, e, now - startedAt, null);
        if (!c.markReady()) {
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

    @Override
    public void onText(String text) {
        connector.listener().text(c, text);
    }

    @Override
    public void onBinary(ByteBuffer data) {
        connector.listener().binary(c, data);
    }

    @Override
    public void onPong(ByteBuffer payload) {
        connector.listener().pong(c, payload);
    }

    @Override
    public void onUndelivered(int messages, long bytes, MessageNotSentException.Reason reason) {
        connector.listener().undelivered(c, messages, bytes, reason);
    }

    @Override
    public void onClosed(int code, String reason, boolean remote, Throwable error) {
        c.transportFinished();
        if (settle()) {
            connector.demandServed(false);
            failed(code, reason, error);
            return;
        }
        connector.listener().closed(c, code, reason, remote, error);
    }

    private void failed(int code, String reason, Throwable error) {
        long now = connector.ticker().read();
        EndpointState e = c.endpoint;
        EndpointConnectException failure = failure(e, code, reason, error);
        if (retryWithFreshHeaders(e, failure, now)) {
            return;
        }
        boolean wasEjected = e.isEjected();
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
        connector.events().connectFinished(c.id, e, now - startedAt, failure);
        if (c.failConnect()) {
            connector.recycler().recycle(c, RecycleReason.CONNECT_FAILED);
        }
        if (opened != null) {
            opened.completeExceptionally(failure);
        }
        if (!wasEjected && e.isEjected() && !closing) {
            connector.listener().endpointEjected(e, failure, failures);
        }
        connector.requestMaintenance(); // retry after the backoff delay, for min connections, waiters or a probe
    }

    /**
     * A 401/403 with a header supplier: the credentials were probably stale. Instead of counting a failure (breaker,
     * backoff), the endpoint's next connect asks the supplier to refresh, and that next connect comes at once: for
     * waiters and the minimum through the usual demand, for fail-fast initialization here. A rejection of refreshed
     * credentials counts as usual.
     */
    private boolean retryWithFreshHeaders(EndpointState e, EndpointConnectException failure, long now) {
        int status = failure.statusCode();
        if ((status != 401 && status != 403) || !connector.settings().refreshHeadersOnAuthFailure()
                || e.transportOptions().headerSupplier() == null || refreshedHeaders || connector.closing()) {
            return false;
        }
        log.info("[{}] {} rejected the upgrade with {}: retrying at once with headers the supplier refreshes",
                connector.pool(), e, status);
        connector.events().connectFinished(c.id, e, now - startedAt, failure);
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

package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.MessageNotSentException;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connect.ConnectionListener;
import io.github.wspool.core.internal.connect.Connector;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.health.HealthMonitor;
import io.github.wspool.core.internal.health.ServerDrain;
import io.github.wspool.core.internal.housekeeping.Housekeeper;
import io.github.wspool.core.internal.lease.LeaseBroker;
import io.github.wspool.core.internal.messaging.Messaging;
import io.github.wspool.core.internal.session.Subscriptions;
import io.github.wspool.core.spi.HttpHeaders;
import io.github.wspool.event.RecycleReason;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where what happens to a connection goes: the transport's callbacks (through the connector's
 * {@link ConnectionListener}) and the recycler's "closed" ({@link Recycler.Listener}) fan out from here to the
 * components that care. It holds no state of its own; the components are bound once, before the first connect.
 */
final class ConnectionRouter implements ConnectionListener, Recycler.Listener {

    private static final Logger log = LoggerFactory.getLogger(ConnectionRouter.class);

    /**
     * The components the router passes things to.
     *
     * @param messaging   inbound messages and closed connections' requests
     * @param health      pongs, probe replies, abnormal closes, endpoint health
     * @param housekeeper idle and lifetime clocks, and passes
     * @param leases      opened connections to waiters; closed ones out of threads' hints
     * @param connector   freed slots and the refills they allow
     * @param endpoints   drains that a closed connection may finish
     * @param recycler    takes closed connections out of service
     * @param shutdown    whether the pool is closing
     * @param sessions    subscriptions whose carrying connection closed or retires
     * @param drain       servers' drain notices (close codes, the drain signal)
     */
    record Parts(Messaging messaging, HealthMonitor health, Housekeeper housekeeper, LeaseBroker leases,
                 Connector connector, EndpointRegistry endpoints, Recycler recycler, Shutdown shutdown,
                 Subscriptions sessions, ServerDrain drain) {
    }

    private final String pool;
    private final int maxMessageSize;
    private Parts parts; // bound once, before the first connect (the transport's threads see it through connect())

    ConnectionRouter(String pool, int maxMessageSize) {
        this.pool = pool;
        this.maxMessageSize = maxMessageSize;
    }

    void bind(Parts bound) {
        if (parts != null) {
            throw new IllegalStateException("already bound");
        }
        parts = bound;
    }

    @Override
    public void opening(ManagedConnection c, long now) {
        parts.health().opened(c, now);
        parts.housekeeper().opened(c, now);
    }

    @Override
    public void ready(ManagedConnection c) {
        if (parts.leases().opened(c) && parts.health().keepaliveEnabled()) {
            parts.housekeeper().requestMaintenance(); // the last pass ran before it existed: let it see its ping
        }
    }

    @Override
    public void text(ManagedConnection c, String text) {
        if (parts.health().probeReply(c, text)) {
            return;
        }
        if (log.isTraceEnabled()) {
            log.trace("[{}] {} received a text message of {} chars", pool, c.id, text.length());
        }
        parts.drain().inbound(c, text); // a drain notice? (nothing to do without a drainSignal)
        parts.messaging().inbound(c, text);
    }

    @Override
    public void binary(ManagedConnection c, ByteBuffer data) {
        if (log.isTraceEnabled()) {
            log.trace("[{}] {} received a binary message of {} bytes", pool, c.id, data.remaining());
        }
        parts.drain().inbound(c, data); // a drain notice? (nothing to do without a drainSignal)
        parts.messaging().inbound(c, data);
    }

    @Override
    public void pong(ManagedConnection c, ByteBuffer payload) {
        parts.health().pong(c, payload);
    }

    @Override
    public void undelivered(ManagedConnection c, int messages, long bytes, MessageNotSentException.Reason reason) {
        parts.messaging().undelivered(c, messages, bytes, reason, true);
    }

    @Override
    public void closed(ManagedConnection c, int code, String reason, boolean remote, Throwable error) {
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} closed: code={} reason='{}' remote={}", pool, c.id, code, reason, remote, error);
        }
        parts.messaging().connectionClosed(c, code);
        parts.sessions().connectionClosed(c.id);
        boolean recycling = c.state() == ConnectionState.RECYCLING;
        if (remote && !recycling) {
            parts.drain().closedByServer(c, code); // 1001/1012/1013: the server is going away, not this connection only
        }
        // 1002 protocol error, 1007 invalid data, 1009 message too big: this client failed the connection because of
        // what the server sent
        boolean violation = !remote && !recycling && (code == 1002 || code == 1007 || code == 1009);
        boolean abnormal = !recycling && (violation || error != null || code == 1006 || code == 1011);
        if (violation) {
            log.warn("[{}] {} closed by this client with code {}: {}; counted as a failure of {}", pool, c.id, code,
                    code == 1009 ? "the server sent a message larger than maxMessageSize (" + maxMessageSize
                            + " bytes)" : "the server broke the WebSocket protocol (" + HttpHeaders.printable(reason)
                            + ")", c.endpoint);
        }
        parts.recycler().markBroken(c, violation ? RecycleReason.PROTOCOL_VIOLATION
                : error != null ? RecycleReason.ERROR : RecycleReason.PEER_CLOSED);
        parts.recycler().finishIfRecycling(c);
        if (abnormal && !c.diedYoung()) {
            // 1000/1001 from the server is an orderly goodbye; a reset, 1006 or 1011 counts against the endpoint (a
            // connection that died before proving itself was counted already, as a failed connect)
            parts.health().connectionFailed(c.endpoint, "closed abnormally (code " + code
                    + (error != null ? ", " + describe(error) : "") + ")");
        }
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
    }

    @Override
    public void endpointKnownDown(EndpointState e) {
        parts.leases().failWaitersIfNoEndpointUsable();
    }

    @Override
    public void retiring(ManagedConnection c) {
        parts.sessions().connectionRetiring(c.id);
    }

    @Override
    public void endpointRecovered(EndpointState e) {
        parts.health().endpointHealthy(e);
    }

    @Override
    public void endpointEjected(EndpointState e, EndpointConnectException failure, int failures) {
        parts.health().connectsFailed(e, failure, failures);
    }

    @Override
    public void connectionClosed(ManagedConnection c) {
        parts.leases().forget(c);
        parts.connector().freeSlot(c);
        parts.endpoints().connectionClosed(c.endpoint);
        if (parts.shutdown().begun()) {
            parts.shutdown().progress();
        } else {
            parts.connector().refillAfterClose();
        }
    }
}

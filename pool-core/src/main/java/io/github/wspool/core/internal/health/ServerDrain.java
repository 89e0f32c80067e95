package io.github.wspool.core.internal.health;

import io.github.wspool.InboundMessage;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connect.Connector;
import io.github.wspool.core.internal.connection.CloseCodes;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.event.RecycleReason;
import java.nio.ByteBuffer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's notice that it is going away, honoured: a close frame with 1001 (going away), 1012 (service restart) or
 * 1013 (try again later), or an inbound message the builder's {@code drainSignal} recognises.
 *
 * <p>The notice concerns the whole server, so it applies to its endpoint, within the call that reads it:
 * <ol>
 *   <li>the endpoint is marked going away: the strategy passes it over, for leases and new connections, while another
 *       endpoint is healthy and is not going away (with none, it keeps serving: a drain never makes the pool refuse
 *       work it could do);</li>
 *   <li>replacements are started on the other endpoints, as many as the pool needs to stay at its minimum once this
 *       endpoint's connections are gone;</li>
 *   <li>then each of its connections is retired: an available one is closed at once, a leased one when its holder
 *       releases it (current holders finish), and a subscription's carrier moves its channels first;</li>
 *   <li>after {@code drainHoldOff} the mark lapses and the endpoint takes leases again (the server has restarted by
 *       then, or its connects fail and its breaker judges it as usual). Every new notice renews the mark.</li>
 * </ol>
 * The pool closes the drained connections itself, with a close frame, without waiting for the server to. The notice is
 * not a failure: no breaker or backoff counts it.
 */
public final class ServerDrain {

    private static final Logger log = LoggerFactory.getLogger(ServerDrain.class);

    private final String pool;
    private final Predicate<InboundMessage> signal;
    private final long holdOffNanos;
    private final Ticker ticker;
    private final PoolScheduler scheduler;
    private final Recycler recycler;
    private final Connector connector;
    private final Shutdown shutdown;

    /**
     * @param pool         the pool's name
     * @param signal       recognises a drain notice among inbound messages, or {@code null} for close codes only
     * @param holdOffNanos how long a notice keeps leases off the endpoint
     * @param ticker       the time source
     * @param scheduler    lifts the mark after the hold-off
     * @param recycler     retires the connections
     * @param connector    opens the replacements
     * @param shutdown     no drain while the pool closes
     */
    public ServerDrain(String pool, Predicate<InboundMessage> signal, long holdOffNanos, Ticker ticker,
                       PoolScheduler scheduler, Recycler recycler, Connector connector, Shutdown shutdown) {
        this.pool = pool;
        this.signal = signal;
        this.holdOffNanos = holdOffNanos;
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.recycler = recycler;
        this.connector = connector;
        this.shutdown = shutdown;
    }

    /**
     * An inbound text message: a drain notice if the signal says so. The message goes on to its handlers either way.
     *
     * @param c    the connection
     * @param text the message
     */
    public void inbound(ManagedConnection c, String text) {
        if (signal != null && test(InboundMessage.text(c.id, c.endpoint, text))) {
            goingAway(c, "drain signal");
        }
    }

    /**
     * An inbound binary message: a drain notice if the signal says so.
     *
     * @param c    the connection
     * @param data the message
     */
    public void inbound(ManagedConnection c, ByteBuffer data) {
        if (signal != null && test(InboundMessage.binary(c.id, c.endpoint, data))) {
            goingAway(c, "drain signal");
        }
    }

    private boolean test(InboundMessage m) {
        try {
            return signal.test(m);
        } catch (RuntimeException e) {
            log.warn("[{}] drainSignal threw on {}; taken as no drain notice", pool, m, e);
            return false;
        }
    }

    /**
     * The server closed a connection: with 1001, 1012 or 1013 that is a drain notice for its endpoint.
     *
     * @param c    the connection
     * @param code the close code
     */
    public void closedByServer(ManagedConnection c, int code) {
        if (CloseCodes.goingAway(code)) {
            goingAway(c, "close code " + code);
        }
    }

    private void goingAway(ManagedConnection notified, String why) {
        EndpointState e = notified.endpoint;
        if (shutdown.begun() || e.isDraining()) {
            return;
        }
        long mark = e.drain().markGoingAway();
        long generation = Math.abs(mark);
        scheduler.schedule(() -> {
            if (e.drain().settled(generation)) {
                log.info("[{}] endpoint {}: drain hold-off over, it takes leases again", pool, e);
            }
        }, holdOffNanos);
        int replacements = connector.openReplacements(e, ticker.read());
        int retired = 0;
        for (ManagedConnection c : e.connections()) {
            if (!c.times().expired()) {
                retired++;
            }
            recycler.retire(c, RecycleReason.SERVER_DRAIN);
        }
        if (mark > 0) {
            log.info("[{}] endpoint {} is going away ({} on {}): no new leases there for {} ms; {} connection(s)"
                    + " retiring as their holders finish, {} replacement(s) opening elsewhere", pool, e, why,
                    notified.id, holdOffNanos / 1_000_000, retired, replacements);
        } else if (log.isDebugEnabled()) {
            log.debug("[{}] endpoint {}: drain notice renewed ({} on {})", pool, e, why, notified.id);
        }
    }
}

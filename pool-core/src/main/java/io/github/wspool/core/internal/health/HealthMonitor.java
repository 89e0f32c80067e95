package io.github.wspool.core.internal.health;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.wspool.ConnectionClosedException;
import io.github.wspool.MessageNotSentException;
import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.HealthProbe;
import io.github.wspool.RequestTimeoutException;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.Fatal;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.concurrent.TickerClock;
import io.github.wspool.core.internal.connect.Connector;
import io.github.wspool.core.internal.connection.ConnectionHealth;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.connection.ManagedConnection;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.core.internal.endpoint.EjectionBudget;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.internal.messaging.Channel;
import io.github.wspool.core.internal.messaging.Messaging;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.event.RecycleReason;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges connections and endpoints: keepalive pings and their pongs, the application probe, each connection's circuit
 * breaker (send, request and ping outcomes), and when an endpoint is ejected and comes back.
 *
 * <p>A connection is unhealthy when it misses {@code maxMissedPongs} pongs in a row (only a pong proves the peer
 * alive), fails {@code probeUnhealthyThreshold} probes in a row, or its breaker opens; it is recycled now, or on
 * release if leased. An endpoint is unhealthy ({@link #endpointUnhealthy}, the one path for every cause) when its
 * connects keep failing (its connect breaker opened), when two of its open connections fail with no sign of life
 * from it in between (a silent peer, a blackholed route: one failure may be the connection's own), or when its HTTP
 * health check fails. An ejected endpoint gets one probe connect once its breaker's wait has passed; the probe's
 * success brings it back.
 *
 * <p>The client's slowness is not blamed on the server. A pong counts when the transport reads it off the socket
 * (on its I/O thread, never queued behind message handlers). While a connection's handlers are so far behind that
 * its inbound queue is full, the pool stops reading it ({@link #readingPaused}): then no pong or probe reply can
 * arrive, so no verdict is given and no ping or probe is sent, and once reading goes on the outstanding pong and
 * probe get their full timeouts again from that moment. A silent server is still caught: once the handlers have
 * drained the queue, reading goes on, and a ping that gets no pong while the connection is being read misses as
 * usual.
 */
public final class HealthMonitor implements Messaging.Host {

    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);
    /** The breaker does not say when its open-state wait ends: an ejected endpoint is looked at this often. */
    private static final long PROBE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Why an endpoint stops getting leases, and what happens to the connections it has. */
    public enum Ejection {
        /**
         * Its connects keep failing and its connect breaker opened. Its open connections stay (a server refusing new
         * connections may still serve its old ones) but get no leases.
         */
        CONNECTS_FAILING("it gets no leases until a probe connect succeeds", false),
        /** Its open connections failed (missed pongs, resets): the available ones are taken out of service. */
        CONNECTIONS_FAILING("its other connections are taken out of service and it gets no leases until a probe"
                + " connect succeeds", true),
        /** Its HTTP health check failed: the available connections are drained. */
        HEALTH_CHECK_FAILING("its idle connections are drained", true);

        private final String consequence;
        private final boolean withdrawsConnections;

        Ejection(String consequence, boolean withdrawsConnections) {
            this.consequence = consequence;
            this.withdrawsConnections = withdrawsConnections;
        }
    }

    private final String pool;
    private final HealthSettings settings;
    private final Ticker ticker;
    private final PoolEvents events;
    private final Recycler recycler;
    private final Connector connector;
    private final Shutdown shutdown;
    private final Runnable failWaitersIfNoEndpointUsable;
    private final EjectionBudget budget;
    private final ConnectionBreakers breakers;
    /** The keepalive period ({@code healthCheckInterval}): as configured, or as last changed at runtime. */
    private volatile long pingIntervalNanos;
    private final long pongTimeoutNanos;
    private final long probeTimeoutNanos;
    private final HealthProbe probe;

    /**
     * @param pool                          the pool's name, for logs
     * @param settings                      the health settings
     * @param ticker                        the pool's time source
     * @param events                        where pongs and health changes are reported
     * @param recycler                      takes unhealthy connections out of service
     * @param connector                     makes probe connects
     * @param shutdown                      whether the pool is closing
     * @param failWaitersIfNoEndpointUsable fails waiting callers at once when no endpoint can serve them any more
     * @param budget                        how many endpoints may be out of rotation at once
     */
    public HealthMonitor(String pool, HealthSettings settings, Ticker ticker, PoolEvents events, Recycler recycler,
                         Connector connector, Shutdown shutdown, Runnable failWaitersIfNoEndpointUsable,
                         EjectionBudget budget) {
        this.pool = pool;
        this.settings = settings;
        this.ticker = ticker;
        this.events = events;
        this.recycler = recycler;
        this.connector = connector;
        this.shutdown = shutdown;
        this.failWaitersIfNoEndpointUsable = failWaitersIfNoEndpointUsable;
        this.budget = budget;
        this.breakers = new ConnectionBreakers(pool, settings.connectionBreakerConfig(), new TickerClock(ticker));
        this.pingIntervalNanos = settings.pingInterval().toNanos();
        this.pongTimeoutNanos = settings.pongTimeout().toNanos();
        this.probeTimeoutNanos = settings.probeTimeout().toNanos();
        this.probe = settings.probe();
    }

    /**
     * The current keepalive period.
     *
     * @return nanoseconds; zero for no keepalive pings
     */
    public long pingIntervalNanos() {
        return pingIntervalNanos;
    }

    /**
     * Whether keepalive pings run now.
     *
     * @return {@code true} with a positive period
     */
    public boolean keepaliveEnabled() {
        return pingIntervalNanos > 0;
    }

    /**
     * Changes the keepalive period at runtime: each connection's next ping comes at most one new period from now
     * (sooner pings when it shrank or pings were off; with a longer one, the ping already planned, then the new
     * period). Zero stops the pings.
     *
     * @param nanos zero or positive
     */
    public void pingInterval(long nanos) {
        pingIntervalNanos = nanos;
    }

    // ------------------------------------------------------------------------------------------------ connections

    /**
     * A connection opened: its breaker starts counting and its first ping and probe are scheduled.
     *
     * @param c   the connection
     * @param now the ticker's time
     */
    public void opened(ManagedConnection c, long now) {
        breakers.opened(c);
        ConnectionHealth h = c.health();
        h.nextPingAt(pingIntervalNanos > 0 ? now + pingIntervalNanos - pingJitter() : Long.MAX_VALUE);
        h.nextProbeAt(probe != null ? now + settings.probeInterval().toNanos() : Long.MAX_VALUE);
    }

    @Override
    public void sendSucceeded(Channel c) {
        breakers.success((ManagedConnection) c);
    }

    @Override
    public RuntimeException sendFailed(Channel channel, RuntimeException failure) {
        ManagedConnection c = (ManagedConnection) channel;
        breakers.failure(c, failure);
        recycler.markBroken(c, RecycleReason.ERROR);
        return new ConnectionClosedException("Connection " + c.id + " to " + c.endpoint + " of pool '" + pool
                + "' is no longer open; release this lease and acquire another", failure);
    }

    @Override
    public void sendsLost(Channel c, int messages, MessageNotSentException failure) {
        for (int i = 0; i < messages; i++) {
            recordFailure((ManagedConnection) c, failure);
        }
    }

    @Override
    public void requestTimedOut(Channel c, RequestTimeoutException failure) {
        recordFailure((ManagedConnection) c, failure);
    }

    @Override
    public void readingPaused(Channel channel, boolean paused) {
        ManagedConnection c = (ManagedConnection) channel;
        c.health().readingPaused(paused, ticker.read(), pongTimeoutNanos, probeTimeoutNanos);
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} reading {}: its handlers are {}", pool, c.id, paused ? "paused" : "resumed",
                    paused ? "behind (inbound queue full); no pong is judged missing meanwhile" : "catching up");
        }
    }

    /** Records a failed send, ping, probe or request; an open breaker makes the connection unhealthy. */
    private void recordFailure(ManagedConnection c, Throwable failure) {
        CircuitBreaker b = breakers.failure(c, failure);
        if (b != null && b.getState() == CircuitBreaker.State.OPEN) {
            log.warn("[{}] {} to {} is unhealthy: its circuit breaker opened ({}% of its last sends and pings failed)",
                    pool, c.id, c.endpoint, Math.round(b.getMetrics().getFailureRate()));
            recycler.markBroken(c, RecycleReason.UNHEALTHY);
        }
    }

    /**
     * A pong arrived. Only the one that answers the outstanding keepalive ping (it echoes the ping's payload) counts:
     * the connection and its endpoint are alive, and the round trip is measured. Any other pong, unsolicited or
     * echoing something else (an earlier ping given up on, say), is ignored: it neither answers the ping nor gives a
     * round-trip time.
     *
     * @param c       the connection
     * @param payload the pong's application data
     */
    public void pong(ManagedConnection c, ByteBuffer payload) {
        long now = ticker.read();
        ConnectionHealth h = c.health();
        if (!h.pongReceived(payload)) {
            if (log.isTraceEnabled()) {
                log.trace("[{}] {} pong ignored: it answers no outstanding ping ({} bytes)", pool, c.id,
                        payload.remaining());
            }
            return;
        }
        if (log.isTraceEnabled()) {
            log.trace("[{}] {} pong received", pool, c.id);
        }
        long rtt = now - h.lastPingSentAt();
        breakers.success(c);
        c.endpoint.connectionFailures().set(0);
        c.endpoint.recordLatency(rtt, now);
        events.pong(c.id, c.endpoint, rtt);
    }

    /**
     * Checks the outstanding ping's deadline and sends the next keepalive ping when due.
     *
     * @param c   a READY, IDLE or ACTIVE connection
     * @param now the ticker's time
     * @return when this connection next needs a look
     */
    public long keepalive(ManagedConnection c, long now) {
        long interval = pingIntervalNanos;
        if (interval <= 0) {
            return Long.MAX_VALUE;
        }
        ConnectionHealth h = c.health();
        if (h.nextPingAt() - now > interval) {
            h.nextPingAt(now + interval - pingJitter()); // the period shrank, or pings were off: not later than one now
        }
        if (h.readingPaused()) {
            // handlers are behind and the socket is not read: a pong could not arrive, so none is missing; look again
            // (resumption moves the deadline, see ConnectionHealth.readingPaused)
            return now + Math.max(pongTimeoutNanos, 1);
        }
        if (h.pongOverdue(now)) {
            if (h.missPong() >= settings.maxMissedPongs()) {
                pongMissed(c);
                return Long.MAX_VALUE;
            }
            recordFailure(c, new TimeoutException("no pong within " + TimeUnit.NANOSECONDS.toMillis(pongTimeoutNanos)
                    + " ms"));
            if (!inService(c)) {
                return Long.MAX_VALUE; // the breaker opened: recycled
            }
        }
        if (h.pingDue(now)) {
            TransportConnection t = c.transport();
            if (t != null && !c.finished()) {
                try {
                    t.ping(ConnectionHealth.pingPayload(h.pingSent(now, now + pongTimeoutNanos)));
                    if (log.isTraceEnabled()) {
                        log.trace("[{}] {} ping sent", pool, c.id);
                    }
                } catch (RuntimeException e) {
                    log.debug("[{}] {} keepalive ping failed", pool, c.id, e); // the close callback follows
                }
            }
            h.nextPingAt(now + pingIntervalNanos - pingJitter());
        }
        return h.nextKeepaliveLook();
    }

    private static boolean inService(ManagedConnection c) {
        ConnectionState s = c.state();
        return s == ConnectionState.READY || s == ConnectionState.IDLE || s == ConnectionState.ACTIVE;
    }

    private long pingJitter() {
        long max = pingIntervalNanos / 10;
        return max > 0 ? ThreadLocalRandom.current().nextLong(max + 1) : 0;
    }

    /**
     * A connection missed its pongs: it is unhealthy, and its endpoint may be the problem.
     */
    private void pongMissed(ManagedConnection c) {
        String reason = "sent ping but didn't receive pong within " + TimeUnit.NANOSECONDS.toMillis(pongTimeoutNanos)
                + " ms (after " + c.health().successfulPongs() + " successful ping/pongs)";
        log.warn("[{}] {} to {} is unhealthy: {}", pool, c.id, c.endpoint, reason);
        recycler.markBroken(c, RecycleReason.UNHEALTHY);
        connectionFailed(c.endpoint, "stopped answering pings: " + reason);
    }

    /**
     * Whether an inbound text message is the reply to this connection's probe in flight (then it is consumed).
     *
     * @param c    the connection
     * @param text the message
     * @return {@code true} if it was the probe's reply
     */
    public boolean probeReply(ManagedConnection c, String text) {
        String inFlight = c.health().probeInFlight();
        if (inFlight == null || !isProbeReply(text, inFlight)) {
            return false;
        }
        c.health().probeAnswered();
        breakers.success(c);
        return true; // the pool's own message: not the application's
    }

    private boolean isProbeReply(String text, String probeId) {
        try {
            return probe.isReply(text, probeId);
        } catch (Throwable e) {
            Fatal.rethrowIfFatal(e);
            log.warn("[{}] health probe {} threw from isReply; treating the message as no reply", pool,
                    probe.getClass().getName(), e);
            return false;
        }
    }

    /**
     * Runs the application probe on an idle connection when due, and judges the one in flight when its deadline has
     * passed.
     *
     * @param c   the connection
     * @param now the ticker's time
     * @return when this connection next needs a look
     */
    public long applicationProbe(ManagedConnection c, long now) {
        if (probe == null) {
            return Long.MAX_VALUE;
        }
        ConnectionHealth h = c.health();
        if (h.readingPaused()) {
            return now + Math.max(probeTimeoutNanos, 1); // its reply could not be read: judged once reading goes on
        }
        ConnectionState s = c.state();
        String inFlight = h.probeInFlight();
        if (inFlight != null && now - h.probeDeadline() >= 0) {
            int failures = h.probeTimedOut();
            recordFailure(c, new TimeoutException("no reply to health probe within "
                    + settings.probeTimeout().toMillis() + " ms"));
            if (failures >= settings.probeUnhealthyThreshold() && inService(c)) {
                log.warn("[{}] {} to {} is unhealthy: {} health probe(s) in a row got no reply within {} ms", pool,
                        c.id, c.endpoint, failures, settings.probeTimeout().toMillis());
                recycler.markBroken(c, RecycleReason.UNHEALTHY);
                return Long.MAX_VALUE;
            }
            inFlight = null;
        }
        if (inFlight != null) {
            return h.probeDeadline();
        }
        if ((s == ConnectionState.READY || s == ConnectionState.IDLE) && now - h.nextProbeAt() >= 0) {
            TransportConnection t = c.transport();
            String id = c.id + "-probe-" + (h.successfulPongs() + h.probeFailures()) + "-" + (now & 0xffff);
            boolean sent = false;
            if (t != null && !c.finished()) {
                try {
                    String request = probe.request(id);
                    h.probeSent(id, now + settings.probeTimeout().toNanos());
                    sent = true;
                    t.sendText(request);
                } catch (RuntimeException e) {
                    h.probeNotSent();
                    sent = false;
                    log.debug("[{}] {} health probe could not be sent", pool, c.id, e);
                }
            }
            h.nextProbeAt(now + settings.probeInterval().toNanos());
            return sent ? Math.min(h.probeDeadline(), h.nextProbeAt()) : h.nextProbeAt();
        }
        return h.nextProbeAt();
    }

    // ------------------------------------------------------------------------------------------------ endpoints

    /**
     * An open connection of {@code e} failed (missed pongs, or an abnormal close such as a reset). Two such failures
     * with no pong or successful connect from {@code e} in between show the endpoint is the problem (one failure may
     * be the connection's own): it is ejected.
     *
     * @param e    the endpoint
     * @param what what happened, for the log and the endpoint's last failure
     */
    public void connectionFailed(EndpointState e, String what) {
        int failures = e.connectionFailures().incrementAndGet();
        if (failures >= 2 && !e.isDraining() && !shutdown.begun()) {
            EndpointConnectException cause = new EndpointConnectException(e.uri(), failures + " connection(s) failed;"
                    + " last: " + what, 0, null);
            boolean[] ejected = {false};
            if (!budget.tryCount(e, () -> ejected[0] = e.eject(cause))) {
                log.debug("[{}] {} stays in rotation: {} of {} endpoint(s) already out (maxEjectionPercent)", pool, e,
                        budget.out(), budget.limit());
                return;
            }
            if (ejected[0]) {
                endpointUnhealthy(e, Ejection.CONNECTIONS_FAILING, failures + " of its connections failed (" + what
                        + ")", cause);
            }
        }
    }

    /**
     * Failed connects opened {@code e}'s connect breaker.
     *
     * @param e        the endpoint
     * @param failure  the last connect failure
     * @param failures connect failures in a row
     */
    public void connectsFailed(EndpointState e, EndpointConnectException failure, int failures) {
        endpointUnhealthy(e, Ejection.CONNECTS_FAILING, failures + " failed connects in a row (last: "
                + failure.getMessage() + ")", failure);
    }

    /**
     * The one path by which an endpoint becomes unhealthy, whatever the cause: logged, reported, its available
     * connections withdrawn where the cause calls for it, and waiting callers failed at once if no endpoint can serve
     * them any more.
     *
     * @param e      the endpoint, already marked (breaker open, or check failing)
     * @param why    the cause
     * @param detail what happened, for the log
     * @param cause  the failure reported with the event
     */
    public void endpointUnhealthy(EndpointState e, Ejection why, String detail, Throwable cause) {
        log.warn("[{}] {} is unhealthy: {}; {}", pool, e, detail, why.consequence);
        events.endpointHealthChanged(e, false, cause);
        if (why.withdrawsConnections) {
            for (ManagedConnection c : e.connections()) {
                recycler.recycleIfAvailable(c, RecycleReason.UNHEALTHY);
            }
        }
        failWaitersIfNoEndpointUsable.run();
    }

    /**
     * The budget of endpoints out of rotation at once.
     *
     * @return the budget
     */
    public EjectionBudget budget() {
        return budget;
    }

    /**
     * The one path by which an endpoint becomes healthy again (a probe connect succeeded, or its HTTP check passed).
     *
     * @param e the endpoint
     */
    public void endpointHealthy(EndpointState e) {
        events.endpointHealthChanged(e, true, null);
    }

    /**
     * A probe connect to an ejected endpoint once its breaker's open-state wait has passed (the breaker lets one
     * through, half-open): the connection joins the pool if it opens, and the breaker closes.
     *
     * @param e   the endpoint
     * @param now the ticker's time
     * @return when to look again (the outcome of a probe wakes the housekeeper itself)
     */
    public long probeEjected(EndpointState e, long now) {
        if (!e.isEjected() || e.isDraining()) {
            return Long.MAX_VALUE;
        }
        if (e.tryAcquireProbe()) {
            if (connector.probe(e)) {
                return Long.MAX_VALUE;
            }
            e.releaseProbe();
        }
        return now + PROBE_CHECK_NANOS;
    }
}

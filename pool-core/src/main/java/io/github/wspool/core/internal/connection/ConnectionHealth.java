package io.github.wspool.core.internal.connection;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.wspool.core.internal.concurrent.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * What the health monitor keeps about one connection: its keepalive ping schedule and outstanding pong, its
 * application probe in flight, and its circuit breaker. The housekeeper's thread writes the schedule; the transport's
 * thread records pongs and probe replies; both read racily (volatile), and a stale read delays a verdict by one
 * housekeeping pass at most. The rules (when a ping is due, how many missed pongs make a connection unhealthy) are the
 * health monitor's; this class only keeps the record.
 */
public final class ConnectionHealth {

    /** {@link #successesWithoutBreaker()} before the connection opened. */
    public static final int NOT_OPEN = -1;
    /** {@link #successesWithoutBreaker()} once the breaker is made (plus any late increments: still negative). */
    public static final int SEALED = Integer.MIN_VALUE;

    private static final VarHandle SUCCESSES = VarHandles.field(MethodHandles.lookup(), ConnectionHealth.class,
            "successesWithoutBreaker", int.class);


    private volatile long nextPingAt = Long.MAX_VALUE;
    private volatile long lastPingSentAt;
    /** Keepalive pings sent; the last one's number is its payload, which its pong must echo. Housekeeper only. */
    private volatile long pingsSent;
    /** A ping is out and its pong not back yet (housekeeper sets, transport thread clears). */
    private volatile boolean awaitingPong;
    private volatile long pongDeadline;
    /** Consecutive pings that got no pong in time; reset by any pong. */
    private volatile int missedPongs;
    private volatile int successfulPongs;

    /**
     * Reading from the socket is paused because handlers are behind (the inbound queue is full): no pong and no
     * probe reply can be read, so none is judged missing, and no ping or probe is sent (transport thread or a
     * handler's thread writes, the housekeeper reads).
     */
    private volatile boolean readingPaused;

    /** The application probe in flight (its id), or {@code null}; its deadline; failures in a row; next due. */
    private volatile String probeId;
    private volatile long probeDeadline;
    private volatile int probeFailures;
    private volatile long nextProbeAt = Long.MAX_VALUE;

    /** The connection's breaker, made at its first failure; {@code null} until then. Open means unhealthy. */
    private volatile CircuitBreaker breaker;
    /** Successes recorded while {@link #breaker} is {@code null}; {@link #NOT_OPEN} until the connection opened. */
    @SuppressWarnings("FieldMayBeFinal") // written through SUCCESSES
    private volatile int successesWithoutBreaker = NOT_OPEN;

    ConnectionHealth() {
    }

    // ------------------------------------------------------------------------------------------------ keepalive

    /**
     * When the next keepalive ping is due.
     *
     * @return the ticker's time, {@code Long.MAX_VALUE} without keepalive
     */
    public long nextPingAt() {
        return nextPingAt;
    }

    /**
     * Schedules the next keepalive ping.
     *
     * @param at the ticker's time
     */
    public void nextPingAt(long at) {
        nextPingAt = at;
    }

    /**
     * Whether a ping is out whose pong deadline has passed.
     *
     * @param now the ticker's time
     * @return {@code true} if the pong is overdue
     */
    public boolean pongOverdue(long now) {
        return awaitingPong && now - pongDeadline >= 0;
    }

    /**
     * Gives up on the outstanding pong.
     *
     * @return pongs missed in a row, this one included
     */
    public int missPong() {
        awaitingPong = false;
        return ++missedPongs;
    }

    /**
     * Whether the next ping is due: never while one is out (a new ping would push the outstanding pong's deadline
     * forward for ever).
     *
     * @param now the ticker's time
     * @return {@code true} if due
     */
    public boolean pingDue(long now) {
        return !awaitingPong && now - nextPingAt >= 0;
    }

    /**
     * Records a ping about to be sent at {@code now} whose pong must come back by {@code deadline}, before it is
     * sent (a pong may come back at once, on another thread).
     *
     * @param now      the ticker's time
     * @param deadline the pong deadline
     * @return the ping's number, to send as its payload ({@link #pingPayload(long)}): only a pong echoing it answers
     */
    public long pingSent(long now, long deadline) {
        long id = pingsSent + 1;
        pingsSent = id;
        lastPingSentAt = now;
        pongDeadline = deadline;
        awaitingPong = true; // last: publishes the fields above to the transport's thread
        return id;
    }

    /**
     * The application data of keepalive ping number {@code id}: its 8 bytes, big-endian.
     *
     * @param id the ping's number
     * @return a buffer ready to read
     */
    public static ByteBuffer pingPayload(long id) {
        return ByteBuffer.allocate(Long.BYTES).putLong(0, id);
    }

    /**
     * When the housekeeper next needs to look at the keepalive: the next ping, or the pong deadline if sooner.
     *
     * @return the ticker's time
     */
    public long nextKeepaliveLook() {
        return awaitingPong ? Math.min(nextPingAt, pongDeadline) : nextPingAt;
    }

    /**
     * Records a pong if it answers the outstanding ping: it echoes that ping's payload, and the ping has not been
     * answered or given up on. Then the missed count starts over. Any other pong (unsolicited, answering an earlier
     * ping, or a second answer) changes nothing.
     *
     * @param payload the pong's application data (its position is left unchanged)
     * @return whether it answered the outstanding ping; {@link #lastPingSentAt()} then tells when that was sent
     */
    public boolean pongReceived(ByteBuffer payload) {
        if (!awaitingPong || payload.remaining() != Long.BYTES
                || payload.getLong(payload.position()) != pingsSent) {
            return false;
        }
        awaitingPong = false;
        missedPongs = 0;
        successfulPongs++;
        return true;
    }

    /**
     * Whether reading is paused for slow handlers (see {@link #readingPaused(boolean, long, long, long)}).
     *
     * @return {@code true} while paused
     */
    public boolean readingPaused() {
        return readingPaused;
    }

    /**
     * Reading from the socket stopped because handlers are behind, or went on again. A pong or probe reply cannot be
     * read while reading is paused, so its deadline counts only from when reading went on: on resumption, the
     * outstanding ping's pong deadline and the probe's deadline become at least {@code now} plus their timeouts.
     * The deadlines are moved before the flag is cleared, so that a housekeeper that sees reading going on sees the
     * moved deadlines too.
     *
     * @param paused             whether reading is paused from now on
     * @param now                the ticker's time
     * @param pongTimeoutNanos   the pong timeout
     * @param probeTimeoutNanos  the probe timeout
     */
    public void readingPaused(boolean paused, long now, long pongTimeoutNanos, long probeTimeoutNanos) {
        if (paused) {
            readingPaused = true;
            return;
        }
        if (awaitingPong && pongDeadline - (now + pongTimeoutNanos) < 0) {
            pongDeadline = now + pongTimeoutNanos;
        }
        if (probeId != null && probeDeadline - (now + probeTimeoutNanos) < 0) {
            probeDeadline = now + probeTimeoutNanos;
        }
        readingPaused = false;
    }

    /**
     * When the last keepalive ping was sent.
     *
     * @return the ticker's time
     */
    public long lastPingSentAt() {
        return lastPingSentAt;
    }

    /**
     * Pongs received so far.
     *
     * @return the count
     */
    public int successfulPongs() {
        return successfulPongs;
    }

    // ------------------------------------------------------------------------------------------------ probes

    /**
     * The id of the application probe in flight.
     *
     * @return the id, or {@code null}
     */
    public String probeInFlight() {
        return probeId;
    }

    /**
     * When the probe in flight must be answered.
     *
     * @return the ticker's time
     */
    public long probeDeadline() {
        return probeDeadline;
    }

    /**
     * Records a probe sent.
     *
     * @param id       its id
     * @param deadline when its reply is due
     */
    public void probeSent(String id, long deadline) {
        probeDeadline = deadline;
        probeId = id;
    }

    /** The probe could not be sent: nothing is in flight. */
    public void probeNotSent() {
        probeId = null;
    }

    /** The probe in flight was answered: failures start over. */
    public void probeAnswered() {
        probeId = null;
        probeFailures = 0;
    }

    /**
     * The probe in flight got no reply in time.
     *
     * @return probes failed in a row, this one included
     */
    public int probeTimedOut() {
        probeId = null;
        return ++probeFailures;
    }

    /**
     * Probes failed in a row.
     *
     * @return the count
     */
    public int probeFailures() {
        return probeFailures;
    }

    /**
     * When the next application probe is due.
     *
     * @return the ticker's time, {@code Long.MAX_VALUE} without probes
     */
    public long nextProbeAt() {
        return nextProbeAt;
    }

    /**
     * Schedules the next application probe.
     *
     * @param at the ticker's time
     */
    public void nextProbeAt(long at) {
        nextProbeAt = at;
    }

    // ------------------------------------------------------------------------------------------------ breaker

    /**
     * The connection's circuit breaker.
     *
     * @return the breaker, or {@code null} before its first failure
     */
    public CircuitBreaker breaker() {
        return breaker;
    }

    /**
     * Publishes the breaker (once, under this object's monitor).
     *
     * @param b the breaker
     */
    public void breaker(CircuitBreaker b) {
        breaker = b;
    }

    /**
     * Successes counted while there is no breaker.
     *
     * @return the count, {@link #NOT_OPEN} before the open, negative once sealed
     */
    public int successesWithoutBreaker() {
        return successesWithoutBreaker;
    }

    /** The connection opened: successes count from zero. */
    public void startCounting() {
        successesWithoutBreaker = 0;
    }

    /**
     * Counts one success.
     *
     * @return the count before this one (negative once sealed: the success must go to the breaker)
     */
    public int countSuccess() {
        return (int) SUCCESSES.getAndAdd(this, 1);
    }

    /**
     * Seals the count: from now on successes go to the breaker.
     *
     * @return the count sealed
     */
    public int seal() {
        return (int) SUCCESSES.getAndSet(this, SEALED);
    }
}

package io.github.wspool.metrics;

import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.PoolListener;
import io.github.wspool.event.AcquireEvent;
import io.github.wspool.event.AcquireFailureEvent;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.ConnectionStateChange;
import io.github.wspool.event.MessageDroppedEvent;
import io.github.wspool.event.MessageUndeliveredEvent;
import io.github.wspool.event.PongEvent;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.ReleaseEvent;
import io.github.wspool.event.RequestEvent;
import io.github.wspool.event.SendRejectedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the admin server knows about individual connections and event rates, learnt as a {@link PoolListener}: the
 * public API has no "connection by id" lookup, so the server follows the pool's events from the moment it starts.
 * Connections that did not change state since then are unknown to it (see {@code PoolAdminServer}'s notes).
 *
 * <p>Every callback is a few counter increments or one map write: they run on the pool's and the callers' threads.
 * Ended connections (CLOSED, FAILED) are kept for {@link #RETAIN_ENDED_MILLIS} so that an operator can still look one
 * up; the table is bounded ({@link #MAX_TRACKED}).
 */
final class ConnectionTracker implements PoolListener {

    /** How long a closed or failed connection stays visible. */
    static final long RETAIN_ENDED_MILLIS = 60_000;
    /** Hard bound on the table; the oldest ended connections are dropped first, then the oldest of all. */
    static final int MAX_TRACKED = 50_000;
    /** Acquire-wait histogram: bucket i counts waits below 2^i microseconds (the last one: everything longer). */
    static final int WAIT_BUCKETS = 32;

    /** One connection as seen through events. Fields are written by the pool's threads and read by the server's. */
    static final class Conn {
        final String id;
        final Endpoint endpoint;
        final long firstSeenMillis;
        volatile ConnectionState state;
        volatile long stateSinceMillis;
        volatile long connectNanos = -1;
        /** When its connect completed (or failed), wall clock; 0 if that was before the server started. */
        volatile long connectedAtMillis;
        volatile long lastRoundTripNanos = -1;
        volatile String recycleReason;
        final AtomicInteger leases = new AtomicInteger();

        Conn(String id, Endpoint endpoint, ConnectionState state, long now) {
            this.id = id;
            this.endpoint = endpoint;
            this.firstSeenMillis = now;
            this.state = state;
            this.stateSinceMillis = now;
        }
    }

    private final ConcurrentHashMap<String, Conn> byId = new ConcurrentHashMap<>();
    private final AtomicInteger sweepCountdown = new AtomicInteger(256);

    final LongAdder acquires = new LongAdder();
    final LongAdder acquireFailures = new LongAdder();
    final LongAdder connects = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder recycles = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder requestFailures = new LongAdder();
    final LongAdder undelivered = new LongAdder();
    final LongAdder sendsRejected = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final AtomicLongArray acquireWaitBuckets = new AtomicLongArray(WAIT_BUCKETS);

    /** A connection seen since the server started, if it is still remembered. */
    Optional<Conn> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The remembered connections, newest first, at most {@code limit}. */
    List<Conn> list(int limit) {
        List<Conn> all = new ArrayList<>(byId.values());
        all.sort(Comparator.comparingLong((Conn c) -> c.firstSeenMillis).reversed().thenComparing(c -> c.id));
        return all.size() <= limit ? all : all.subList(0, limit);
    }

    int size() {
        return byId.size();
    }

    /** Errors of all kinds so far: failed acquires and connects, failed requests, undelivered and rejected sends. */
    long errors() {
        return acquireFailures.sum() + connectFailures.sum() + requestFailures.sum() + undelivered.sum()
                + sendsRejected.sum();
    }

    long[] acquireWaitHistogram() {
        long[] h = new long[WAIT_BUCKETS];
        for (int i = 0; i < WAIT_BUCKETS; i++) {
            h[i] = acquireWaitBuckets.get(i);
        }
        return h;
    }

    /**
     * The 99th percentile of a histogram's counts (as the upper bound of its bucket), in milliseconds.
     *
     * @return the p99, or {@code -1} when the histogram is empty
     */
    static double p99Millis(long[] counts) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(total * 0.99);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return (1L << i) / 1000.0;
            }
        }
        return (1L << (counts.length - 1)) / 1000.0;
    }

    static int waitBucket(Duration waited) {
        long micros = Math.max(0, waited.toNanos() / 1000);
        int bucket = 64 - Long.numberOfLeadingZeros(micros); // 0 µs -> 0, 1 -> 1, 2..3 -> 2, ...
        return Math.min(bucket, WAIT_BUCKETS - 1);
    }

    private Conn conn(String id, Endpoint endpoint, ConnectionState initial) {
        Conn c = byId.get(id);
        if (c != null) {
            return c;
        }
        if (sweepCountdown.decrementAndGet() <= 0 || byId.size() >= MAX_TRACKED) {
            sweepCountdown.set(256);
            sweep(System.currentTimeMillis());
        }
        return byId.computeIfAbsent(id, k -> new Conn(k, endpoint, initial, System.currentTimeMillis()));
    }

    /** Forgets ended connections older than the retention, and the oldest ones while over the bound. */
    void sweep(long now) {
        for (Iterator<Conn> it = byId.values().iterator(); it.hasNext(); ) {
            Conn c = it.next();
            if (!c.state.holdsSlot() && now - c.stateSinceMillis > RETAIN_ENDED_MILLIS) {
                it.remove();
            }
        }
        if (byId.size() >= MAX_TRACKED) {
            List<Conn> all = new ArrayList<>(byId.values());
            all.sort(Comparator.comparing((Conn c) -> c.state.holdsSlot()).thenComparingLong(c -> c.stateSinceMillis));
            for (int i = 0; i < all.size() - MAX_TRACKED + MAX_TRACKED / 10; i++) {
                byId.remove(all.get(i).id);
            }
        }
    }

    @Override
    public void onStateChange(ConnectionStateChange event) {
        Conn c = conn(event.connectionId(), event.endpoint(), event.to());
        c.state = event.to();
        c.stateSinceMillis = System.currentTimeMillis();
    }

    @Override
    public void onConnect(ConnectEvent event) {
        connects.increment();
        if (!event.succeeded()) {
            connectFailures.increment();
        }
        if (event.connectionId() != null) {
            Conn c = conn(event.connectionId(), event.endpoint(),
                    event.succeeded() ? ConnectionState.READY : ConnectionState.FAILED);
            c.connectNanos = event.duration() == null ? -1 : event.duration().toNanos();
            c.connectedAtMillis = System.currentTimeMillis();
        }
    }

    @Override
    public void onAcquire(AcquireEvent event) {
        acquires.increment();
        acquireWaitBuckets.incrementAndGet(waitBucket(event.waited()));
        conn(event.connectionId(), event.endpoint(), ConnectionState.ACTIVE).leases.incrementAndGet();
    }

    @Override
    public void onAcquireFailure(AcquireFailureEvent event) {
        acquireFailures.increment();
        acquireWaitBuckets.incrementAndGet(waitBucket(event.waited()));
    }

    @Override
    public void onRelease(ReleaseEvent event) {
        // the state change that follows says where the connection went
    }

    @Override
    public void onRecycle(RecycleEvent event) {
        recycles.increment();
        conn(event.connectionId(), event.endpoint(), ConnectionState.RECYCLING).recycleReason =
                event.reason().tagValue();
    }

    @Override
    public void onPong(PongEvent event) {
        Conn c = byId.get(event.connectionId());
        if (c != null) {
            c.lastRoundTripNanos = event.roundTrip().toNanos();
        }
    }

    @Override
    public void onRequest(RequestEvent event) {
        requests.increment();
        if (event.outcome() != RequestEvent.Outcome.REPLIED) {
            requestFailures.increment();
        }
    }

    @Override
    public void onMessageDropped(MessageDroppedEvent event) {
        dropped.increment();
    }

    @Override
    public void onSendRejected(SendRejectedEvent event) {
        sendsRejected.increment();
    }

    @Override
    public void onMessageUndelivered(MessageUndeliveredEvent event) {
        undelivered.increment();
    }
}

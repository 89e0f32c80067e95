package io.github.wspool.core.internal.session;

import io.github.wspool.InboundMessage;
import io.github.wspool.MessageHandler;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PooledConnection;
import io.github.wspool.Subscription;
import io.github.wspool.SubscriptionListener;
import io.github.wspool.SubscriptionOptions;
import io.github.wspool.SubscriptionProtocol;
import io.github.wspool.SubscriptionRefusedException;
import io.github.wspool.SubscriptionState;
import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.event.SubscriptionEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's subscriptions: where each is placed, and how it survives the connection that carries it.
 *
 * <h2>Placement</h2>
 * Channels are carried by {@link Carrier}s: leases this room holds on ordinary pool connections. Every subscription
 * with the same affinity key (none counts as one key) shares the current carrier for that key; the first subscription
 * of a key acquires it (through the pool's acquire, without blocking a thread), and the last one to close releases it.
 *
 * <h2>Recovery</h2>
 * <ul>
 *   <li><b>The connection ends</b> (closed by the server, failed, a send on it failed, no acknowledgement within
 *       {@code subscribeTimeout}): every subscription on it goes RECOVERING and is placed again, on a new carrier,
 *       with a subscribe from its last accepted position; the server replays the rest. A placement that fails again
 *       is retried with a growing, jittered delay, for as long as the pool is open.</li>
 *   <li><b>The pool wants the connection back</b> (its lifetime passed, its server is draining, it is soft-evicted):
 *       the carrier retires. Its subscriptions stay ACTIVE and are placed on a successor first; each one's
 *       unsubscribe goes to the old connection only once the successor acknowledged it, and the old lease is
 *       released once the last has moved. Meanwhile both connections may deliver; {@link PoolSubscription} drops the
 *       overlap as duplicates.</li>
 * </ul>
 * The lock guards placement only (carriers, their subscription sets, subscriptions' carrier fields); no I/O, acquire
 * or listener call runs under it.
 */
public final class Subscriptions {

    private static final Logger log = LoggerFactory.getLogger(Subscriptions.class);

    private final String pool;
    private final SessionSettings settings;
    private final SubscriptionProtocol protocol;
    private final CarrierSource source;
    private final PoolScheduler scheduler;
    private final PoolEvents events;
    private final long subscribeTimeoutNanos;

    private final ReentrantLock lock = new ReentrantLock();
    /** Open subscriptions by channel. */
    private final Map<String, PoolSubscription> byChannel = new ConcurrentHashMap<>();
    /** The current carrier of each affinity key (guarded by {@link #lock}). */
    private final Map<String, Carrier> current = new HashMap<>();
    /** Acquired carriers by connection id, for the engine's "closed" and "retiring" news. */
    private final Map<String, Carrier> byConnection = new ConcurrentHashMap<>();
    private final AtomicLong messageIds = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param pool      the pool's name
     * @param settings  protocol, store, timeouts
     * @param source    acquires carriers
     * @param scheduler runs acknowledgement timeouts and retries
     * @param events    subscription events
     */
    public Subscriptions(String pool, SessionSettings settings, CarrierSource source, PoolScheduler scheduler,
                         PoolEvents events) {
        this.pool = pool;
        this.settings = settings;
        this.protocol = settings.protocol();
        this.source = source;
        this.scheduler = scheduler;
        this.events = events;
        this.subscribeTimeoutNanos = settings.subscribeTimeout().toNanos();
    }

    // ------------------------------------------------------------------------------------------------ application

    /**
     * {@code pool.subscribe(...)}.
     *
     * @param channel  not blank
     * @param options  start position, affinity
     * @param listener receives the messages
     * @return the subscription, SUBSCRIBING
     */
    public Subscription subscribe(String channel, SubscriptionOptions options, SubscriptionListener listener) {
        Objects.requireNonNull(channel, "channel must not be null");
        Objects.requireNonNull(options, "options must not be null");
        Objects.requireNonNull(listener, "listener must not be null");
        if (channel.isBlank()) {
            throw new IllegalArgumentException("channel must not be blank, but was '" + channel + "'");
        }
        if (closed) {
            throw new PoolClosedException(pool);
        }
        long start = options.since();
        if (start < 0) {
            OptionalLong stored = loadPosition(channel);
            start = stored.isPresent() ? stored.getAsLong() : -1;
        }
        String key = options.affinityKey() != null ? options.affinityKey() : "";
        PoolSubscription sub = new PoolSubscription(channel, key, start, listener, this);
        PoolSubscription existing = byChannel.putIfAbsent(channel, sub);
        if (existing != null) {
            throw new IllegalStateException("pool '" + pool + "' already has an open subscription to channel '"
                    + channel + "' (" + existing + "): close it first, or share that Subscription");
        }
        if (closed) { // the pool closed meanwhile: it may not have seen this one
            byChannel.remove(channel, sub);
            sub.markClosed();
            throw new PoolClosedException(pool);
        }
        log.debug("[{}] subscribing to '{}'{}", pool, channel, start >= 0 ? " after position " + start : "");
        place(sub);
        return sub;
    }

    /** {@code Subscription.close()}: unsubscribe, stop delivery, forget the position. */
    void close(PoolSubscription sub) {
        if (!sub.markClosed()) {
            return;
        }
        byChannel.remove(sub.channel, sub);
        Carrier carrier;
        List<Carrier> emptied = new ArrayList<>(2);
        lock.lock();
        try {
            carrier = sub.carrier;
            sub.carrier = null;
            leave(sub, carrier, emptied);
            for (Carrier c : current.values()) {
                leave(sub, c, emptied); // also the carrier it is moving away from, if any
            }
            for (Carrier c : byConnection.values()) {
                leave(sub, c, emptied);
            }
        } finally {
            lock.unlock();
        }
        if (carrier != null && carrier.lease != null) {
            sendQuietly(carrier, protocol.unsubscribe(sub.channel, nextMessageId()));
        }
        for (Carrier c : emptied) {
            release(c);
        }
        try {
            settings.store().remove(pool, sub.channel);
        } catch (RuntimeException e) {
            log.warn("[{}] session store failed to forget channel '{}'", pool, sub.channel, e);
        }
        events.subscription(sub.channel, SubscriptionEvent.Kind.CLOSED, null, sub.position(), false, -1, -1);
        log.debug("[{}] unsubscribed from '{}' at position {}", pool, sub.channel, sub.position());
    }

    /** Takes {@code sub} off {@code c}; adds {@code c} to {@code emptied} if that was its last (lock held). */
    private void leave(PoolSubscription sub, Carrier c, List<Carrier> emptied) {
        if (c != null && c.subscriptions.remove(sub) && c.subscriptions.isEmpty() && !c.ended) {
            c.ended = true;
            current.remove(c.key, c);
            emptied.add(c);
        }
    }

    /**
     * Live count of subscriptions in one state.
     *
     * @param state the state
     * @return the count
     */
    public int count(SubscriptionState state) {
        int n = 0;
        for (PoolSubscription s : byChannel.values()) {
            if (s.state() == state) {
                n++;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------------ placement

    /** Puts {@code sub} on its key's current carrier (acquiring one if there is none) and subscribes there. */
    private void place(PoolSubscription sub) {
        if (closed || sub.isClosed()) {
            return;
        }
        Carrier carrier;
        boolean acquire = false;
        boolean ready;
        lock.lock();
        try {
            carrier = current.get(sub.affinityKey);
            if (carrier == null || !carrier.usable()) {
                carrier = new Carrier(sub.affinityKey);
                current.put(sub.affinityKey, carrier);
                acquire = true;
            }
            carrier.subscriptions.add(sub);
            sub.carrier = carrier;
            ready = carrier.lease != null;
        } finally {
            lock.unlock();
        }
        if (acquire) {
            acquire(carrier);
        } else if (ready) {
            subscribe(carrier, sub);
        } // else the acquire in flight subscribes it when it completes
    }

    private void acquire(Carrier carrier) {
        CompletableFuture<PooledConnection> lease;
        try {
            lease = source.acquire(carrier.key.isEmpty() ? null : carrier.key);
        } catch (RuntimeException e) {
            lease = CompletableFuture.failedFuture(e);
        }
        lease.whenComplete((l, failure) -> {
            if (failure != null) {
                acquireFailed(carrier, failure);
            } else {
                acquired(carrier, l);
            }
        });
    }

    private void acquired(Carrier carrier, PooledConnection lease) {
        List<PoolSubscription> toSubscribe;
        lock.lock();
        try {
            if (closed || carrier.ended) {
                toSubscribe = null;
            } else {
                carrier.lease = lease;
                carrier.connectionId = lease.id();
                byConnection.put(lease.id(), carrier);
                toSubscribe = new ArrayList<>(carrier.subscriptions);
            }
        } finally {
            lock.unlock();
        }
        if (toSubscribe == null) {
            lease.close();
            return;
        }
        try {
            lease.onMessage(m -> inbound(carrier, m)); // before the first subscribe: its acknowledgement comes here
        } catch (IllegalStateException released) {
            carrierLost(carrier, "it was released");
            return;
        }
        log.debug("[{}] {} carries {} subscription(s)", pool, carrier, toSubscribe.size());
        if (!lease.isOpen()) { // it closed before the handler was attached: the engine's news may have come first
            carrierLost(carrier, "its connection closed");
            return;
        }
        for (PoolSubscription sub : toSubscribe) {
            subscribe(carrier, sub);
        }
    }

    private void acquireFailed(Carrier carrier, Throwable failure) {
        List<PoolSubscription> orphans = end(carrier);
        if (orphans.isEmpty()) {
            return;
        }
        log.warn("[{}] no connection for {} subscription(s) ({}); retrying", pool, orphans.size(),
                describe(failure));
        for (PoolSubscription sub : orphans) {
            retryLater(sub);
        }
    }

    /** Sends the subscribe for {@code sub} on {@code carrier} and arms its acknowledgement timeout. */
    private void subscribe(Carrier carrier, PoolSubscription sub) {
        PooledConnection lease = carrier.lease;
        if (lease == null || sub.isClosed()) {
            return;
        }
        String id = nextMessageId();
        carrier.pendingAcks.put(id, sub);
        String message = protocol.subscribe(sub.channel, id, sub.since());
        scheduler.schedule(() -> acknowledgementDue(carrier, sub, id), subscribeTimeoutNanos);
        CompletableFuture<Void> sent;
        try {
            sent = lease.sendAsync(message);
        } catch (RuntimeException released) { // released meanwhile: the carrier ended
            carrier.pendingAcks.remove(id, sub);
            carrierLost(carrier, "it was released");
            return;
        }
        sent.whenComplete((ok, failure) -> {
            if (failure != null) {
                carrier.pendingAcks.remove(id, sub);
                carrierLost(carrier, "a subscribe could not be sent (" + describe(failure) + ")");
            }
        });
    }

    private void acknowledgementDue(Carrier carrier, PoolSubscription sub, String id) {
        if (carrier.pendingAcks.remove(id, sub)) {
            log.warn("[{}] no acknowledgement of the subscribe to '{}' on {} within {} ms: giving the connection up",
                    pool, sub.channel, carrier, settings.subscribeTimeout().toMillis());
            PooledConnection lease = carrier.lease;
            if (lease != null) {
                try {
                    lease.invalidate(); // a server that does not answer is not trusted with the other channels
                } catch (IllegalStateException alreadyReleased) {
                    // the carrier ended meanwhile
                }
            }
            carrierLost(carrier, "no acknowledgement within subscribeTimeout");
        }
    }

    private void retryLater(PoolSubscription sub) {
        int failures;
        lock.lock();
        try {
            failures = ++sub.failedPlacements;
        } finally {
            lock.unlock();
        }
        long minNanos = settings.retryMin().toNanos();
        long maxNanos = settings.retryMax().toNanos();
        long bound = Math.min(maxNanos, minNanos << Math.min(failures - 1, 20));
        long delay = bound / 2 + ThreadLocalRandom.current().nextLong(bound / 2 + 1); // jitter in [bound/2, bound]
        scheduler.schedule(() -> place(sub), delay);
    }

    // ------------------------------------------------------------------------------------------------ inbound

    /** A message on a carrier: an acknowledgement, data, a refusal, or something for the pool's handler. */
    private void inbound(Carrier carrier, InboundMessage m) {
        SubscriptionProtocol.Inbound in;
        try {
            in = protocol.classify(m);
        } catch (RuntimeException e) {
            log.warn("[{}] subscription protocol {} threw classifying a message on {}", pool, protocol, carrier, e);
            in = SubscriptionProtocol.Other.INSTANCE;
        }
        if (in instanceof SubscriptionProtocol.Data d) {
            PoolSubscription sub = byChannel.get(d.channel());
            if (sub != null) {
                sub.offer(d.position(), d.payload(), m.connectionId());
            } else if (log.isDebugEnabled()) {
                log.debug("[{}] data for channel '{}' (position {}) with no open subscription dropped", pool,
                        d.channel(), d.position());
            }
        } else if (in instanceof SubscriptionProtocol.Ack a) {
            PoolSubscription sub = carrier.pendingAcks.remove(a.messageId());
            if (sub != null) {
                acknowledged(carrier, sub, a.recovered());
            }
        } else if (in instanceof SubscriptionProtocol.Refusal r) {
            PoolSubscription sub = carrier.pendingAcks.remove(r.messageId());
            if (sub != null) {
                refused(carrier, sub, r.error());
            }
        } else {
            MessageHandler handler = settings.poolHandler();
            if (handler != null) {
                handler.onMessage(m);
            } else if (log.isDebugEnabled()) {
                log.debug("[{}] {} on {} is not a subscription's and there is no pool handler: dropped", pool, m,
                        carrier);
            }
        }
    }

    private void acknowledged(Carrier carrier, PoolSubscription sub, boolean recovered) {
        List<Carrier> emptied = new ArrayList<>(1);
        List<Carrier> leftBehind = new ArrayList<>(1);
        lock.lock();
        try {
            if (sub.carrier != carrier) {
                return; // a late acknowledgement from a carrier it already left
            }
            sub.failedPlacements = 0;
            sub.acknowledgedBy = carrier;
            for (Carrier c : byConnection.values()) {
                if (c != carrier && c.subscriptions.contains(sub)) {
                    leftBehind.add(c); // moved here from a retiring carrier: let that one go
                    leave(sub, c, emptied);
                }
            }
        } finally {
            lock.unlock();
        }
        Boolean first = sub.acknowledged(recovered);
        if (first == null) {
            return;
        }
        for (Carrier old : leftBehind) {
            if (!emptied.contains(old)) {
                sendQuietly(old, protocol.unsubscribe(sub.channel, nextMessageId()));
            }
        }
        for (Carrier old : emptied) {
            release(old);
        }
        if (first) {
            events.subscription(sub.channel, SubscriptionEvent.Kind.SUBSCRIBED, carrier.connectionId, sub.position(),
                    recovered, -1, -1);
            log.debug("[{}] subscribed to '{}' on {}", pool, sub.channel, carrier);
        } else {
            events.subscription(sub.channel, SubscriptionEvent.Kind.RESUBSCRIBED, carrier.connectionId,
                    sub.position(), recovered, -1, -1);
            log.debug("[{}] re-subscribed to '{}' on {} (recovered: {})", pool, sub.channel, carrier, recovered);
        }
    }

    private void refused(Carrier carrier, PoolSubscription sub, String error) {
        SubscriptionRefusedException refusal = new SubscriptionRefusedException("Pool '" + pool + "': the server ("
                + carrier + ") refused the subscription to channel '" + sub.channel + "': " + error, sub.channel,
                error);
        if (!sub.markClosed()) {
            return;
        }
        byChannel.remove(sub.channel, sub);
        List<Carrier> emptied = new ArrayList<>(1);
        lock.lock();
        try {
            sub.carrier = null;
            leave(sub, carrier, emptied);
        } finally {
            lock.unlock();
        }
        for (Carrier c : emptied) {
            release(c);
        }
        log.warn("[{}] {}", pool, refusal.getMessage());
        events.subscription(sub.channel, SubscriptionEvent.Kind.REFUSED, carrier.connectionId, sub.position(), false,
                -1, -1);
        sub.notifyClosed(refusal);
    }

    // ------------------------------------------------------------------------------------------------ engine news

    /**
     * A connection closed: if it carried subscriptions, they recover elsewhere.
     *
     * @param connectionId the connection
     */
    public void connectionClosed(String connectionId) {
        Carrier carrier = byConnection.get(connectionId);
        if (carrier != null) {
            carrierLost(carrier, "its connection closed");
        }
    }

    /**
     * The pool wants a connection back (lifetime, drain, soft-evict): if it carries subscriptions, they move to a
     * successor first, and then it is released.
     *
     * @param connectionId the connection
     */
    public void connectionRetiring(String connectionId) {
        Carrier carrier = byConnection.get(connectionId);
        if (carrier == null) {
            return;
        }
        List<PoolSubscription> moving;
        lock.lock();
        try {
            if (carrier.ended || carrier.retiring) {
                return;
            }
            carrier.retiring = true;
            current.remove(carrier.key, carrier);
            moving = new ArrayList<>(carrier.subscriptions);
        } finally {
            lock.unlock();
        }
        log.debug("[{}] {} is retiring: moving {} subscription(s)", pool, carrier, moving.size());
        for (PoolSubscription sub : moving) {
            place(sub); // stays on the old carrier too until the successor acknowledges
        }
    }

    /** The carrier is gone: its subscriptions recover on a new one. */
    private void carrierLost(Carrier carrier, String why) {
        List<PoolSubscription> orphans = end(carrier);
        if (orphans.isEmpty() || closed) {
            return;
        }
        log.info("[{}] {} lost ({}): re-subscribing {} channel(s) elsewhere", pool, carrier, why, orphans.size());
        for (PoolSubscription sub : orphans) {
            if (sub.moveTo(SubscriptionState.RECOVERING) == null) {
                continue;
            }
            events.subscription(sub.channel, SubscriptionEvent.Kind.RECOVERING, carrier.connectionId, sub.position(),
                    false, -1, -1);
            boolean retry;
            lock.lock();
            try {
                retry = sub.failedPlacements > 0 || sub.acknowledgedBy != carrier; // lost before it worked
            } finally {
                lock.unlock();
            }
            if (retry) {
                retryLater(sub);
            } else {
                place(sub); // the first recovery after a working connection: at once
            }
        }
    }

    /**
     * Ends a carrier: no new channels, out of the tables, its lease released.
     *
     * @return the subscriptions it carried (whose carrier it was); empty if it had ended already
     */
    private List<PoolSubscription> end(Carrier carrier) {
        List<PoolSubscription> orphans = new ArrayList<>();
        lock.lock();
        try {
            if (carrier.ended) {
                return orphans;
            }
            carrier.ended = true;
            current.remove(carrier.key, carrier);
            for (PoolSubscription sub : carrier.subscriptions) {
                if (sub.carrier == carrier) {
                    sub.carrier = null;
                    orphans.add(sub);
                }
            }
            carrier.subscriptions.clear();
        } finally {
            lock.unlock();
        }
        carrier.pendingAcks.clear();
        release(carrier);
        return orphans;
    }

    private void release(Carrier carrier) {
        String id = carrier.connectionId;
        if (id != null) {
            byConnection.remove(id, carrier);
        }
        PooledConnection lease = carrier.lease;
        if (lease != null) {
            lease.close(); // idempotent; with pooling off (or a retiring connection) this closes it, flushing first
        }
    }

    // ------------------------------------------------------------------------------------------------ from PoolSubscription

    void delivered(PoolSubscription sub, long position) {
        try {
            settings.store().save(pool, sub.channel, position);
        } catch (RuntimeException e) {
            log.warn("[{}] session store failed to save position {} of channel '{}'", pool, position, sub.channel, e);
        }
    }

    void duplicateDropped(PoolSubscription sub, long position, String connectionId) {
        log.trace("[{}] duplicate of '{}' at position {} dropped", pool, sub.channel, position);
        events.subscription(sub.channel, SubscriptionEvent.Kind.DUPLICATE_DROPPED, connectionId, position, false, -1,
                -1);
    }

    void gap(PoolSubscription sub, long from, long to, String connectionId) {
        log.warn("[{}] channel '{}': positions {}..{} could not be recovered ({} message(s) missed)", pool, sub.channel,
                from, to, to - from + 1);
        events.subscription(sub.channel, SubscriptionEvent.Kind.GAP, connectionId, sub.position(), false, from, to);
    }

    void listenerFailed(PoolSubscription sub, Throwable t) {
        log.error("[{}] subscription listener of channel '{}' threw; the message counts as delivered", pool,
                sub.channel, t);
    }

    // ------------------------------------------------------------------------------------------------ close

    /** The pool is closing: every subscription ends (positions stay in the store), every carrier is released. */
    public void close() {
        closed = true;
        List<Carrier> carriers = new ArrayList<>();
        lock.lock();
        try {
            for (Carrier c : current.values()) {
                c.ended = true;
                carriers.add(c);
            }
            for (Carrier c : byConnection.values()) {
                c.ended = true;
                if (!carriers.contains(c)) {
                    carriers.add(c);
                }
            }
            current.clear();
        } finally {
            lock.unlock();
        }
        for (Carrier c : carriers) {
            release(c);
        }
        PoolClosedException closedException = new PoolClosedException(pool);
        for (PoolSubscription sub : byChannel.values()) {
            if (sub.markClosed()) {
                events.subscription(sub.channel, SubscriptionEvent.Kind.CLOSED, null, sub.position(), false, -1, -1);
                sub.notifyClosed(closedException);
            }
        }
        byChannel.clear();
    }

    private OptionalLong loadPosition(String channel) {
        try {
            OptionalLong p = settings.store().load(pool, channel);
            return p != null ? p : OptionalLong.empty();
        } catch (RuntimeException e) {
            log.warn("[{}] session store failed to load the position of channel '{}'; starting live", pool, channel,
                    e);
            return OptionalLong.empty();
        }
    }

    private void sendQuietly(Carrier carrier, String message) {
        PooledConnection lease = carrier.lease;
        if (lease == null) {
            return;
        }
        try {
            lease.sendAsync(message); // best effort: a connection that is gone needs no unsubscribe
        } catch (RuntimeException released) {
            // released meanwhile
        }
    }

    private String nextMessageId() {
        return "sub-" + messageIds.incrementAndGet();
    }

    private static String describe(Throwable t) {
        Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
}

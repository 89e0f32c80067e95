package io.github.wspool.metrics;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.MessageNotSentException;
import io.github.wspool.PoolListener;
import io.github.wspool.SubscriptionState;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.AcquireEvent;
import io.github.wspool.event.AcquireFailureEvent;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.ConnectFailureCause;
import io.github.wspool.event.EndpointEvent;
import io.github.wspool.event.MessageDroppedEvent;
import io.github.wspool.event.MessageUndeliveredEvent;
import io.github.wspool.event.PongEvent;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.RecycleReason;
import io.github.wspool.event.ReleaseEvent;
import io.github.wspool.event.RequestEvent;
import io.github.wspool.event.SendEvent;
import io.github.wspool.event.SendRejectedEvent;
import io.github.wspool.event.SubscriptionEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link WebSocketPool} to a Micrometer {@link MeterRegistry}:
 * <pre>{@code
 * new WebSocketPoolMetrics(pool).bindTo(registry);
 * }</pre>
 *
 * <table>
 *   <caption>Meters (every one tagged {@code pool=<name>} plus the extra tags given)</caption>
 *   <tr><th>name</th><th>type</th><th>more tags</th><th>meaning</th></tr>
 *   <tr><td>{@code wspool.connections}</td><td>gauge</td><td>{@code state}</td><td>connections in each lifecycle state
 *       (one gauge per state, lower-case name)</td></tr>
 *   <tr><td>{@code wspool.connections.pending}</td><td>gauge</td><td></td><td>acquirers waiting</td></tr>
 *   <tr><td>{@code wspool.connections.max}, {@code wspool.connections.min}</td><td>gauge</td><td></td><td>configured
 *       bounds</td></tr>
 *   <tr><td>{@code wspool.acquire}</td><td>timer</td><td></td><td>wait time of successful acquires</td></tr>
 *   <tr><td>{@code wspool.acquire.timeouts}</td><td>counter</td><td></td><td>acquires that timed out</td></tr>
 *   <tr><td>{@code wspool.lease}</td><td>timer</td><td></td><td>how long leases were held</td></tr>
 *   <tr><td>{@code wspool.connect}</td><td>timer</td><td>{@code endpoint}, {@code outcome}</td><td>handshake duration,
 *       {@code outcome} = {@code success} / {@code failure}</td></tr>
 *   <tr><td>{@code wspool.connect.failures}</td><td>counter</td><td>{@code endpoint}, {@code cause}</td><td>failed
 *       connects by {@link ConnectFailureCause}: {@code refused}, {@code timeout}, {@code tls},
 *       {@code handshake-rejected}, {@code proxy}, {@code dns}, {@code local}, {@code initializer}, {@code other}
 *       (every cause
 *       registered at 0 when the endpoint is)</td></tr>
 *   <tr><td>{@code wspool.recycled}</td><td>counter</td><td>{@code reason}</td><td>connections recycled, by reason
 *       ({@code idle}, {@code lifetime}, {@code unhealthy}, {@code peer-closed}, {@code error}, …)</td></tr>
 *   <tr><td>{@code wspool.endpoint.healthy}</td><td>gauge</td><td>{@code endpoint}</td><td>1 healthy, 0 not</td></tr>
 *   <tr><td>{@code wspool.ping.rtt}</td><td>timer</td><td>{@code endpoint}</td><td>keepalive round-trip time</td></tr>
 *   <tr><td>{@code wspool.endpoint.breaker.state}</td><td>gauge</td><td>{@code endpoint}, {@code state}</td><td>1 for
 *       the current state of the endpoint's circuit breaker, 0 for the others</td></tr>
 *   <tr><td>{@code wspool.requests}</td><td>timer</td><td>{@code outcome}</td><td>{@code request(...)} latency by
 *       outcome: {@code replied}, {@code timed-out}, {@code cancelled}, {@code connection-closed},
 *       {@code send-failed}</td></tr>
 *   <tr><td>{@code wspool.messages.dropped}</td><td>counter</td><td>{@code reason}</td><td>inbound messages that
 *       reached no application code: {@code late-reply}, {@code unhandled}, {@code handler-failed}, {@code overflow},
 *       {@code pool-closed}</td></tr>
 *   <tr><td>{@code wspool.messages.in}, {@code wspool.messages.out}</td><td>function counter</td><td>{@code endpoint}
 *       </td><td>messages received from / accepted for sending to the endpoint ({@code send}, {@code sendAsync},
 *       {@code request}; see {@link EndpointSnapshot#messagesOut()})</td></tr>
 *   <tr><td>{@code wspool.bytes.in}, {@code wspool.bytes.out}</td><td>function counter</td><td>{@code endpoint}
 *       </td><td>their payload bytes (UTF-8 for text; frame headers not counted)</td></tr>
 *   <tr><td>{@code wspool.send}</td><td>timer</td><td></td><td>{@code sendAsync} latency: from the pool accepting
 *       the message to its frame written (plain {@code send} is not timed)</td></tr>
 *   <tr><td>{@code wspool.sends.rejected}</td><td>counter</td><td></td><td>sends refused because the outgoing buffer
 *       was full</td></tr>
 *   <tr><td>{@code wspool.messages.undelivered}</td><td>counter</td><td>{@code reason}</td><td>outgoing messages the
 *       pool accepted but did not write: {@code closed-by-peer}, {@code close-timeout}, {@code aborted},
 *       {@code not-open}, {@code buffer-full} (every failed {@code sendAsync} counts too)</td></tr>
 *   <tr><td>{@code wspool.subscriptions}</td><td>gauge</td><td>{@code state}</td><td>open subscriptions by state:
 *       {@code subscribing}, {@code active}, {@code recovering}</td></tr>
 *   <tr><td>{@code wspool.subscriptions.recoveries}</td><td>counter</td><td>{@code recovered}</td><td>re-subscribes
 *       the server acknowledged, {@code recovered} = {@code true} (it replayed what was missed) / {@code false}</td></tr>
 *   <tr><td>{@code wspool.subscriptions.duplicates}</td><td>counter</td><td></td><td>channel messages dropped as
 *       duplicates (at or below the last delivered position)</td></tr>
 *   <tr><td>{@code wspool.subscriptions.gaps}</td><td>counter</td><td></td><td>holes the server could not fill
 *       (each reported to the listener's {@code onGap})</td></tr>
 *   <tr><td>{@code wspool.subscriptions.missed}</td><td>counter</td><td></td><td>channel messages in those holes</td></tr>
 * </table>
 *
 * <p>The {@code endpoint} tag is the endpoint URI without user-info, query or fragment, so a token in the URI never
 * becomes a tag. Per-endpoint meters appear when an endpoint is added and are removed when it is removed; every meter
 * is removed when the pool closes (or when {@link #close()} is called), so no gauge keeps a closed pool reachable.
 * The pool-wide gauges read the live counters of {@link WebSocketPool#control()}, without locks or allocation; a
 * per-endpoint gauge reads its endpoint's current {@link EndpointSnapshot} (found by URI among
 * {@code pool.control().endpoints()}) when it is sampled; so do the message and byte counters, which read the
 * engine's own per-endpoint adders through that snapshot (the engine publishes no event per message). The other
 * counters and timers are fed by a {@link PoolListener} registered at {@link #bindTo}, so a pool that is not bound
 * pays nothing for them.
 *
 * <p>In Prometheus (Micrometer's Prometheus registry) the names read {@code wspool_connections},
 * {@code wspool_acquire_seconds_count}, {@code wspool_messages_out_total}, {@code wspool_bytes_in_total},
 * {@code wspool_connect_failures_total}, …; a Grafana dashboard and Prometheus alert rules written against those
 * names ship in this jar: {@value #GRAFANA_DASHBOARD} and {@value #PROMETHEUS_ALERTS}.
 */
public final class WebSocketPoolMetrics implements MeterBinder, AutoCloseable {

    /** Class-path resource of the Grafana dashboard (JSON, datasource chosen on import) for these meters. */
    public static final String GRAFANA_DASHBOARD = "/io/github/wspool/metrics/grafana-dashboard.json";
    /** Class-path resource of Prometheus alert rules (a rule file) for these meters. */
    public static final String PROMETHEUS_ALERTS = "/io/github/wspool/metrics/prometheus-alerts.yml";

    /** Resilience4j's breaker states, as the pool reports them. */
    private static final List<String> BREAKER_STATES =
            List.of("closed", "open", "half_open", "forced_open", "disabled", "metrics_only");

    private final WebSocketPool pool;
    private final Tags tags;
    private final List<Meter> poolMeters = new CopyOnWriteArrayList<>();
    private final Map<URI, List<Meter>> endpointMeters = new ConcurrentHashMap<>();
    private final Map<String, Timer> connectTimers = new ConcurrentHashMap<>();
    private final Map<URI, Timer> rttTimers = new ConcurrentHashMap<>();
    private final Map<URI, Map<ConnectFailureCause, Counter>> connectFailures = new ConcurrentHashMap<>();
    private final Map<RecycleReason, Counter> recycled = new EnumMap<>(RecycleReason.class);
    private final Map<RequestEvent.Outcome, Timer> requestTimers = new EnumMap<>(RequestEvent.Outcome.class);
    private final Map<MessageNotSentException.Reason, Counter> undeliveredCounters =
            new EnumMap<>(MessageNotSentException.Reason.class);
    private final Map<MessageDroppedEvent.Reason, Counter> droppedCounters =
            new EnumMap<>(MessageDroppedEvent.Reason.class);
    private Counter sendsRejected;
    private Counter recoveredResubscribes;
    private Counter unrecoveredResubscribes;
    private Counter duplicatesDropped;
    private Counter gaps;
    private Counter missed;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile MeterRegistry registry; // set once under lock
    private volatile Listener listener;
    private Timer acquireTimer;
    private Timer leaseTimer;
    private Timer sendTimer;
    private Counter acquireTimeouts;

    /**
     * @param pool the pool to measure
     */
    public WebSocketPoolMetrics(WebSocketPool pool) {
        this(pool, Tags.empty());
    }

    /**
     * @param pool      the pool to measure
     * @param extraTags tags added to every meter, e.g. {@code Tags.of("service", "quotes")}
     */
    public WebSocketPoolMetrics(WebSocketPool pool, Iterable<Tag> extraTags) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.tags = Tags.of("pool", pool.name()).and(Objects.requireNonNull(extraTags, "extraTags"));
    }

    /**
     * Registers the meters and starts listening to the pool. Bind one instance to one registry; to publish to
     * several registries, bind to a {@code CompositeMeterRegistry}.
     *
     * @throws IllegalStateException if this instance is already bound
     */
    @Override
    public void bindTo(MeterRegistry meterRegistry) {
        Objects.requireNonNull(meterRegistry, "meterRegistry");
        lock.lock();
        try {
            bind(meterRegistry);
        } finally {
            lock.unlock();
        }
        if (pool.isClosed()) {
            close(); // closed while binding: the close event may have gone before the listener was there
        }
    }

    private void bind(MeterRegistry meterRegistry) {
        if (registry != null) {
            throw new IllegalStateException("WebSocketPoolMetrics of pool '" + pool.name() + "' is already bound to a"
                    + " registry; bind a new instance, or use a CompositeMeterRegistry to publish to several");
        }
        registry = meterRegistry;
        for (ConnectionState state : ConnectionState.values()) {
            poolMeters.add(Gauge.builder("wspool.connections", pool, p -> p.control().connections(state))
                    .tags(tags).tag("state", state.name().toLowerCase(Locale.ROOT))
                    .description("Connections in each lifecycle state").baseUnit("connections")
                    .register(meterRegistry));
        }
        poolMeters.add(Gauge.builder("wspool.connections.pending", pool, p -> p.control().pendingAcquires()).tags(tags)
                .description("Callers waiting for a connection").register(meterRegistry));
        poolMeters.add(Gauge.builder("wspool.connections.max", pool, p -> p.control().maxConnections()).tags(tags)
                .description("Configured maxConnections").baseUnit("connections").register(meterRegistry));
        poolMeters.add(Gauge.builder("wspool.connections.min", pool, p -> p.control().minConnections()).tags(tags)
                .description("Configured minConnections").baseUnit("connections").register(meterRegistry));
        acquireTimer = Timer.builder("wspool.acquire").tags(tags).description("Wait time of successful acquires")
                .register(meterRegistry);
        leaseTimer = Timer.builder("wspool.lease").tags(tags).description("How long leases were held")
                .register(meterRegistry);
        acquireTimeouts = Counter.builder("wspool.acquire.timeouts").tags(tags).description("Acquires that timed out")
                .register(meterRegistry);
        sendTimer = Timer.builder("wspool.send").tags(tags)
                .description("sendAsync latency: from the pool accepting a message to its frame written")
                .register(meterRegistry);
        poolMeters.add(acquireTimer);
        poolMeters.add(leaseTimer);
        poolMeters.add(sendTimer);
        poolMeters.add(acquireTimeouts);
        for (RecycleReason reason : RecycleReason.values()) {
            Counter c = Counter.builder("wspool.recycled").tags(tags).tag("reason", reason.tagValue())
                    .description("Connections recycled, by reason").register(meterRegistry);
            recycled.put(reason, c);
            poolMeters.add(c);
        }
        for (RequestEvent.Outcome outcome : RequestEvent.Outcome.values()) {
            Timer t = Timer.builder("wspool.requests").tags(tags).tag("outcome", outcome.tagValue())
                    .description("Request/response latency, by outcome").register(meterRegistry);
            requestTimers.put(outcome, t);
            poolMeters.add(t);
        }
        for (MessageDroppedEvent.Reason reason : MessageDroppedEvent.Reason.values()) {
            Counter c = Counter.builder("wspool.messages.dropped").tags(tags).tag("reason", reason.tagValue())
                    .description("Inbound messages that reached no application code, by reason")
                    .register(meterRegistry);
            droppedCounters.put(reason, c);
            poolMeters.add(c);
        }
        for (MessageNotSentException.Reason reason : MessageNotSentException.Reason.values()) {
            Counter c = Counter.builder("wspool.messages.undelivered").tags(tags).tag("reason", reason.tagValue())
                    .description("Outgoing messages accepted but not written to the socket, by reason")
                    .register(meterRegistry);
            undeliveredCounters.put(reason, c);
            poolMeters.add(c);
        }
        sendsRejected = Counter.builder("wspool.sends.rejected").tags(tags)
                .description("Sends refused because the connection's outgoing buffer was full").register(meterRegistry);
        poolMeters.add(sendsRejected);
        for (SubscriptionState state : SubscriptionState.values()) {
            if (state != SubscriptionState.CLOSED) { // closed ones are forgotten: always 0
                poolMeters.add(Gauge.builder("wspool.subscriptions", pool, p -> p.control().subscriptions(state))
                        .tags(tags).tag("state", state.name().toLowerCase(Locale.ROOT))
                        .description("Open subscriptions by state").register(meterRegistry));
            }
        }
        recoveredResubscribes = Counter.builder("wspool.subscriptions.recoveries").tags(tags).tag("recovered", "true")
                .description("Re-subscribes the server acknowledged").register(meterRegistry);
        unrecoveredResubscribes = Counter.builder("wspool.subscriptions.recoveries").tags(tags)
                .tag("recovered", "false").description("Re-subscribes the server acknowledged")
                .register(meterRegistry);
        duplicatesDropped = Counter.builder("wspool.subscriptions.duplicates").tags(tags)
                .description("Channel messages dropped as duplicates").register(meterRegistry);
        gaps = Counter.builder("wspool.subscriptions.gaps").tags(tags)
                .description("Holes in a channel's stream the server could not fill").register(meterRegistry);
        missed = Counter.builder("wspool.subscriptions.missed").tags(tags)
                .description("Channel messages in holes the server could not fill").register(meterRegistry);
        poolMeters.addAll(List.of(recoveredResubscribes, unrecoveredResubscribes, duplicatesDropped, gaps, missed));
        for (EndpointSnapshot endpoint : pool.control().endpoints()) {
            bindEndpoint(endpoint.uri());
        }
        listener = new Listener();
        pool.addListener(listener);
    }

    private void bindEndpoint(URI uri) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        endpointMeters.computeIfAbsent(uri, u -> {
            List<Meter> meters = new ArrayList<>();
            String endpoint = Endpoint.describe(u);
            meters.add(Gauge.builder("wspool.endpoint.healthy", pool,
                            p -> endpointValue(p, u, e -> e.healthy() ? 1 : 0))
                    .tags(tags).tag("endpoint", endpoint)
                    .description("1 if the endpoint is healthy, 0 if not").register(r));
            meters.add(trafficCounter(r, "wspool.messages.in", u, endpoint, EndpointSnapshot::messagesIn,
                    "Messages received from the endpoint"));
            meters.add(trafficCounter(r, "wspool.messages.out", u, endpoint, EndpointSnapshot::messagesOut,
                    "Messages accepted for sending to the endpoint"));
            meters.add(trafficCounter(r, "wspool.bytes.in", u, endpoint, EndpointSnapshot::bytesIn,
                    "Payload bytes received from the endpoint"));
            meters.add(trafficCounter(r, "wspool.bytes.out", u, endpoint, EndpointSnapshot::bytesOut,
                    "Payload bytes accepted for sending to the endpoint"));
            Map<ConnectFailureCause, Counter> failures = new EnumMap<>(ConnectFailureCause.class);
            for (ConnectFailureCause cause : ConnectFailureCause.values()) {
                Counter c = Counter.builder("wspool.connect.failures").tags(tags).tag("endpoint", endpoint)
                        .tag("cause", cause.tagValue()).description("Failed connects, by cause").register(r);
                failures.put(cause, c);
                meters.add(c);
            }
            connectFailures.put(u, failures);
            for (String state : BREAKER_STATES) {
                meters.add(Gauge.builder("wspool.endpoint.breaker.state", pool,
                                p -> endpointValue(p, u, e -> state.equals(e.breakerState()) ? 1 : 0))
                        .tags(tags).tag("endpoint", Endpoint.describe(u)).tag("state", state)
                        .description("1 for the current state of the endpoint's circuit breaker").register(r));
            }
            return new CopyOnWriteArrayList<>(meters);
        });
    }

    private FunctionCounter trafficCounter(MeterRegistry r, String name, URI uri, String endpoint,
                                           ToDoubleFunction<EndpointSnapshot> value, String description) {
        return FunctionCounter.builder(name, pool, p -> endpointValue(p, uri, value)).tags(tags)
                .tag("endpoint", endpoint).description(description).register(r);
    }

    /**
     * A per-endpoint gauge's value: {@code value} of the endpoint's current snapshot, or NaN (Micrometer's "no
     * value") when the pool no longer has the endpoint, in the moment before its meters are removed.
     */
    private static double endpointValue(WebSocketPool pool, URI uri, ToDoubleFunction<EndpointSnapshot> value) {
        EndpointSnapshot e = snapshotOf(pool, uri);
        return e == null ? Double.NaN : value.applyAsDouble(e);
    }

    /** The current snapshot of the pool's endpoint with this URI, or {@code null} when it has none. */
    private static EndpointSnapshot snapshotOf(WebSocketPool pool, URI uri) {
        for (EndpointSnapshot e : pool.control().endpoints()) {
            if (e.uri().equals(uri)) {
                return e;
            }
        }
        return null;
    }

    private void unbindEndpoint(URI uri) {
        MeterRegistry r = registry;
        List<Meter> meters = endpointMeters.remove(uri);
        connectFailures.remove(uri);
        Timer rtt = rttTimers.remove(uri);
        if (r == null) {
            return;
        }
        if (meters != null) {
            meters.forEach(r::remove);
        }
        if (rtt != null) {
            r.remove(rtt);
        }
        String tag = Endpoint.describe(uri);
        connectTimers.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(tag + "|")) {
                r.remove(e.getValue());
                return true;
            }
            return false;
        });
    }

    private Timer connectTimer(Endpoint endpoint, boolean success) {
        String tag = Endpoint.describe(endpoint.uri());
        String outcome = success ? "success" : "failure";
        return connectTimers.computeIfAbsent(tag + "|" + outcome, k -> Timer.builder("wspool.connect").tags(tags)
                .tag("endpoint", tag).tag("outcome", outcome).description("Opening handshake duration")
                .register(registry));
    }

    private Timer rttTimer(Endpoint endpoint) {
        return rttTimers.computeIfAbsent(endpoint.uri(), u -> Timer.builder("wspool.ping.rtt").tags(tags)
                .tag("endpoint", Endpoint.describe(u)).description("Keepalive ping round-trip time")
                .register(registry));
    }

    /** Removes every meter of this pool from the registry and stops listening. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            unbindAll();
        } finally {
            lock.unlock();
        }
    }

    private void unbindAll() {
        MeterRegistry r = registry;
        Listener l = listener;
        if (l != null) {
            pool.removeListener(l);
            listener = null;
        }
        if (r == null) {
            return;
        }
        for (URI uri : new ArrayList<>(endpointMeters.keySet())) {
            unbindEndpoint(uri);
        }
        for (Timer t : connectTimers.values()) {
            r.remove(t);
        }
        for (Timer t : rttTimers.values()) {
            r.remove(t);
        }
        connectTimers.clear();
        rttTimers.clear();
        poolMeters.forEach(r::remove);
        poolMeters.clear();
    }

    /** Feeds the counters and timers from pool events; cheap and non-blocking, as listener callbacks must be. */
    private final class Listener implements PoolListener {

        @Override
        public void onAcquire(AcquireEvent event) {
            acquireTimer.record(event.waited().toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void onAcquireFailure(AcquireFailureEvent event) {
            if (event.failure() instanceof AcquireTimeoutException) {
                acquireTimeouts.increment();
            }
        }

        @Override
        public void onRelease(ReleaseEvent event) {
            leaseTimer.record(event.held().toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void onConnect(ConnectEvent event) {
            connectTimer(event.endpoint(), event.succeeded()).record(event.duration().toNanos(), TimeUnit.NANOSECONDS);
            if (!event.succeeded()) {
                URI uri = event.endpoint().uri();
                Map<ConnectFailureCause, Counter> failures = connectFailures.get(uri);
                if (failures == null && snapshotOf(pool, uri) != null) { // connected before its add event came here
                    bindEndpoint(uri);
                    failures = connectFailures.get(uri);
                }
                if (failures != null) {
                    failures.get(event.failureCause()).increment();
                }
            }
        }

        @Override
        public void onSend(SendEvent event) {
            sendTimer.record(event.latency().toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void onRecycle(RecycleEvent event) {
            recycled.get(event.reason()).increment();
        }

        @Override
        public void onRequest(RequestEvent event) {
            requestTimers.get(event.outcome()).record(event.latency().toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void onMessageDropped(MessageDroppedEvent event) {
            droppedCounters.get(event.reason()).increment();
        }

        @Override
        public void onMessageUndelivered(MessageUndeliveredEvent event) {
            undeliveredCounters.get(event.reason()).increment(event.messages());
        }

        @Override
        public void onSubscription(SubscriptionEvent event) {
            switch (event.kind()) {
                case RESUBSCRIBED -> (event.recovered() ? recoveredResubscribes : unrecoveredResubscribes).increment();
                case DUPLICATE_DROPPED -> duplicatesDropped.increment();
                case GAP -> {
                    gaps.increment();
                    missed.increment(event.gapTo() - event.gapFrom() + 1);
                }
                default -> {
                }
            }
        }

        @Override
        public void onSendRejected(SendRejectedEvent event) {
            sendsRejected.increment();
        }

        @Override
        public void onPong(PongEvent event) {
            rttTimer(event.endpoint()).record(event.roundTrip().toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void onEndpointAdded(EndpointEvent event) {
            URI uri = event.endpoint().uri();
            if (snapshotOf(pool, uri) != null) { // not already removed again
                bindEndpoint(uri);
            }
        }

        @Override
        public void onEndpointRemoved(EndpointEvent event) {
            unbindEndpoint(event.endpoint().uri());
        }

        @Override
        public void onPoolClosed(String poolName) {
            close();
        }
    }
}

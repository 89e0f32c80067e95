package io.github.wspool.core;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointResolver;
import io.github.wspool.LoadBalancingStrategy;
import io.github.wspool.PoolListener;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.internal.DefaultWebSocketPool;
import io.github.wspool.core.internal.PoolSettings;
import io.github.wspool.core.internal.PoolSettings.EndpointSpec;
import io.github.wspool.core.internal.endpoint.EndpointUris;
import io.github.wspool.core.internal.connection.FleetShare;
import io.github.wspool.core.internal.endpoint.RoutingSettings;
import io.github.wspool.core.fleet.RedisFleet;
import io.github.wspool.core.internal.fleet.FleetBackend;
import io.github.wspool.core.internal.fleet.FleetBackends;
import io.github.wspool.core.internal.fleet.FleetSettings;
import io.github.wspool.core.internal.housekeeping.ExpirySettings;
import io.github.wspool.core.internal.lease.LeaseSettings;
import io.github.wspool.core.internal.messaging.MessagingSettings;
import io.github.wspool.strategy.Strategies;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Configures and builds a {@link WebSocketPool}. Obtain one from {@link WebSocketPools#builder()}.
 *
 * <p>Every setter validates its argument at once and throws {@link IllegalArgumentException} naming the setting
 * and the value given; {@link #build()} checks the settings against each other. Nothing is ever silently clamped.
 * The options are grouped in the source by what they configure (sizing and leases here; connections, health and
 * messaging in package-private groups this builder extends); every option is a method of this builder.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@link #name(String)}</td><td>{@code wspool-N}</td><td>used in thread names, logs, errors</td></tr>
 *   <tr><td>{@link #endpoint(String)}</td><td>none; at least one, unless an {@link #endpointResolver} gives them</td><td>{@code ws://} or {@code wss://}
 *       server; weight 1 unless given</td></tr>
 *   <tr><td>{@link #pooling(boolean)}</td><td>{@code false}</td><td>keep and reuse connections; {@code false} opens
 *       a fresh connection per acquire and closes it on release</td></tr>
 *   <tr><td>{@link #minConnections(int)}</td><td>0</td><td>kept open (pooling only), opened in the background at
 *       build</td></tr>
 *   <tr><td>{@link #maxConnections(int)}</td><td>10</td><td>open plus connecting, in both modes</td></tr>
 *   <tr><td>{@link #maxPendingAcquires(int)}</td><td>10,000</td><td>waiting callers; more are rejected at
 *       once</td></tr>
 *   <tr><td>{@link #acquireTimeout(Duration)}</td><td>5 s</td><td>wait of {@code acquire()}</td></tr>
 *   <tr><td>{@link #idleAfter(Duration)}</td><td>10 s</td><td>READY becomes IDLE after this long unused</td></tr>
 *   <tr><td>{@link #idleTimeout(Duration)}</td><td>5 min</td><td>IDLE connections above the minimum are closed
 *       after this long unused; zero disables</td></tr>
 *   <tr><td>{@link #maxLifetime(Duration)}</td><td>30 min</td><td>connections are replaced after this long, minus
 *       up to 2.5% random jitter; zero disables</td></tr>
 *   <tr><td>{@link #healthCheckInterval(Duration)}</td><td>30 s</td><td>keepalive ping period per connection;
 *       zero disables</td></tr>
 *   <tr><td>{@link #pongTimeout(Duration)}</td><td>5 s</td><td>a ping's pong must come back within this</td></tr>
 *   <tr><td>{@link #maxMissedPongs(int)}</td><td>1</td><td>missed pongs in a row that make a connection
 *       unhealthy</td></tr>
 *   <tr><td>{@link #leakDetectionThreshold(Duration)}</td><td>off</td><td>WARN for leases held longer</td></tr>
 *   <tr><td>{@link #connectTimeout(Duration)}</td><td>5 s</td><td>TCP connect plus opening handshake</td></tr>
 *   <tr><td>{@link #connectionInitializer(io.github.wspool.ConnectionInitializer)}</td><td>none</td><td>runs on
 *       every new connection before it is READY (a login); its failure fails the connect</td></tr>
 *   <tr><td>{@link #connectionInitializerTimeout(Duration)}</td><td>the connect timeout</td><td>the initializer's
 *       deadline</td></tr>
 *   <tr><td>{@link #closeTimeout(Duration)}</td><td>2 s</td><td>wait for the server's close reply before the
 *       socket is closed anyway</td></tr>
 *   <tr><td>{@link #shutdownTimeout(Duration)}</td><td>10 s</td><td>on {@code close()}, wait for leases to come
 *       back</td></tr>
 *   <tr><td>{@link #reconnectBackoff(Duration, Duration)}</td><td>250 ms .. 10 s, x2</td><td>delay between failed
 *       connects to an endpoint, exponential with full jitter; a connection that dies within 2 s of its handshake
 *       is a failed connect</td></tr>
 *   <tr><td>{@link #maxMessageSize(int)}</td><td>1 MiB</td><td>largest inbound message accepted, however it is
 *       fragmented; a larger one closes the connection with 1009</td></tr>
 *   <tr><td>{@link #compression(boolean)}, {@link #compression(io.github.wspool.core.spi.CompressionOptions)}</td>
 *       <td>off</td><td>offer permessage-deflate; outbound messages of 1 KiB and more compressed, inbound inflation
 *       bounded by the max message size</td></tr>
 *   <tr><td>{@link #header(String, String)}, {@link #endpoint(URI, int, Map)}</td><td>none</td><td>static upgrade
 *       headers, pool-wide and per endpoint</td></tr>
 *   <tr><td>{@link #headers(HeaderSupplier)}</td><td>none</td><td>headers computed on every connect
 *       (tokens)</td></tr>
 *   <tr><td>{@link #refreshHeadersOnAuthFailure(boolean)}</td><td>{@code true}</td><td>one retry with refreshed
 *       headers after 401/403</td></tr>
 *   <tr><td>{@link #subprotocols(String...)}</td><td>none</td><td>requested subprotocols; one must be
 *       selected</td></tr>
 *   <tr><td>{@link #sslContext(SSLContext)}, {@link #sslParameters(SSLParameters)}</td><td>JVM default</td><td>TLS
 *       for {@code wss://}</td></tr>
 *   <tr><td>{@link #dangerouslyDisableHostnameVerification()}</td><td>verification on</td><td>insecure: accept
 *       certificates for other hosts</td></tr>
 *   <tr><td>{@link #proxy(URI)}, {@link #proxy(java.net.ProxySelector)}, {@link #noProxy()}</td><td>the JVM's
 *       ({@code ProxySelector.getDefault()}: {@code http.proxyHost}, {@code https.proxyHost},
 *       {@code http.nonProxyHosts})</td><td>HTTP proxy connections go through ({@code CONNECT}); loopback is direct
 *       unless {@code http.nonProxyHosts} says otherwise</td></tr>
 *   <tr><td>{@link #proxyCredentials(java.util.function.Supplier)}</td><td>the proxy URI's user-info, if
 *       any</td><td>Basic credentials for the proxy, asked for on every connect</td></tr>
 *   <tr><td>{@link #maxConnectRate(double, double)}</td><td>unlimited</td><td>connects per second, per endpoint and
 *       per pool</td></tr>
 *   <tr><td>{@link #failFastInitialization(boolean)}</td><td>{@code false}</td><td>{@code build()} throws if an
 *       endpoint cannot be connected</td></tr>
 *   <tr><td>{@link #strategy(LoadBalancingStrategy)}</td><td>round-robin</td><td>endpoint selection</td></tr>
 *   <tr><td>{@link #maxConnectionsPerEndpoint(int)}</td><td>unlimited</td><td>cap per endpoint</td></tr>
 *   <tr><td>{@link #ejectAfterConnectFailures(int)}</td><td>3</td><td>connects before the endpoint breaker
 *       judges (opens at a 50% failure rate)</td></tr>
 *   <tr><td>{@link #maxEjectionPercent(int)}</td><td>50</td><td>share of endpoints that may be out of rotation at
 *       once</td></tr>
 *   <tr><td>{@link #panicMode(boolean)}</td><td>{@code false}</td><td>with no healthy endpoint: fail fast, or try
 *       them all</td></tr>
 *   <tr><td>{@link #affinity(int, Duration)}</td><td>100,000 keys, 30 min</td><td>sticky-affinity table
 *       bounds</td></tr>
 *   <tr><td>{@link #onMessage(MessageHandler)}</td><td>none</td><td>receives inbound messages no lease
 *       claims</td></tr>
 *   <tr><td>{@link #messageExecutor(Executor)}</td><td>pool's own, elastic: cores to 256 threads</td><td>runs
 *       message handlers</td></tr>
 *   <tr><td>{@link #correlator(MessageCorrelator)}</td><td>JSON field {@code messageId}</td><td>matches replies to
 *       {@code request(...)}</td></tr>
 *   <tr><td>{@link #maxBufferedBytes(long)}</td><td>4 MiB</td><td>outgoing buffer per connection</td></tr>
 *   <tr><td>{@link #sendBlockTimeout(Duration)}</td><td>0 (fail at once)</td><td>how long a send waits for room in
 *       a full buffer</td></tr>
 *   <tr><td>{@link #maxQueuedInboundBytes(long)}</td><td>8 MiB</td><td>inbound messages queued for handlers per
 *       connection</td></tr>
 *   <tr><td>{@link #maxLeasesPerConnection(int)}</td><td>1 (exclusive)</td><td>leases sharing one connection at
 *       once</td></tr>
 *   <tr><td>{@link #subscriptionProtocol(SubscriptionProtocol)}</td><td>{@link SubscriptionProtocols#json()}</td>
 *       <td>wire format of {@code pool.subscribe(...)}</td></tr>
 *   <tr><td>{@link #sessionStore(SessionStore)}</td><td>in memory, per pool</td><td>where subscriptions' delivered
 *       positions are kept</td></tr>
 *   <tr><td>{@link #subscribeTimeout(Duration)}</td><td>10 s</td><td>wait for a subscribe's acknowledgement</td></tr>
 *   <tr><td>{@link #drainSignal(Predicate)}</td><td>none (close codes 1001, 1012, 1013 only)</td><td>recognises a
 *       server's drain notice among inbound messages</td></tr>
 *   <tr><td>{@link #endpointResolver(EndpointResolver)}</td><td>none</td><td>endpoints discovered while the pool
 *       runs (DNS, {@code RedisFleet.servers()}), reconciled through the drain</td></tr>
 *   <tr><td>{@link #fleet(RedisFleet)}</td><td>none (this instance only)</td><td>fleet mode: share connections, health
 *       and stats with every instance through Redis</td></tr>
 *   <tr><td>{@link #maxFleetConnectionsPerServer(int)}</td><td>unlimited</td><td>connections to one server across the
 *       fleet</td></tr>
 *   <tr><td>{@link #drainHoldOff(Duration)}</td><td>10 s</td><td>how long a drain notice keeps leases off its
 *       endpoint</td></tr>
 * </table>
 */
public final class WebSocketPoolBuilder extends ConnectionOptions {

    private static final AtomicInteger POOL_SEQUENCE = new AtomicInteger();

    private String name;
    private final List<EndpointSpec> endpoints = new ArrayList<>();
    private boolean pooling;
    private int minConnections;
    private int maxConnections = 10;
    private int maxPendingAcquires = 10_000;
    private Duration acquireTimeout = Duration.ofSeconds(5);
    private Duration idleAfter = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofMinutes(5);
    private Duration maxLifetime = Duration.ofMinutes(30);
    private Duration leakDetectionThreshold = Duration.ZERO;
    private Duration shutdownTimeout = Duration.ofSeconds(10);
    private int maxLeasesPerConnection = 1;
    private boolean panicMode;
    private int affinityMaxKeys = 100_000;
    private Duration affinityExpireAfterAccess = Duration.ofMinutes(30);
    private LoadBalancingStrategy strategy;
    private final List<PoolListener> listeners = new ArrayList<>();
    private Ticker ticker = Ticker.system();
    private boolean registerMbeans;
    private EndpointResolver endpointResolver;
    private FleetBackend fleetBackend;
    private int maxFleetConnectionsPerServer = FleetShare.UNCAPPED;

    WebSocketPoolBuilder() {
    }

    /**
     * The pool's name, used in thread names, log lines, error messages and metric tags.
     *
     * @param name not blank
     * @return this
     */
    public WebSocketPoolBuilder name(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank, but was " + Check.quote(name));
        }
        this.name = name;
        return self();
    }

    /**
     * Adds an endpoint of weight 1.
     *
     * @param uri a {@code ws://} or {@code wss://} URI
     * @return this
     */
    public WebSocketPoolBuilder endpoint(String uri) {
        return endpoint(uri, 1);
    }

    /**
     * Adds an endpoint with a weight.
     *
     * @param uri    a {@code ws://} or {@code wss://} URI
     * @param weight at least 1
     * @return this
     */
    public WebSocketPoolBuilder endpoint(String uri, int weight) {
        if (uri == null) {
            throw new IllegalArgumentException("endpoint URI must not be null");
        }
        try {
            return endpoint(new URI(uri), weight);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("endpoint URI is not a valid URI: " + Check.quote(uri) + " (" + e.getReason()
                    + ")", e);
        }
    }

    /**
     * Adds an endpoint of weight 1.
     *
     * @param uri a {@code ws://} or {@code wss://} URI
     * @return this
     */
    public WebSocketPoolBuilder endpoint(URI uri) {
        return endpoint(uri, 1);
    }

    /**
     * Adds an endpoint with a weight.
     *
     * @param uri    a {@code ws://} or {@code wss://} URI with a host
     * @param weight at least 1
     * @return this
     */
    public WebSocketPoolBuilder endpoint(URI uri, int weight) {
        return endpoint(uri, weight, Map.of());
    }

    /**
     * Adds an endpoint with a weight and upgrade headers of its own (for example its own API key), sent in addition
     * to the pool's {@link #header(String, String) headers}; an endpoint header replaces a pool header of the same
     * name. Values are secrets: they never appear in logs, messages, {@code toString()} or metric tags.
     *
     * @param uri     a {@code ws://} or {@code wss://} URI with a host
     * @param weight  at least 1
     * @param headers header names to values, each checked like {@link #header(String, String)}
     * @return this
     */
    public WebSocketPoolBuilder endpoint(URI uri, int weight, Map<String, String> headers) {
        EndpointUris.requireWebSocketUri(uri);
        EndpointUris.requireWeight(uri, weight);
        Objects.requireNonNull(headers, "endpoint headers must not be null (use an empty map)");
        for (EndpointSpec e : endpoints) {
            if (e.uri().equals(uri)) {
                throw new IllegalArgumentException("endpoint " + Check.quote(Endpoint.describe(uri)) + " was already added");
            }
        }
        headers.forEach(Check::requireValidHeader);
        endpoints.add(new EndpointSpec(uri, weight, headers));
        return self();
    }

    /**
     * Whether connections are kept and reused. With {@code false} (the default) each acquire opens a fresh connection
     * and each release closes it; {@code maxConnections} still caps concurrency. Application code is the same.
     *
     * @param pooling {@code true} to pool
     * @return this
     */
    public WebSocketPoolBuilder pooling(boolean pooling) {
        this.pooling = pooling;
        return self();
    }

    /**
     * Connections kept open with {@code pooling(true)}, opened in the background at build and replenished after
     * failures. Ignored with {@code pooling(false)}.
     *
     * @param min at least 0, at most {@code maxConnections}
     * @return this
     */
    public WebSocketPoolBuilder minConnections(int min) {
        if (min < 0) {
            throw new IllegalArgumentException("minConnections must be at least 0, but was " + min);
        }
        this.minConnections = min;
        return self();
    }

    /**
     * The most connections open or connecting at once (a handshake in progress holds a slot).
     *
     * @param max at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxConnections(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, but was " + max);
        }
        this.maxConnections = max;
        return self();
    }

    /**
     * The most callers waiting for a connection at once; a caller beyond it gets
     * {@link io.github.wspool.AcquireRejectedException} at once.
     *
     * @param max at least 1 (a caller whose connection is being opened waits too)
     * @return this
     */
    public WebSocketPoolBuilder maxPendingAcquires(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxPendingAcquires must be at least 1, but was " + max);
        }
        this.maxPendingAcquires = max;
        return self();
    }

    /**
     * How long {@code acquire()} waits.
     *
     * @param timeout zero or positive
     * @return this
     */
    public WebSocketPoolBuilder acquireTimeout(Duration timeout) {
        this.acquireTimeout = Check.nonNegative("acquireTimeout", timeout);
        return self();
    }

    /**
     * How long a READY connection may go unused before it is marked IDLE. Counted from the first housekeeping pass
     * after its last release (releases read no clock): never early, late by at most the time between two passes.
     *
     * @param idleAfter positive
     * @return this
     */
    public WebSocketPoolBuilder idleAfter(Duration idleAfter) {
        this.idleAfter = Check.positive("idleAfter", idleAfter);
        return self();
    }

    /**
     * How long an IDLE connection above {@code minConnections} is kept before it is closed, counted as for
     * {@link #idleAfter(Duration)}.
     *
     * @param timeout positive, or zero to never close idle connections
     * @return this
     */
    public WebSocketPoolBuilder idleTimeout(Duration timeout) {
        this.idleTimeout = Check.nonNegative("idleTimeout", timeout);
        return self();
    }

    /**
     * How long a connection lives before it is replaced (closed when not leased, or on release), minus a random
     * jitter of up to 2.5% so that connections opened together do not expire together. A leased connection is
     * recycled on its first release after housekeeping saw its lifetime end (a pass is scheduled for it).
     *
     * @param lifetime positive, or zero for unlimited
     * @return this
     */
    public WebSocketPoolBuilder maxLifetime(Duration lifetime) {
        this.maxLifetime = Check.nonNegative("maxLifetime", lifetime);
        return self();
    }

    /**
     * A lease held longer than this gets one WARN log line with the stack trace of where it was acquired, and an INFO
     * line when it finally comes back. Zero (the default) disables the check, and costs nothing.
     *
     * @param threshold zero, or positive
     * @return this
     */
    public WebSocketPoolBuilder leakDetectionThreshold(Duration threshold) {
        this.leakDetectionThreshold = Check.nonNegative("leakDetectionThreshold", threshold);
        return self();
    }

    /**
     * How long {@code close()} waits for leased connections to be released before closing them anyway.
     *
     * @param timeout zero or positive
     * @return this
     */
    public WebSocketPoolBuilder shutdownTimeout(Duration timeout) {
        this.shutdownTimeout = Check.nonNegative("shutdownTimeout", timeout);
        return self();
    }

    /**
     * How many leases may share one connection at once (Jetty's {@code maxMultiplex}). 1, the default, makes every
     * lease exclusive. With {@code n > 1} an acquire prefers an available connection, then joins the least-shared
     * leased one with room, before it opens a new one or waits; a connection is READY again when its last lease is
     * released. Least-connections then balances leases, not connections. Sharing suits request/response protocols
     * with correlation ids ({@link io.github.wspool.PooledConnection#request}). Ignored with {@code pooling(false)},
     * where every lease has its own connection.
     *
     * @param n at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxLeasesPerConnection(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxLeasesPerConnection must be at least 1, but was " + n);
        }
        this.maxLeasesPerConnection = n;
        return self();
    }

    /**
     * What to do when no endpoint is healthy. {@code false} (the default): fail acquires at once with
     * {@link io.github.wspool.NoHealthyEndpointException}, which carries each endpoint's last failure, rather than
     * let callers wait out their timeout against servers known to be down. {@code true}: "panic" like Envoy and use
     * every endpoint as if healthy, in the hope that some still serve.
     *
     * @param panic whether to try every endpoint when none is healthy
     * @return this
     */
    public WebSocketPoolBuilder panicMode(boolean panic) {
        this.panicMode = panic;
        return self();
    }

    /**
     * Bounds of the sticky-affinity table used by {@code acquire(String affinityKey)}: at most {@code maxKeys}
     * keys (least recently used beyond that are forgotten), and a key unused for {@code expireAfterAccess} is
     * forgotten. A forgotten key is simply placed again by the strategy. Defaults: 100,000 keys, 30 minutes.
     *
     * @param maxKeys           at least 1
     * @param expireAfterAccess positive
     * @return this
     */
    public WebSocketPoolBuilder affinity(int maxKeys, Duration expireAfterAccess) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("affinity maxKeys must be at least 1, but was " + maxKeys);
        }
        this.affinityExpireAfterAccess = Check.positive("affinity expireAfterAccess", expireAfterAccess);
        this.affinityMaxKeys = maxKeys;
        return self();
    }

    /**
     * The endpoint selection strategy, for example {@code Strategies.roundRobin()}. Give each pool its own instance.
     *
     * @param strategy not null
     * @return this
     */
    public WebSocketPoolBuilder strategy(LoadBalancingStrategy strategy) {
        this.strategy = Objects.requireNonNull(strategy, "strategy must not be null");
        return self();
    }

    /**
     * Adds a listener for pool events. Listeners are called in the order added.
     *
     * @param listener not null
     * @return this
     */
    public WebSocketPoolBuilder listener(PoolListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener must not be null"));
        return self();
    }

    /**
     * The time source for expiry, idle, backoff and timing (default {@link Ticker#system()}).
     *
     * @param ticker not null
     * @return this
     */
    public WebSocketPoolBuilder ticker(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
        return self();
    }

    /**
     * Whether the pool registers a {@link io.github.wspool.WebSocketPoolMXBean} (counts per state, endpoint health,
     * resize, suspend/resume, soft-evict) with the platform MBean server, as
     * {@code io.github.wspool:type=Pool,name=<pool name>} (the name quoted with {@code ObjectName.quote} if it has
     * characters an object name may not hold unquoted), and unregisters it when the pool closes. Default
     * {@code false}. Two open pools of one name cannot both register: the second {@link #build()} fails.
     *
     * @param register whether to register
     * @return this
     */
    public WebSocketPoolBuilder registerMbeans(boolean register) {
        this.registerMbeans = register;
        return self();
    }

    /**
     * Endpoints discovered while the pool runs, besides (or instead of) those given with {@link #endpoint(String)}:
     * DNS, fleet mode's server registry ({@code RedisFleet.servers()}), your own. The pool subscribes when it is built
     * and reconciles every set the resolver gives: new endpoints join at once, one that vanished is removed through the
     * drain ({@code PoolControl.removeEndpoint}, no lease dropped), a changed weight applies from the next pick.
     * Endpoints given to the builder are never touched by the resolver.
     *
     * <p>With a resolver the builder needs no endpoint of its own. Until the resolver's first set arrives such a pool
     * has no endpoint: acquires wait (within their timeout) and then fail with
     * {@link io.github.wspool.NoEndpointDiscoveredException}, {@code PoolControl.health()} says {@code DOWN} ("no
     * endpoint discovered yet"); when the first set arrives the waiting callers are served and
     * {@code minConnections} are opened. {@code failFastInitialization} checks the builder's endpoints only. The pool
     * keeps its last endpoint: a set that would remove it leaves it in place until a later set brings another.
     * Connect failures to the resolver's endpoints are passed to {@link EndpointResolver#connectFailed(java.net.URI)}.
     * Built-in resolvers: {@link EndpointResolvers}.
     *
     * @param resolver the resolver
     * @return this
     */
    public WebSocketPoolBuilder endpointResolver(EndpointResolver resolver) {
        this.endpointResolver = Objects.requireNonNull(resolver, "endpointResolver must not be null");
        return this;
    }

    /**
     * Caps the connections to one server across the whole fleet (fleet mode: every instance sharing the fleet's state
     * counts), so that a server that just restarted is not hit by every instance's reconnect at once: an instance
     * opens a connection there only while the fleet's count, as of the fleet's last exchange, is under the cap. Without
     * fleet mode it caps this pool's own connections per endpoint. Default: no cap.
     *
     * @param max at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxFleetConnectionsPerServer(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxFleetConnectionsPerServer must be at least 1, but was " + max);
        }
        this.maxFleetConnectionsPerServer = max;
        return this;
    }

    /**
     * Makes this pool one instance of a fleet (fleet mode, Redis): it publishes its connections, its view of each
     * server's health and its stats every exchange period, and gets back the other instances' connections per server
     * ({@code Strategies.fleetLeastConnections()}, {@link #maxFleetConnectionsPerServer(int)}) and the servers a
     * quorum of them saw fail (passed over while another can serve). The pool never waits on Redis; while Redis is
     * unreachable it runs on its own state and says so in {@code health()}. Independent of
     * {@link #endpointResolver(EndpointResolver)}: add {@code endpointResolver(fleet.servers())} to follow the fleet's
     * server registry too. The pool leaves the fleet when it closes; the fleet itself is the application's to close.
     *
     * @param fleet the fleet ({@link RedisFleet#connect(String)})
     * @return this
     */
    public WebSocketPoolBuilder fleet(RedisFleet fleet) {
        return fleetBackend(FleetBackends.of(Objects.requireNonNull(fleet, "fleet must not be null")));
    }

    /** Joins a fleet (fleet mode); the public form takes {@code RedisFleet}. */
    WebSocketPoolBuilder fleetBackend(FleetBackend backend) {
        this.fleetBackend = Objects.requireNonNull(backend, "fleet must not be null");
        return this;
    }

    private FleetSettings fleetSettings() {
        return endpointResolver == null && fleetBackend == null && maxFleetConnectionsPerServer == FleetShare.UNCAPPED
                ? FleetSettings.NONE
                : new FleetSettings(endpointResolver, fleetBackend, maxFleetConnectionsPerServer,
                        FleetSettings.NONE.resolverDrainTimeout());
    }

    /**
     * Builds the pool and, with {@code pooling(true)}, starts opening {@code minConnections} in the background.
     *
     * @return the running pool
     * @throws IllegalArgumentException            if no endpoint and no endpoint resolver was given, or
     *                                             {@code minConnections > maxConnections}
     * @throws IllegalStateException               with {@code registerMbeans(true)}, if an MBean of the pool's name is
     *                                             registered already (another open pool of the same name); the
     *                                             pool is not started
     * @throws io.github.wspool.EndpointConnectException with {@code failFastInitialization(true)}, if an endpoint
     *                                             cannot be connected
     */
    public WebSocketPool build() {
        return DefaultWebSocketPool.start(settings());
    }

    /** Checks the settings against each other and freezes them, one record per component. */
    PoolSettings settings() {
        if (endpoints.isEmpty() && endpointResolver == null) {
            throw new IllegalArgumentException("at least one endpoint is required: call endpoint(\"ws://host:port/path\")"
                    + " or endpointResolver(...)");
        }
        if (minConnections > maxConnections) {
            throw new IllegalArgumentException("minConnections (" + minConnections + ") must not exceed maxConnections ("
                    + maxConnections + ")");
        }
        String poolName = name != null ? name : "wspool-" + POOL_SEQUENCE.incrementAndGet();
        MessagingSettings messaging = messagingSettings();
        return new PoolSettings(poolName, endpoints, listeners, ticker, transportFor(poolName), shutdownTimeout,
                new LeaseSettings(pooling, maxLeasesPerConnection, maxPendingAcquires, acquireTimeout,
                        leakDetectionThreshold, LeaseSettings.BARGING_WINDOW_NANOS),
                connectSettings(poolName, pooling, minConnections, maxConnections),
                new RoutingSettings(strategy != null ? strategy : Strategies.roundRobin(), panicMode, affinityMaxKeys,
                        affinityExpireAfterAccess),
                healthSettings(),
                new ExpirySettings(idleAfter, idleTimeout, maxLifetime, pooling ? minConnections : 0),
                messaging, sessionSettings(messaging.messageHandler()), registerMbeans, fleetSettings());
    }
}

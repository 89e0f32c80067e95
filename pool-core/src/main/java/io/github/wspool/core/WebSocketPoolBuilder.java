package io.github.wspool.core;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.wspool.Endpoint;
import io.github.wspool.HeaderSupplier;
import io.github.wspool.HealthProbe;
import io.github.wspool.LoadBalancingStrategy;
import io.github.wspool.MessageCorrelator;
import io.github.wspool.MessageHandler;
import io.github.wspool.PoolListener;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.internal.DefaultWebSocketPool;
import io.github.wspool.core.internal.EndpointUris;
import io.github.wspool.core.internal.PoolConfig;
import io.github.wspool.core.internal.PoolConfig.EndpointSpec;
import io.github.wspool.core.internal.transport.jws.JavaWebSocketTransport;
import io.github.wspool.core.internal.transport.selector.SelectorTransport;
import io.github.wspool.core.spi.HttpHeaders;
import io.github.wspool.core.spi.TlsOptions;
import io.github.wspool.core.spi.Transport;
import io.github.wspool.strategy.Strategies;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Configures and builds a {@link WebSocketPool}. Obtain one from {@link WebSocketPools#builder()}.
 *
 * <p>Every setter validates its argument at once and throws {@link IllegalArgumentException} naming the setting
 * and the value given; {@link #build()} checks the settings against each other. Nothing is ever silently clamped.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@link #name(String)}</td><td>{@code wspool-N}</td><td>used in thread names, logs, errors</td></tr>
 *   <tr><td>{@link #endpoint(String)}</td><td>none, at least one required</td><td>{@code ws://} or {@code wss://}
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
 *   <tr><td>{@link #closeTimeout(Duration)}</td><td>2 s</td><td>wait for the server's close reply before the
 *       socket is closed anyway</td></tr>
 *   <tr><td>{@link #shutdownTimeout(Duration)}</td><td>10 s</td><td>on {@code close()}, wait for leases to come
 *       back</td></tr>
 *   <tr><td>{@link #reconnectBackoff(Duration, Duration)}</td><td>250 ms .. 10 s, x2</td><td>delay between failed
 *       connects to an endpoint, exponential with full jitter</td></tr>
 *   <tr><td>{@link #maxMessageSize(int)}</td><td>1 MiB</td><td>largest inbound message accepted, however it is
 *       fragmented; a larger one closes the connection with 1009</td></tr>
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
 *   <tr><td>{@link #maxConnectRate(double, double)}</td><td>unlimited</td><td>connects per second, per endpoint and
 *       per pool</td></tr>
 *   <tr><td>{@link #failFastInitialization(boolean)}</td><td>{@code false}</td><td>{@code build()} throws if an
 *       endpoint cannot be connected</td></tr>
 *   <tr><td>{@link #strategy(LoadBalancingStrategy)}</td><td>round-robin</td><td>endpoint selection</td></tr>
 *   <tr><td>{@link #maxConnectionsPerEndpoint(int)}</td><td>unlimited</td><td>cap per endpoint</td></tr>
 *   <tr><td>{@link #ejectAfterConnectFailures(int)}</td><td>3</td><td>connects before the endpoint breaker
 *       judges (opens at a 50% failure rate)</td></tr>
 *   <tr><td>{@link #panicMode(boolean)}</td><td>{@code false}</td><td>with no healthy endpoint: fail fast, or try
 *       them all</td></tr>
 *   <tr><td>{@link #affinity(int, Duration)}</td><td>100,000 keys, 30 min</td><td>sticky-affinity table
 *       bounds</td></tr>
 *   <tr><td>{@link #onMessage(MessageHandler)}</td><td>none</td><td>receives inbound messages no lease
 *       claims</td></tr>
 *   <tr><td>{@link #messageExecutor(Executor)}</td><td>pool's own, min(cores, 4) threads</td><td>runs message
 *       handlers</td></tr>
 *   <tr><td>{@link #correlator(MessageCorrelator)}</td><td>JSON field {@code messageId}</td><td>matches replies to
 *       {@code request(...)}</td></tr>
 *   <tr><td>{@link #maxBufferedBytes(long)}</td><td>4 MiB</td><td>outgoing buffer per connection</td></tr>
 *   <tr><td>{@link #sendBlockTimeout(Duration)}</td><td>0 (fail at once)</td><td>how long a send waits for room in
 *       a full buffer</td></tr>
 *   <tr><td>{@link #maxQueuedInboundBytes(long)}</td><td>8 MiB</td><td>inbound messages queued for handlers per
 *       connection</td></tr>
 *   <tr><td>{@link #maxLeasesPerConnection(int)}</td><td>1 (exclusive)</td><td>leases sharing one connection at
 *       once</td></tr>
 * </table>
 */
public final class WebSocketPoolBuilder {

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
    private Duration healthCheckInterval = Duration.ofSeconds(30);
    private Duration pongTimeout = Duration.ofSeconds(5);
    private int maxMissedPongs = 1;
    private Duration leakDetectionThreshold = Duration.ZERO;
    private HealthProbe healthProbe;
    private Duration probeInterval = Duration.ofSeconds(30);
    private Duration probeTimeout = Duration.ofSeconds(5);
    private int probeUnhealthyThreshold = 2;
    private Function<URI, URI> endpointHealthUrl;
    private Duration endpointHealthInterval = Duration.ofSeconds(5);
    private Duration endpointHealthTimeout = Duration.ofSeconds(3);
    private int endpointUnhealthyThreshold = 2;
    private int endpointHealthyThreshold = 2;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration closeTimeout = Duration.ofSeconds(2);
    private Duration shutdownTimeout = Duration.ofSeconds(10);
    private Duration backoffInitial = Duration.ofMillis(250);
    private Duration backoffMax = Duration.ofSeconds(10);
    private double backoffMultiplier = 2.0;
    private int maxMessageSize = 1 << 20;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private boolean failFastInitialization;
    private int maxConnectionsPerEndpoint = Integer.MAX_VALUE;
    private int maxConcurrentConnectsPerEndpoint = 8;
    private int maxConcurrentConnects = 32;
    private int ejectAfterConnectFailures = 3;
    private CircuitBreakerConfig endpointBreakerConfig;
    private CircuitBreakerConfig connectionBreakerConfig = CircuitBreakerConfig.custom()
            .slidingWindow(20, 5, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(50)
            .writableStackTraceEnabled(false)
            .build();
    private CircuitBreakerRegistry breakerRegistry;
    private boolean panicMode;
    private int affinityMaxKeys = 100_000;
    private Duration affinityExpireAfterAccess = Duration.ofMinutes(30);
    private LoadBalancingStrategy strategy;
    private final List<PoolListener> listeners = new ArrayList<>();
    private Ticker ticker = Ticker.system();
    private Transport transport;
    private int selectorThreads; // > 0: the SelectorTransport's selector threads; 0: min(cores, 4)
    private boolean threadPerConnection; // build a JavaWebSocketTransport instead of the SelectorTransport
    private MessageHandler messageHandler;
    private Executor messageExecutor;
    private MessageCorrelator correlator = Correlators.messageId();
    private long maxBufferedBytes = 4L << 20;
    private Duration sendBlockTimeout = Duration.ZERO;
    private long maxQueuedInboundBytes = 8L << 20;
    private int maxLeasesPerConnection = 1;
    private HeaderSupplier headerSupplier;
    private boolean refreshHeadersOnAuthFailure = true;
    private List<String> subprotocols = List.of();
    private boolean subprotocolRequired;
    private SSLContext sslContext;
    private SSLParameters sslParameters;
    private boolean verifyHostname = true;
    private double connectRatePerEndpoint;
    private double connectRatePerPool;

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
            throw new IllegalArgumentException("name must not be blank, but was " + quote(name));
        }
        this.name = name;
        return this;
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
            throw new IllegalArgumentException("endpoint URI is not a valid URI: " + quote(uri) + " (" + e.getReason()
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
                throw new IllegalArgumentException("endpoint " + quote(Endpoint.describe(uri)) + " was already added");
            }
        }
        headers.forEach(WebSocketPoolBuilder::requireValidHeader);
        endpoints.add(new EndpointSpec(uri, weight, headers));
        return this;
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
        return this;
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
        return this;
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
        return this;
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
        return this;
    }

    /**
     * How long {@code acquire()} waits.
     *
     * @param timeout zero or positive
     * @return this
     */
    public WebSocketPoolBuilder acquireTimeout(Duration timeout) {
        this.acquireTimeout = nonNegative("acquireTimeout", timeout);
        return this;
    }

    /**
     * How long a READY connection may go unused before it is marked IDLE. Counted from the first housekeeping pass
     * after its last release (releases read no clock): never early, late by at most the time between two passes.
     *
     * @param idleAfter positive
     * @return this
     */
    public WebSocketPoolBuilder idleAfter(Duration idleAfter) {
        this.idleAfter = positive("idleAfter", idleAfter);
        return this;
    }

    /**
     * How long an IDLE connection above {@code minConnections} is kept before it is closed, counted as for
     * {@link #idleAfter(Duration)}.
     *
     * @param timeout positive, or zero to never close idle connections
     * @return this
     */
    public WebSocketPoolBuilder idleTimeout(Duration timeout) {
        this.idleTimeout = nonNegative("idleTimeout", timeout);
        return this;
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
        this.maxLifetime = nonNegative("maxLifetime", lifetime);
        return this;
    }

    /**
     * The keepalive ping period of every open connection (leased or not), from the pool's one scheduler.
     *
     * @param interval positive, or zero to send no keepalive pings
     * @return this
     */
    public WebSocketPoolBuilder healthCheckInterval(Duration interval) {
        this.healthCheckInterval = nonNegative("healthCheckInterval", interval);
        return this;
    }

    /**
     * How long a keepalive ping may wait for its pong. A connection that misses {@link #maxMissedPongs(int)} pongs in
     * a row is unhealthy and recycled: only a pong proves the peer is alive, not outgoing traffic.
     *
     * @param timeout positive
     * @return this
     */
    public WebSocketPoolBuilder pongTimeout(Duration timeout) {
        this.pongTimeout = positive("pongTimeout", timeout);
        return this;
    }

    /**
     * How many consecutive keepalive pongs a connection may miss before it is unhealthy (default 1: the first miss).
     * When two connections of one endpoint go unhealthy this way with no pong from that endpoint in between, the
     * endpoint itself is ejected: its other connections stop being handed out at once.
     *
     * @param missed at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxMissedPongs(int missed) {
        if (missed < 1) {
            throw new IllegalArgumentException("maxMissedPongs must be at least 1, but was " + missed);
        }
        this.maxMissedPongs = missed;
        return this;
    }

    /**
     * An application-level probe run on idle connections every {@code interval}; a reply must arrive within
     * {@code timeout}. A connection failing {@code unhealthyThreshold} probes in a row is unhealthy and recycled; its
     * outcomes also feed the connection's circuit breaker. Off by default.
     *
     * @param probe              what to send and how to recognise the reply
     * @param interval           positive
     * @param timeout            positive
     * @param unhealthyThreshold consecutive failures that make a connection unhealthy, at least 1
     * @return this
     */
    public WebSocketPoolBuilder healthProbe(HealthProbe probe, Duration interval, Duration timeout,
                                            int unhealthyThreshold) {
        this.healthProbe = Objects.requireNonNull(probe, "healthProbe must not be null");
        this.probeInterval = positive("healthProbe interval", interval);
        this.probeTimeout = positive("healthProbe timeout", timeout);
        if (unhealthyThreshold < 1) {
            throw new IllegalArgumentException("healthProbe unhealthyThreshold must be at least 1, but was "
                    + unhealthyThreshold);
        }
        this.probeUnhealthyThreshold = unhealthyThreshold;
        return this;
    }

    /**
     * An HTTP health check per endpoint: {@code GET http://<endpoint host:port><path>} (https for {@code wss}) every
     * 5 s with a 3 s timeout, 2xx passing; 2 failures in a row make the endpoint unhealthy (no new leases or
     * connections, idle connections drained), 2 passes in a row healthy again.
     *
     * @param path the health path on each endpoint's host and port, e.g. {@code "/health"}
     * @return this
     */
    public WebSocketPoolBuilder endpointHealthCheck(String path) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("endpointHealthCheck path must start with '/', but was " + quote(path));
        }
        return endpointHealthCheck(uri -> URI.create(("wss".equalsIgnoreCase(uri.getScheme()) ? "https" : "http")
                + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + path),
                Duration.ofSeconds(5), Duration.ofSeconds(3), 2, 2);
    }

    /**
     * An HTTP health check per endpoint with every setting given (Envoy's active health check semantics).
     *
     * @param healthUrl          maps an endpoint URI to its health URL ({@code http} or {@code https})
     * @param interval           positive
     * @param timeout            positive, bound on connect plus response
     * @param unhealthyThreshold failures in a row that make the endpoint unhealthy, at least 1
     * @param healthyThreshold   passes in a row that make it healthy again, at least 1
     * @return this
     */
    public WebSocketPoolBuilder endpointHealthCheck(Function<URI, URI> healthUrl, Duration interval, Duration timeout,
                                                    int unhealthyThreshold, int healthyThreshold) {
        this.endpointHealthUrl = Objects.requireNonNull(healthUrl, "healthUrl must not be null");
        this.endpointHealthInterval = positive("endpointHealthCheck interval", interval);
        this.endpointHealthTimeout = positive("endpointHealthCheck timeout", timeout);
        if (unhealthyThreshold < 1 || healthyThreshold < 1) {
            throw new IllegalArgumentException("endpointHealthCheck thresholds must be at least 1, but were unhealthy="
                    + unhealthyThreshold + ", healthy=" + healthyThreshold);
        }
        this.endpointUnhealthyThreshold = unhealthyThreshold;
        this.endpointHealthyThreshold = healthyThreshold;
        return this;
    }

    /**
     * A lease held longer than this gets one WARN log line with the stack trace of where it was acquired, and an INFO
     * line when it finally comes back. Zero (the default) disables the check, and costs nothing.
     *
     * @param threshold zero, or positive
     * @return this
     */
    public WebSocketPoolBuilder leakDetectionThreshold(Duration threshold) {
        this.leakDetectionThreshold = nonNegative("leakDetectionThreshold", threshold);
        return this;
    }

    /**
     * Bound on opening one connection: TCP connect plus TLS plus the WebSocket opening handshake.
     *
     * @param timeout positive
     * @return this
     */
    public WebSocketPoolBuilder connectTimeout(Duration timeout) {
        this.connectTimeout = positive("connectTimeout", timeout);
        return this;
    }

    /**
     * How long a closing connection waits for the server's close frame before its socket is closed anyway.
     *
     * @param timeout positive
     * @return this
     */
    public WebSocketPoolBuilder closeTimeout(Duration timeout) {
        this.closeTimeout = positive("closeTimeout", timeout);
        return this;
    }

    /**
     * How long {@code close()} waits for leased connections to be released before closing them anyway.
     *
     * @param timeout zero or positive
     * @return this
     */
    public WebSocketPoolBuilder shutdownTimeout(Duration timeout) {
        this.shutdownTimeout = nonNegative("shutdownTimeout", timeout);
        return this;
    }

    /**
     * Delay between failed connect attempts to one endpoint: exponential from {@code initial}, doubling, capped at
     * {@code max}, each delay drawn uniformly from zero to that bound ("full jitter").
     *
     * @param initial positive
     * @param max     at least {@code initial}
     * @return this
     */
    public WebSocketPoolBuilder reconnectBackoff(Duration initial, Duration max) {
        return reconnectBackoff(initial, max, 2.0);
    }

    /**
     * Like {@link #reconnectBackoff(Duration, Duration)}, with the growth factor of the bound.
     *
     * @param initial    positive
     * @param max        at least {@code initial}
     * @param multiplier at least 1.0 (1.0: a constant bound)
     * @return this
     */
    public WebSocketPoolBuilder reconnectBackoff(Duration initial, Duration max, double multiplier) {
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("reconnectBackoff multiplier must be a finite number of at least 1.0,"
                    + " but was " + multiplier);
        }
        positive("reconnectBackoff initial", initial);
        positive("reconnectBackoff max", max);
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("reconnectBackoff max (" + max + ") must not be less than initial ("
                    + initial + ")");
        }
        this.backoffInitial = initial;
        this.backoffMax = max;
        this.backoffMultiplier = multiplier;
        return this;
    }

    /**
     * The largest inbound message accepted, in bytes (default 1 MiB), whether it comes in one frame or assembled from
     * continuation frames. A frame that declares a larger length is refused before anything is allocated for it, and
     * a fragmented message is refused as soon as its fragments add up to more; either way the connection is closed
     * with 1009 (message too big), recycled, and counted as a failure of its endpoint.
     *
     * @param bytes at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxMessageSize(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxMessageSize must be at least 1 byte, but was " + bytes);
        }
        this.maxMessageSize = bytes;
        return this;
    }

    /**
     * An HTTP header sent with every WebSocket upgrade request of this pool, e.g. {@code Authorization}. Values are
     * treated as secrets: they never appear in logs, exception messages, {@code toString()} or metric tags.
     *
     * @param name  a header name (an HTTP token, not blank)
     * @param value the value, not null
     * @return this
     */
    public WebSocketPoolBuilder header(String name, String value) {
        requireValidHeader(name, value);
        headers.put(name, value);
        return this;
    }

    private static void requireValidHeader(String name, String value) {
        String problem = HttpHeaders.problem(name, value);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Headers computed for every opening handshake, for credentials that expire (a JWT, an OAuth access token):
     * called on each connect, on the transport's connecting thread, with {@code refresh = true} on the one retry
     * after a {@code 401}/{@code 403} (see {@link #refreshHeadersOnAuthFailure(boolean)}). They replace static
     * headers of the same name. Values are secrets, as for {@link #header(String, String)}.
     *
     * @param supplier not null
     * @return this
     */
    public WebSocketPoolBuilder headers(HeaderSupplier supplier) {
        this.headerSupplier = Objects.requireNonNull(supplier, "header supplier must not be null");
        return this;
    }

    /**
     * Whether an upgrade rejected with {@code 401} or {@code 403} is retried at once, once, with headers the
     * {@link #headers(HeaderSupplier) supplier} is asked to refresh, before it counts as a connect failure (against
     * the endpoint's breaker and backoff). Default {@code true}; without a supplier there is nothing to refresh and a
     * rejection always counts.
     *
     * @param refresh {@code false} to count every rejection at once
     * @return this
     */
    public WebSocketPoolBuilder refreshHeadersOnAuthFailure(boolean refresh) {
        this.refreshHeadersOnAuthFailure = refresh;
        return this;
    }

    /**
     * Subprotocols to request ({@code Sec-WebSocket-Protocol}), in order of preference; the server must select one
     * of them, or the connect fails with an {@link io.github.wspool.EndpointConnectException} saying so. The
     * selected one is {@link io.github.wspool.PooledConnection#subprotocol()}.
     *
     * @param protocols one or more subprotocol names (HTTP tokens), e.g. {@code "agent-protocol-v1"}
     * @return this
     */
    public WebSocketPoolBuilder subprotocols(String... protocols) {
        return subprotocols(protocols == null ? null : java.util.Arrays.asList(protocols), true);
    }

    /**
     * Subprotocols to request, in order of preference.
     *
     * @param protocols subprotocol names (HTTP tokens), not empty
     * @param required  whether a server that selects none of them fails the connect ({@code false}: the connection
     *                  is used without a subprotocol). A server selecting one that was not requested always fails it
     *                  (RFC 6455 4.1).
     * @return this
     */
    public WebSocketPoolBuilder subprotocols(List<String> protocols, boolean required) {
        if (protocols == null || protocols.isEmpty()) {
            throw new IllegalArgumentException("subprotocols must name at least one protocol, but were " + protocols);
        }
        for (String p : protocols) {
            if (p == null || p.isEmpty() || !p.chars().allMatch(WebSocketPoolBuilder::isTokenChar)) {
                throw new IllegalArgumentException("subprotocol must be an HTTP token, but was " + quote(p)
                        + " in " + protocols);
            }
        }
        if (new java.util.HashSet<>(protocols).size() != protocols.size()) {
            throw new IllegalArgumentException("subprotocols must not repeat a name, but were " + protocols);
        }
        this.subprotocols = List.copyOf(protocols);
        this.subprotocolRequired = required;
        return this;
    }

    private static boolean isTokenChar(int ch) {
        return ch > 32 && ch < 127 && "()<>@,;:\\\"/[]?={}".indexOf(ch) < 0;
    }

    /**
     * The SSL context for {@code wss://} endpoints: a private CA in its trust managers, a client certificate in its
     * key managers (default: the JVM's default context and trust store). Hostname verification stays on.
     *
     * @param context not null
     * @return this
     */
    public WebSocketPoolBuilder sslContext(SSLContext context) {
        this.sslContext = Objects.requireNonNull(context, "sslContext must not be null");
        return this;
    }

    /**
     * TLS parameters applied on top of the context's defaults for {@code wss://} endpoints: protocols, cipher
     * suites, SNI server names, algorithm constraints, ALPN. Copied at connect, never mutated. Their endpoint
     * identification algorithm is ignored: hostname verification is on unless
     * {@link #dangerouslyDisableHostnameVerification()} is called.
     *
     * @param parameters not null
     * @return this
     */
    public WebSocketPoolBuilder sslParameters(SSLParameters parameters) {
        this.sslParameters = Objects.requireNonNull(parameters, "sslParameters must not be null");
        return this;
    }

    /**
     * <b>Insecure.</b> Accepts a server certificate issued for any host name, as long as the trust store accepts
     * the certificate itself: anyone holding such a certificate can impersonate the server and read and change all
     * traffic. Only for tests or a private network where certificates do not carry the right names; prefer fixing
     * the certificate or connecting by the name it carries. The pool logs a WARN when it is built with this.
     *
     * @return this
     */
    public WebSocketPoolBuilder dangerouslyDisableHostnameVerification() {
        this.verifyHostname = false;
        return this;
    }

    /**
     * Caps how fast new connections are opened, so that a restart (or a whole endpoint coming back) does not open
     * thousands at once: at most {@code perEndpointPerSecond} connects per second to each endpoint and
     * {@code perPoolPerSecond} in all, each allowing a burst of a tenth of a second's worth (at least 1). Connects
     * over the rate wait for their turn; acquires waiting for them wait too. Zero means unlimited (the default for
     * both); retries after failures are also spread by {@link #reconnectBackoff(Duration, Duration)}.
     *
     * @param perEndpointPerSecond zero or positive
     * @param perPoolPerSecond     zero or positive
     * @return this
     */
    public WebSocketPoolBuilder maxConnectRate(double perEndpointPerSecond, double perPoolPerSecond) {
        if (!(perEndpointPerSecond >= 0) || Double.isInfinite(perEndpointPerSecond)) {
            throw new IllegalArgumentException("maxConnectRate perEndpointPerSecond must be zero (unlimited) or a"
                    + " positive finite number, but was " + perEndpointPerSecond);
        }
        if (!(perPoolPerSecond >= 0) || Double.isInfinite(perPoolPerSecond)) {
            throw new IllegalArgumentException("maxConnectRate perPoolPerSecond must be zero (unlimited) or a"
                    + " positive finite number, but was " + perPoolPerSecond);
        }
        this.connectRatePerEndpoint = perEndpointPerSecond;
        this.connectRatePerPool = perPoolPerSecond;
        return this;
    }

    /**
     * Whether {@link #build()} connects to every endpoint before returning and throws
     * {@link io.github.wspool.EndpointConnectException} if one cannot be reached (the pool is closed again). By
     * default a server that is down at build time is not an error: connects retry with backoff.
     *
     * @param failFast {@code true} to check at build
     * @return this
     */
    public WebSocketPoolBuilder failFastInitialization(boolean failFast) {
        this.failFastInitialization = failFast;
        return this;
    }

    /**
     * A cap on connections (open plus connecting) to any one endpoint, besides the pool-wide {@code maxConnections}.
     * Unlimited by default.
     *
     * @param max at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxConnectionsPerEndpoint(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxConnectionsPerEndpoint must be at least 1, but was " + max);
        }
        this.maxConnectionsPerEndpoint = max;
        return this;
    }

    /**
     * Caps on connect attempts in flight at once, per endpoint and for the whole pool, so that a pool starting with a
     * large {@code minConnections}, or refilling after a server restart, ramps up instead of stampeding the server.
     * Connects beyond a cap start as earlier ones finish. Defaults: 8 per endpoint, 32 per pool.
     *
     * @param perEndpoint at least 1
     * @param perPool     at least {@code perEndpoint}
     * @return this
     */
    public WebSocketPoolBuilder maxConcurrentConnects(int perEndpoint, int perPool) {
        if (perEndpoint < 1) {
            throw new IllegalArgumentException("maxConcurrentConnects perEndpoint must be at least 1, but was "
                    + perEndpoint);
        }
        if (perPool < perEndpoint) {
            throw new IllegalArgumentException("maxConcurrentConnects perPool (" + perPool + ") must not be less than"
                    + " perEndpoint (" + perEndpoint + ")");
        }
        this.maxConcurrentConnectsPerEndpoint = perEndpoint;
        this.maxConcurrentConnects = perPool;
        return this;
    }

    /**
     * The number of connects the default endpoint circuit breaker needs before it judges: once at least this many
     * have been made, a failure rate of 50% or more opens it, and the endpoint is unhealthy (ejected): no leases, no
     * connects, until after the open-state wait one probe connect succeeds. From a clean start this means after
     * {@code failures} failed connects in a row. Ignored when {@link #endpointBreakerConfig} is given.
     *
     * @param failures at least 1 (default 3)
     * @return this
     */
    public WebSocketPoolBuilder ejectAfterConnectFailures(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("ejectAfterConnectFailures must be at least 1, but was " + failures);
        }
        this.ejectAfterConnectFailures = failures;
        return this;
    }

    /**
     * The Resilience4j configuration of the per-endpoint circuit breakers, replacing the default: count-based window
     * of 10 connects, opening at a 50% failure rate after {@code ejectAfterConnectFailures} connects, one probe
     * connect when half-open, and an open-state wait of 1 s doubling with each repeated ejection up to 30 s (so a
     * restarted server is used again within seconds, and a flapping one less and less often). The breakers record
     * connect outcomes; the pool also forces them open when an endpoint's connections stop answering.
     *
     * @param config not null
     * @return this
     */
    public WebSocketPoolBuilder endpointBreakerConfig(CircuitBreakerConfig config) {
        this.endpointBreakerConfig = Objects.requireNonNull(config, "endpointBreakerConfig must not be null");
        return this;
    }

    /**
     * The Resilience4j configuration shared by the per-connection circuit breakers, which record each connection's
     * send outcomes and keepalive ping outcomes; when one opens, its connection is unhealthy and recycled. The
     * default is a small count-based window (20 calls, judged after 5, open at 50% failures): the library's default
     * of 100 calls would rarely judge a quiet socket and costs about three times the memory per connection. These
     * breakers are not registered anywhere nor turned into meters: there may be thousands. With a count-based window
     * a connection's breaker is made at its first failure, with the successes before it replayed (the same state as
     * a breaker made at open, without its memory on healthy connections); a time-based window is made at open.
     *
     * @param config not null
     * @return this
     */
    public WebSocketPoolBuilder connectionBreakerConfig(CircuitBreakerConfig config) {
        this.connectionBreakerConfig = Objects.requireNonNull(config, "connectionBreakerConfig must not be null");
        return this;
    }

    /**
     * A Resilience4j registry to create the per-endpoint breakers in (named {@code wspool.<pool>.<endpoint>}), so
     * they show up in existing Resilience4j tooling. The breakers then use the registry's clock, not the ticker.
     *
     * @param registry not null
     * @return this
     */
    public WebSocketPoolBuilder circuitBreakerRegistry(CircuitBreakerRegistry registry) {
        this.breakerRegistry = Objects.requireNonNull(registry, "circuitBreakerRegistry must not be null");
        return this;
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
        return this;
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
        this.affinityExpireAfterAccess = positive("affinity expireAfterAccess", expireAfterAccess);
        this.affinityMaxKeys = maxKeys;
        return this;
    }

    /**
     * The endpoint selection strategy, for example {@code Strategies.roundRobin()}. Give each pool its own instance.
     *
     * @param strategy not null
     * @return this
     */
    public WebSocketPoolBuilder strategy(LoadBalancingStrategy strategy) {
        this.strategy = Objects.requireNonNull(strategy, "strategy must not be null");
        return this;
    }

    /**
     * Adds a listener for pool events. Listeners are called in the order added.
     *
     * @param listener not null
     * @return this
     */
    public WebSocketPoolBuilder listener(PoolListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener must not be null"));
        return this;
    }

    /**
     * The time source for expiry, idle, backoff and timing (default {@link Ticker#system()}).
     *
     * @param ticker not null
     * @return this
     */
    public WebSocketPoolBuilder ticker(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
        return this;
    }

    /**
     * The transport that opens connections (default: the shared-selector transport, see {@link
     * #sharedSelectorTransport(int)}). The pool owns it and closes it on {@code close()}. Replaces a transport chosen
     * before, and is replaced by one chosen after.
     *
     * @param transport not null
     * @return this
     */
    public WebSocketPoolBuilder transport(Transport transport) {
        this.transport = Objects.requireNonNull(transport, "transport must not be null");
        this.selectorThreads = 0;
        this.threadPerConnection = false;
        return this;
    }

    /**
     * Sets the number of selector threads of the default transport, which puts all of the pool's connections on
     * {@code selectorThreads} shared NIO selector threads, plus idle-ending helper threads ({@code max(2,
     * selectorThreads)} workers for TLS tasks and open/close callbacks, up to 8 connectors for DNS and header
     * suppliers), instead of costing two threads each. Java-WebSocket's protocol engine frames the messages, as on
     * the {@linkplain #threadPerConnectionTransport() other transport}. Each {@link #build()} gets its own. Replaces
     * a transport chosen before, and is replaced by one chosen after. See the README, "Choosing a transport".
     *
     * @param selectorThreads 1 to 64, or 0 for the default {@code min(cores, 4)}
     * @return this
     */
    public WebSocketPoolBuilder sharedSelectorTransport(int selectorThreads) {
        if (selectorThreads < 0 || selectorThreads > 64) {
            throw new IllegalArgumentException("selectorThreads must be between 1 and 64 (or 0 for the default,"
                    + " min(cores, 4)), but was " + selectorThreads);
        }
        this.selectorThreads = selectorThreads == 0 ? SelectorTransport.defaultSelectorCount() : selectorThreads;
        this.threadPerConnection = false;
        this.transport = null; // one per build(): a pool closes its transport
        return this;
    }

    /**
     * Uses Java-WebSocket's {@code WebSocketClient} instead of the default shared-selector transport: each open
     * connection has its own reader thread ({@code wspool-<pool>-io-N}) and the library's writer thread, so it costs
     * two threads and about 250 KiB of memory. Choose it for Java-WebSocket's own client code path, or when message
     * handlers run on the I/O thread ({@code messageExecutor(Runnable::run)}) and may block: here that stalls only
     * their own connection, on the shared selector every connection of that selector. Each {@link #build()} gets its
     * own. Replaces a transport chosen before, and is replaced by one chosen after.
     *
     * @return this
     */
    public WebSocketPoolBuilder threadPerConnectionTransport() {
        this.threadPerConnection = true;
        this.selectorThreads = 0;
        this.transport = null;
        return this;
    }

    /**
     * The pool-level message handler: it receives every inbound text and binary message that no lease claims (no
     * pending request matches it and no holder attached a handler with {@link
     * io.github.wspool.PooledConnection#onMessage}), including those that arrive while the connection is not
     * leased: server pushes, for example. Without one, such messages are dropped and reported to listeners as
     * {@code unhandled}.
     *
     * @param handler not null
     * @return this
     */
    public WebSocketPoolBuilder onMessage(MessageHandler handler) {
        this.messageHandler = Objects.requireNonNull(handler, "message handler must not be null");
        return this;
    }

    /**
     * Where message handlers run. By default the pool starts its own small executor ({@code min(cores, 4)} daemon
     * threads named {@code wspool-<pool>-msg-N}, stopped on {@code close()}). Whatever the executor, one
     * connection's messages are handled one at a time and in order. An executor given here is not shut down by the
     * pool. {@code Runnable::run} runs handlers on the transport's I/O thread: the lowest latency, but a handler that
     * blocks then stalls reads: on the default shared-selector transport of every connection on that selector, on
     * the {@linkplain #threadPerConnectionTransport() thread-per-connection} one of its own connection only.
     *
     * @param executor not null
     * @return this
     */
    public WebSocketPoolBuilder messageExecutor(Executor executor) {
        this.messageExecutor = Objects.requireNonNull(executor, "messageExecutor must not be null");
        return this;
    }

    /**
     * How {@code request(...)} matches replies to requests (default {@link Correlators#messageId()}: the top-level
     * JSON field {@code messageId}; {@link Correlators#jsonField(String)} for another field name).
     *
     * @param correlator not null
     * @return this
     */
    public WebSocketPoolBuilder correlator(MessageCorrelator correlator) {
        this.correlator = Objects.requireNonNull(correlator, "correlator must not be null");
        return this;
    }

    /**
     * Bound on each connection's outgoing buffer: the bytes of frames sent but not yet written to the socket
     * (Java-WebSocket's own queue is unbounded). A send that does not fit fails with
     * {@link io.github.wspool.SendBufferFullException}, at once or after {@link #sendBlockTimeout(Duration)}; nothing
     * of it is queued. A single message larger than this can never be sent. Default 4 MiB.
     *
     * @param bytes at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxBufferedBytes(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxBufferedBytes must be at least 1 byte, but was " + bytes);
        }
        this.maxBufferedBytes = bytes;
        return this;
    }

    /**
     * How long a send waits for room when the outgoing buffer is full, before it fails with
     * {@link io.github.wspool.SendBufferFullException}. Zero (the default) fails at once, so a send never blocks.
     *
     * @param timeout zero or positive
     * @return this
     */
    public WebSocketPoolBuilder sendBlockTimeout(Duration timeout) {
        this.sendBlockTimeout = nonNegative("sendBlockTimeout", timeout);
        return this;
    }

    /**
     * Bound on the inbound messages of one connection that wait for their handler, in bytes (2 per character of
     * text). When it is reached the connection's reader waits until handlers catch up, which with the default
     * transport stops reading that socket: TCP flow control then slows the server down, and the heap does not grow
     * with a peer that sends faster than handlers consume. Default 8 MiB.
     *
     * @param bytes at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxQueuedInboundBytes(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxQueuedInboundBytes must be at least 1 byte, but was " + bytes);
        }
        this.maxQueuedInboundBytes = bytes;
        return this;
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
        return this;
    }

    /**
     * Builds the pool and, with {@code pooling(true)}, starts opening {@code minConnections} in the background.
     *
     * @return the running pool
     * @throws IllegalArgumentException            if no endpoint was given or {@code minConnections > maxConnections}
     * @throws io.github.wspool.EndpointConnectException with {@code failFastInitialization(true)}, if an endpoint
     *                                             cannot be connected
     */
    public WebSocketPool build() {
        return DefaultWebSocketPool.start(config());
    }

    /** Checks the settings against each other and freezes them. */
    PoolConfig config() {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint is required: call endpoint(\"ws://host:port/path\")");
        }
        if (minConnections > maxConnections) {
            throw new IllegalArgumentException("minConnections (" + minConnections + ") must not exceed maxConnections ("
                    + maxConnections + ")");
        }
        String poolName = name != null ? name : "wspool-" + POOL_SEQUENCE.incrementAndGet();
        return new PoolConfig(poolName, endpoints, pooling, minConnections, maxConnections,
                maxPendingAcquires, acquireTimeout, idleAfter, idleTimeout, maxLifetime, healthCheckInterval,
                pongTimeout, maxMissedPongs, leakDetectionThreshold, healthProbe, probeInterval, probeTimeout,
                probeUnhealthyThreshold, endpointHealthUrl, endpointHealthInterval, endpointHealthTimeout,
                endpointUnhealthyThreshold, endpointHealthyThreshold,
                connectTimeout, closeTimeout, shutdownTimeout, backoffInitial, backoffMax, backoffMultiplier,
                maxMessageSize, headers, failFastInitialization, maxConnectionsPerEndpoint,
                maxConcurrentConnectsPerEndpoint, maxConcurrentConnects, ejectAfterConnectFailures,
                endpointBreakerConfig != null ? endpointBreakerConfig : defaultEndpointBreakerConfig(),
                connectionBreakerConfig, breakerRegistry,
                panicMode, affinityMaxKeys, affinityExpireAfterAccess,
                strategy != null ? strategy : Strategies.roundRobin(), listeners, ticker,
                transport != null ? transport : threadPerConnection ? new JavaWebSocketTransport(poolName)
                        : new SelectorTransport(selectorThreads > 0 ? selectorThreads
                                : SelectorTransport.defaultSelectorCount()),
                messageHandler, messageExecutor, correlator, maxBufferedBytes, sendBlockTimeout, maxQueuedInboundBytes,
                maxLeasesPerConnection, headerSupplier, refreshHeadersOnAuthFailure, subprotocols, subprotocolRequired,
                new TlsOptions(sslContext, sslParameters, verifyHostname), connectRatePerEndpoint, connectRatePerPool);
    }

    private CircuitBreakerConfig defaultEndpointBreakerConfig() {
        return CircuitBreakerConfig.custom()
                .slidingWindow(Math.max(10, ejectAfterConnectFailures), ejectAfterConnectFailures,
                        CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(50)
                .permittedNumberOfCallsInHalfOpenState(1)
                .waitIntervalFunctionInOpenState(
                        IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30)))
                .writableStackTraceEnabled(false)
                .build();
    }

    private static Duration positive(String setting, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(setting + " must be positive, but was " + value);
        }
        return value;
    }

    private static Duration nonNegative(String setting, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(setting + " must be zero or positive, but was " + value);
        }
        return value;
    }

    private static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }
}

package io.github.wspool.core;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.wspool.HealthProbe;
import io.github.wspool.core.internal.health.HealthSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * The builder's health options: keepalive pings, the application probe, the endpoints' HTTP health check, and the
 * circuit breakers of connections and endpoints.
 *
 * <p>One group of {@link WebSocketPoolBuilder}'s options, in a file of its own. The groups are stacked
 * ({@code MessageOptions} ← {@code HealthOptions} ← {@code ConnectionOptions} ← {@code WebSocketPoolBuilder}) only so
 * that one public builder carries them all; no other class extends them.
 */
abstract class HealthOptions extends MessageOptions {

    private Duration healthCheckInterval = Duration.ofSeconds(30);
    private Duration pongTimeout = Duration.ofSeconds(5);
    private int maxMissedPongs = 1;
    private HealthProbe healthProbe;
    private Duration probeInterval = Duration.ofSeconds(30);
    private Duration probeTimeout = Duration.ofSeconds(5);
    private int probeUnhealthyThreshold = 2;
    private Function<URI, URI> endpointHealthUrl;
    private Duration endpointHealthInterval = Duration.ofSeconds(5);
    private Duration endpointHealthTimeout = Duration.ofSeconds(3);
    private int endpointUnhealthyThreshold = 2;
    private int endpointHealthyThreshold = 2;
    private int ejectAfterConnectFailures = 3;
    private CircuitBreakerConfig endpointBreakerConfig;
    private CircuitBreakerConfig connectionBreakerConfig = CircuitBreakerConfig.custom()
            .slidingWindow(20, 5, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(50)
            .writableStackTraceEnabled(false)
            .build();
    private CircuitBreakerRegistry breakerRegistry;
    private int maxEjectionPercent = 50;

    HealthOptions() {
    }

    /**
     * The keepalive ping period of every open connection (leased or not), from the pool's one scheduler.
     *
     * @param interval positive, or zero to send no keepalive pings
     * @return this
     */
    public WebSocketPoolBuilder healthCheckInterval(Duration interval) {
        this.healthCheckInterval = Check.nonNegative("healthCheckInterval", interval);
        return self();
    }

    /**
     * How long a keepalive ping may wait for its pong. A connection that misses {@link WebSocketPoolBuilder#maxMissedPongs(int)} pongs in
     * a row is unhealthy and recycled: only a pong proves the peer is alive, not outgoing traffic.
     *
     * @param timeout positive
     * @return this
     */
    public WebSocketPoolBuilder pongTimeout(Duration timeout) {
        this.pongTimeout = Check.positive("pongTimeout", timeout);
        return self();
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
        return self();
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
        this.probeInterval = Check.positive("healthProbe interval", interval);
        this.probeTimeout = Check.positive("healthProbe timeout", timeout);
        if (unhealthyThreshold < 1) {
            throw new IllegalArgumentException("healthProbe unhealthyThreshold must be at least 1, but was "
                    + unhealthyThreshold);
        }
        this.probeUnhealthyThreshold = unhealthyThreshold;
        return self();
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
            throw new IllegalArgumentException("endpointHealthCheck path must start with '/', but was " + Check.quote(path));
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
        this.endpointHealthInterval = Check.positive("endpointHealthCheck interval", interval);
        this.endpointHealthTimeout = Check.positive("endpointHealthCheck timeout", timeout);
        if (unhealthyThreshold < 1 || healthyThreshold < 1) {
            throw new IllegalArgumentException("endpointHealthCheck thresholds must be at least 1, but were unhealthy="
                    + unhealthyThreshold + ", healthy=" + healthyThreshold);
        }
        this.endpointUnhealthyThreshold = unhealthyThreshold;
        this.endpointHealthyThreshold = healthyThreshold;
        return self();
    }

    /**
     * The number of connects the default endpoint circuit breaker needs before it judges: once at least this many
     * have been made, a failure rate of 50% or more opens it, and the endpoint is unhealthy (ejected): no leases, no
     * connects, until after the open-state wait one probe connect succeeds. From a clean start this means after
     * {@code failures} failed connects in a row. Ignored when {@link WebSocketPoolBuilder#endpointBreakerConfig} is given.
     *
     * @param failures at least 1 (default 3)
     * @return this
     */
    public WebSocketPoolBuilder ejectAfterConnectFailures(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("ejectAfterConnectFailures must be at least 1, but was " + failures);
        }
        this.ejectAfterConnectFailures = failures;
        return self();
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
        return self();
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
        return self();
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
        return self();
    }

    /**
     * The largest share of endpoints that may be out of rotation at once (Envoy's {@code max_ejection_percent}),
     * whatever takes them out: failed connects opening an endpoint's breaker, its connections failing, its HTTP health
     * check failing. Beyond it a failure still backs off that endpoint's connects but does not eject it, so a fault
     * that hits every endpoint at once (this client's own network, a shared dependency) leaves the rest in rotation,
     * and the last healthy endpoints are never ejected by their own errors. At least one endpoint may always be
     * ejected unless the share is 0. Failures on this side (file descriptors, memory, the local resolver, a failing
     * header supplier) never count against an endpoint at all. Default 50.
     *
     * @param percent 0 (never eject) to 100 (eject every failing endpoint)
     * @return this
     */
    public WebSocketPoolBuilder maxEjectionPercent(int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("maxEjectionPercent must be between 0 and 100, but was " + percent);
        }
        this.maxEjectionPercent = percent;
        return self();
    }

    HealthSettings healthSettings() {
        return new HealthSettings(healthCheckInterval, pongTimeout, maxMissedPongs, healthProbe, probeInterval,
                probeTimeout, probeUnhealthyThreshold, endpointHealthUrl, endpointHealthInterval,
                endpointHealthTimeout, endpointUnhealthyThreshold, endpointHealthyThreshold, connectionBreakerConfig,
                endpointBreakerConfig != null ? endpointBreakerConfig : defaultEndpointBreakerConfig(),
                breakerRegistry, maxEjectionPercent);
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
}

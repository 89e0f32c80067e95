package io.github.wspool.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.wspool.Endpoint;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.concurrent.TickerClock;
import io.github.wspool.core.internal.connect.ConnectSettings;
import io.github.wspool.core.internal.connection.Backoff;
import io.github.wspool.core.internal.connection.ConnectRate;
import io.github.wspool.core.internal.connection.EndpointCaps;
import io.github.wspool.core.internal.connection.EndpointState;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.spi.TransportOptions;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the state of one endpoint from the pool's settings: its connect breaker (on the pool's ticker, from the
 * user's registry if one was given), its reconnect backoff, caps and rate limit, and its connect options (the pool's
 * headers with the endpoint's own merged in). The breaker's transitions keep the endpoint's health flag current and
 * are logged and reported.
 */
final class EndpointFactory implements EndpointRegistry.Factory {

    private static final Logger log = LoggerFactory.getLogger(EndpointFactory.class);
    /** Decay time of the per-endpoint peak-EWMA latency estimate (Finagle's default). */
    private static final long LATENCY_DECAY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String pool;
    private final ConnectSettings connect;
    private final CircuitBreakerRegistry breakerRegistry;
    private final EndpointCaps caps;
    private final Ticker ticker;
    private final CircuitBreakerConfig breakerConfig;
    private final LongUnaryOperator backoffJitter;
    private final PoolEvents events;

    EndpointFactory(PoolSettings settings, LongUnaryOperator backoffJitter, PoolEvents events) {
        this.pool = settings.name();
        this.connect = settings.connect();
        this.caps = new EndpointCaps(connect.maxConnectionsPerEndpoint(),
                connect.maxConcurrentConnectsPerEndpoint(), settings.lease().maxLeasesPerConnection(),
                settings.fleet().maxFleetConnectionsPerServer());
        this.ticker = settings.ticker();
        this.breakerRegistry = settings.health().breakerRegistry();
        this.breakerConfig = CircuitBreakerConfig.from(settings.health().endpointBreakerConfig())
                .clock(new TickerClock(settings.ticker())).build();
        this.backoffJitter = backoffJitter;
        this.events = events;
    }

    @Override
    public EndpointState create(URI uri, int weight, Map<String, String> headers) {
        return create(uri, weight, headers, null);
    }

    @Override
    public EndpointState create(URI uri, int weight, Map<String, String> headers, String serverName) {
        Backoff backoff = new Backoff(connect.backoffInitial().toNanos(), connect.backoffMax().toNanos(),
                connect.backoffMultiplier(), backoffJitter);
        String breakerName = "wspool." + pool + "." + Endpoint.describe(uri);
        CircuitBreaker breaker = breakerRegistry != null
                ? breakerRegistry.circuitBreaker(breakerName, breakerConfig)
                : CircuitBreaker.of(breakerName, breakerConfig);
        EndpointState e = new EndpointState(uri, weight, caps, breaker, backoff,
                ConnectRate.of(connect.connectRatePerEndpoint()), optionsFor(headers).withServerName(serverName),
                LATENCY_DECAY_NANOS);
        breaker.getEventPublisher().onStateTransition(t -> {
            e.refreshHealth();
            String from = t.getStateTransition().getFromState().name().toLowerCase(Locale.ROOT);
            String to = t.getStateTransition().getToState().name().toLowerCase(Locale.ROOT);
            log.info("[{}] circuit breaker of {}: {} -> {}", pool, e, from, to);
            events.endpointBreakerChanged(e, from, to);
        });
        e.refreshHealth(); // a breaker from the user's registry may have moved before the listener was there
        e.httpCheck().nextAt(ticker.read()); // the first health check is due at once
        return e;
    }

    private TransportOptions optionsFor(Map<String, String> endpointHeaders) {
        TransportOptions pooled = connect.transportOptions();
        if (endpointHeaders.isEmpty()) {
            return pooled;
        }
        Map<String, String> merged = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        merged.putAll(pooled.headers());
        merged.putAll(endpointHeaders); // an endpoint's header replaces the pool's of the same name
        return pooled.withHeaders(merged);
    }
}

package io.github.wspool.core.internal.health;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.wspool.HealthProbe;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a pool checks its connections and endpoints: keepalive pings, the application probe, the endpoints' HTTP
 * health check and each connection's circuit breaker. Durations of zero disable what they time where the builder
 * says so ({@code healthCheckInterval}). Built and validated by the builder.
 *
 * @param pingInterval               keepalive ping period per connection; zero disables pings
 * @param pongTimeout                a ping's pong must come back within this
 * @param maxMissedPongs             missed pongs in a row that make a connection unhealthy
 * @param probe                      the application probe, or {@code null}
 * @param probeInterval              its period
 * @param probeTimeout               its reply's deadline
 * @param probeUnhealthyThreshold    failed probes in a row that make a connection unhealthy
 * @param endpointHealthUrl          maps an endpoint to its HTTP health URL, or {@code null} for no HTTP check
 * @param endpointHealthInterval     the HTTP check's period
 * @param endpointHealthTimeout      the HTTP check's connect and read timeout
 * @param endpointUnhealthyThreshold failed checks in a row that make an endpoint unhealthy
 * @param endpointHealthyThreshold   passed checks in a row that make it healthy again
 * @param connectionBreakerConfig    each connection's breaker (send, request and ping outcomes)
 * @param endpointBreakerConfig      each endpoint's breaker (connect outcomes; forced open on ejection)
 * @param breakerRegistry            where endpoint breakers come from, or {@code null} to make them
 * @param maxEjectionPercent         the share of endpoints (0 to 100) that may be out of rotation at once
 */
public record HealthSettings(Duration pingInterval, Duration pongTimeout, int maxMissedPongs, HealthProbe probe,
                             Duration probeInterval, Duration probeTimeout, int probeUnhealthyThreshold,
                             Function<URI, URI> endpointHealthUrl, Duration endpointHealthInterval,
                             Duration endpointHealthTimeout, int endpointUnhealthyThreshold,
                             int endpointHealthyThreshold, CircuitBreakerConfig connectionBreakerConfig,
                             CircuitBreakerConfig endpointBreakerConfig, CircuitBreakerRegistry breakerRegistry,
                             int maxEjectionPercent) {

    /** Checks the required parts. */
    public HealthSettings {
        Objects.requireNonNull(pingInterval, "pingInterval");
        Objects.requireNonNull(pongTimeout, "pongTimeout");
        Objects.requireNonNull(probeInterval, "probeInterval");
        Objects.requireNonNull(probeTimeout, "probeTimeout");
        Objects.requireNonNull(endpointHealthInterval, "endpointHealthInterval");
        Objects.requireNonNull(endpointHealthTimeout, "endpointHealthTimeout");
        Objects.requireNonNull(connectionBreakerConfig, "connectionBreakerConfig");
        Objects.requireNonNull(endpointBreakerConfig, "endpointBreakerConfig");
    }

    /**
     * Whether keepalive pings run.
     *
     * @return {@code true} with a positive ping interval
     */
    public boolean keepalive() {
        return !pingInterval.isZero() && !pingInterval.isNegative();
    }
}

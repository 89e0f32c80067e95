package io.github.wspool.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.wspool.HeaderSupplier;
import io.github.wspool.HealthProbe;
import io.github.wspool.LoadBalancingStrategy;
import io.github.wspool.MessageCorrelator;
import io.github.wspool.MessageHandler;
import io.github.wspool.PoolListener;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.spi.TlsOptions;
import io.github.wspool.core.spi.Transport;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The validated, immutable configuration of one pool, produced by the builder. Durations of zero mean "disabled"
 * where the builder documents it ({@code idleTimeout}, {@code maxLifetime}, {@code healthCheckInterval}).
 */
public record PoolConfig(
        String name,
        List<EndpointSpec> endpoints,
        boolean pooling,
        int minConnections,
        int maxConnections,
        int maxPendingAcquires,
        Duration acquireTimeout,
        Duration idleAfter,
        Duration idleTimeout,
        Duration maxLifetime,
        Duration healthCheckInterval,
        Duration pongTimeout,
        int maxMissedPongs,
        Duration leakDetectionThreshold,
        HealthProbe healthProbe,
        Duration probeInterval,
        Duration probeTimeout,
        int probeUnhealthyThreshold,
        Function<URI, URI> endpointHealthUrl,
        Duration endpointHealthInterval,
        Duration endpointHealthTimeout,
        int endpointUnhealthyThreshold,
        int endpointHealthyThreshold,
        Duration connectTimeout,
        Duration closeTimeout,
        Duration shutdownTimeout,
        Duration backoffInitial,
        Duration backoffMax,
        double backoffMultiplier,
        int maxMessageSize,
        Map<String, String> headers,
        boolean failFastInitialization,
        int maxConnectionsPerEndpoint,
        int maxConcurrentConnectsPerEndpoint,
        int maxConcurrentConnects,
        int ejectAfterConnectFailures,
        CircuitBreakerConfig endpointBreakerConfig,
        CircuitBreakerConfig connectionBreakerConfig,
        CircuitBreakerRegistry breakerRegistry,
        boolean panicMode,
        int affinityMaxKeys,
        Duration affinityExpireAfterAccess,
        LoadBalancingStrategy strategy,
        List<PoolListener> listeners,
        Ticker ticker,
        Transport transport,
        MessageHandler messageHandler,
        Executor messageExecutor,
        MessageCorrelator correlator,
        long maxBufferedBytes,
        Duration sendBlockTimeout,
        long maxQueuedInboundBytes,
        int maxLeasesPerConnection,
        HeaderSupplier headerSupplier,
        boolean refreshHeadersOnAuthFailure,
        List<String> subprotocols,
        boolean subprotocolRequired,
        TlsOptions tls,
        double connectRatePerEndpoint,
        double connectRatePerPool) {

    /**
     * One configured endpoint.
     *
     * @param uri     as the user gave it
     * @param weight  at least 1
     * @param headers static upgrade headers for this endpoint only (secrets: never printed)
     */
    public record EndpointSpec(URI uri, int weight, Map<String, String> headers) {

        /** Copies the headers. */
        public EndpointSpec {
            headers = Map.copyOf(headers);
        }

        /**
         * An endpoint without headers of its own.
         *
         * @param uri    as the user gave it
         * @param weight at least 1
         */
        public EndpointSpec(URI uri, int weight) {
            this(uri, weight, Map.of());
        }

        /** Never prints header values. */
        @Override
        public String toString() {
            return "EndpointSpec[uri=" + io.github.wspool.Endpoint.describe(uri) + ", weight=" + weight + ", headers="
                    + headers.keySet() + "]";
        }
    }

    /** Never prints header values: they carry credentials. */
    @Override
    public String toString() {
        return "PoolConfig[name=" + name + ", endpoints=" + endpoints.size() + ", pooling=" + pooling + ", min="
                + minConnections + ", max=" + maxConnections + ", headers=" + headers.keySet() + "]";
    }

    /** Copies the lists. */
    public PoolConfig {
        endpoints = List.copyOf(endpoints);
        headers = Map.copyOf(headers);
        listeners = List.copyOf(listeners);
        subprotocols = List.copyOf(subprotocols);
    }
}

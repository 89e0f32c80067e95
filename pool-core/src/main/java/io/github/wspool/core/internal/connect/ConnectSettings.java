package io.github.wspool.core.internal.connect;

import io.github.wspool.ConnectionInitializer;
import io.github.wspool.core.spi.TransportOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * How a pool opens connections: how many, how fast, how it backs off, and what each connect sends. Built and
 * validated by the builder.
 *
 * @param pooling                          whether connections are kept (without, none is opened ahead of demand)
 * @param minConnections                   kept open with pooling
 * @param maxConnections                   open plus connecting, pool-wide
 * @param maxConnectionsPerEndpoint        the same, per endpoint
 * @param maxConcurrentConnects            connect attempts in flight, pool-wide
 * @param maxConcurrentConnectsPerEndpoint connect attempts in flight, per endpoint
 * @param connectRatePerEndpoint           connects per second per endpoint; 0 for no limit
 * @param connectRatePerPool               connects per second pool-wide; 0 for no limit
 * @param connectTimeout                   bound on TCP connect plus opening handshake
 * @param closeTimeout                     how long a closing peer has to answer the close frame
 * @param backoffInitial                   first reconnect delay bound after a failed connect
 * @param backoffMax                       largest reconnect delay bound
 * @param backoffMultiplier                growth of the bound per consecutive failure
 * @param failFastInitialization           whether starting the pool first connects to every endpoint
 * @param refreshHeadersOnAuthFailure      retry a 401/403 at once with headers the supplier refreshes
 * @param transportOptions                 the pool's connect options (an endpoint's own headers are merged in)
 * @param initializer                      runs on every new connection before it is READY, or {@code null}
 * @param initializerTimeout               the initializer's deadline ({@code null}: the connect timeout)
 */
public record ConnectSettings(boolean pooling, int minConnections, int maxConnections, int maxConnectionsPerEndpoint,
                              int maxConcurrentConnects, int maxConcurrentConnectsPerEndpoint,
                              double connectRatePerEndpoint, double connectRatePerPool, Duration connectTimeout,
                              Duration closeTimeout, Duration backoffInitial, Duration backoffMax,
                              double backoffMultiplier, boolean failFastInitialization,
                              boolean refreshHeadersOnAuthFailure, TransportOptions transportOptions,
                              ConnectionInitializer initializer, Duration initializerTimeout) {

    /** Checks the required parts; the initializer's deadline defaults to the connect timeout. */
    public ConnectSettings {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(backoffInitial, "backoffInitial");
        Objects.requireNonNull(backoffMax, "backoffMax");
        Objects.requireNonNull(transportOptions, "transportOptions");
        if (initializerTimeout == null) {
            initializerTimeout = connectTimeout;
        }
    }

    /**
     * Settings without a connection initializer.
     *
     * @param pooling                          whether connections are kept
     * @param minConnections                   kept open with pooling
     * @param maxConnections                   open plus connecting, pool-wide
     * @param maxConnectionsPerEndpoint        the same, per endpoint
     * @param maxConcurrentConnects            connect attempts in flight, pool-wide
     * @param maxConcurrentConnectsPerEndpoint connect attempts in flight, per endpoint
     * @param connectRatePerEndpoint           connects per second per endpoint; 0 for no limit
     * @param connectRatePerPool               connects per second pool-wide; 0 for no limit
     * @param connectTimeout                   bound on TCP connect plus opening handshake
     * @param closeTimeout                     how long a closing peer has to answer the close frame
     * @param backoffInitial                   first reconnect delay bound after a failed connect
     * @param backoffMax                       largest reconnect delay bound
     * @param backoffMultiplier                growth of the bound per consecutive failure
     * @param failFastInitialization           whether starting the pool first connects to every endpoint
     * @param refreshHeadersOnAuthFailure      retry a 401/403 at once with headers the supplier refreshes
     * @param transportOptions                 the pool's connect options
     */
    public ConnectSettings(boolean pooling, int minConnections, int maxConnections, int maxConnectionsPerEndpoint,
                           int maxConcurrentConnects, int maxConcurrentConnectsPerEndpoint,
                           double connectRatePerEndpoint, double connectRatePerPool, Duration connectTimeout,
                           Duration closeTimeout, Duration backoffInitial, Duration backoffMax,
                           double backoffMultiplier, boolean failFastInitialization,
                           boolean refreshHeadersOnAuthFailure, TransportOptions transportOptions) {
        this(pooling, minConnections, maxConnections, maxConnectionsPerEndpoint, maxConcurrentConnects,
                maxConcurrentConnectsPerEndpoint, connectRatePerEndpoint, connectRatePerPool, connectTimeout,
                closeTimeout, backoffInitial, backoffMax, backoffMultiplier, failFastInitialization,
                refreshHeadersOnAuthFailure, transportOptions, null, null);
    }

    /**
     * Connections kept open: {@code minConnections} with pooling, none without.
     *
     * @return the minimum
     */
    public int keepOpen() {
        return pooling ? minConnections : 0;
    }
}

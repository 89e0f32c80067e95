package io.github.wspool.core.internal;

import io.github.wspool.Endpoint;
import io.github.wspool.PoolListener;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.connect.ConnectSettings;
import io.github.wspool.core.internal.endpoint.RoutingSettings;
import io.github.wspool.core.internal.fleet.FleetSettings;
import io.github.wspool.core.internal.health.HealthSettings;
import io.github.wspool.core.internal.housekeeping.ExpirySettings;
import io.github.wspool.core.internal.lease.LeaseSettings;
import io.github.wspool.core.internal.messaging.MessagingSettings;
import io.github.wspool.core.internal.session.SessionSettings;
import io.github.wspool.core.spi.Transport;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The validated, immutable configuration of one pool, as the builder produces it: the pool's identity, endpoints
 * and shared parts, and one settings record per component (each component reads its own and nothing else).
 *
 * @param name            the pool's name
 * @param endpoints       the configured endpoints, in order
 * @param listeners       the builder's listeners, in order
 * @param ticker          the time source
 * @param transport       opens connections; the pool closes it
 * @param shutdownTimeout how long {@code close()} waits for leases to come back
 * @param lease           how connections are handed out
 * @param connect         how connections are opened
 * @param routing         how endpoints are chosen
 * @param health          how connections and endpoints are checked
 * @param expiry          when unused and old connections go
 * @param messaging       how messages move
 * @param sessions        how subscriptions are spoken and remembered
 * @param registerMbeans  whether the pool registers its {@code WebSocketPoolMXBean} with the platform MBean server
 * @param fleet           endpoint discovery and fleet membership
 */
public record PoolSettings(String name, List<EndpointSpec> endpoints, List<PoolListener> listeners, Ticker ticker,
                           Transport transport, Duration shutdownTimeout, LeaseSettings lease, ConnectSettings connect,
                           RoutingSettings routing, HealthSettings health, ExpirySettings expiry,
                           MessagingSettings messaging, SessionSettings sessions, boolean registerMbeans,
                           FleetSettings fleet) {

    /** Copies the lists and checks the required parts. */
    public PoolSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ticker, "ticker");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        Objects.requireNonNull(sessions, "sessions");
        Objects.requireNonNull(fleet, "fleet");
        endpoints = List.copyOf(endpoints);
        listeners = List.copyOf(listeners);
    }

    /**
     * These settings with another barging window (tests drive each side of it).
     *
     * @param nanos the window
     * @return a copy
     */
    public PoolSettings withBargingWindow(long nanos) {
        return new PoolSettings(name, endpoints, listeners, ticker, transport, shutdownTimeout,
                lease.withBargingWindow(nanos), connect, routing, health, expiry, messaging, sessions, registerMbeans,
                fleet);
    }

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
            return "EndpointSpec[uri=" + Endpoint.describe(uri) + ", weight=" + weight + ", headers="
                    + headers.keySet() + "]";
        }
    }

    /** Never prints header values: they carry credentials. */
    @Override
    public String toString() {
        return "PoolSettings[name=" + name + ", endpoints=" + endpoints.size() + ", pooling=" + lease.pooling()
                + ", min=" + connect.minConnections() + ", max=" + connect.maxConnections() + ", headers="
                + connect.transportOptions().headers().keySet() + "]";
    }
}

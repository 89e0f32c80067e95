package io.github.wspool.metrics;

import io.github.wspool.ConnectionSnapshot;
import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PoolControl;
import io.github.wspool.PoolHealth;
import io.github.wspool.PoolStats;
import io.github.wspool.SubscriptionState;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.fleet.FleetStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The admin API's documents, as maps and lists that jackson-jr writes (insertion-ordered, so the JSON reads in a
 * stable order). URIs are always redacted with {@link Endpoint#describe(URI)}: no userinfo, query or fragment, which
 * may carry credentials.
 */
final class AdminSnapshots {

    private AdminSnapshots() {
    }

    static Map<String, Object> stats(WebSocketPool pool) {
        PoolStats stats = pool.stats();
        return stats(pool, stats, endpoints(pool, stats));
    }

    /** The endpoints of a stats document: those of {@code stats}, else the pool's (a snapshot may list none). */
    static List<EndpointSnapshot> endpoints(WebSocketPool pool, PoolStats stats) {
        return stats.endpoints().isEmpty() ? pool.control().endpoints() : stats.endpoints();
    }

    /**
     * The stats document of {@code stats}, with one {@code endpoints} entry per element of {@code snapshots}, in that
     * order (so that a caller can add to an endpoint's entry by index). Its {@code traffic} is their message and byte
     * counters summed (cumulative, each since its endpoint was added: a removed endpoint's counts leave the sum).
     */
    static Map<String, Object> stats(WebSocketPool pool, PoolStats stats, List<EndpointSnapshot> snapshots) {
        PoolControl control = pool.control();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pool", pool.name());
        m.put("closed", pool.isClosed());
        m.put("time", Instant.now().toString());
        Map<String, Object> connections = new LinkedHashMap<>();
        connections.put("total", stats.total());
        connections.put("active", stats.active());
        connections.put("idle", stats.idle());
        connections.put("pending", stats.pending());
        Map<String, Object> byState = new LinkedHashMap<>();
        for (ConnectionState s : ConnectionState.values()) {
            byState.put(s.name(), stats.count(s));
        }
        connections.put("byState", byState);
        m.put("connections", connections);
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("minConnections", control.minConnections());
        limits.put("maxConnections", control.maxConnections());
        m.put("limits", limits);
        Map<String, Object> subscriptions = new LinkedHashMap<>();
        for (SubscriptionState s : SubscriptionState.values()) {
            if (s != SubscriptionState.CLOSED) {
                subscriptions.put(s.name(), control.subscriptions(s));
            }
        }
        m.put("subscriptions", subscriptions);
        m.put("health", health(pool));
        List<Object> endpoints = new ArrayList<>(snapshots.size());
        long messagesIn = 0;
        long messagesOut = 0;
        long bytesIn = 0;
        long bytesOut = 0;
        for (EndpointSnapshot e : snapshots) {
            endpoints.add(endpoint(e));
            messagesIn += e.messagesIn();
            messagesOut += e.messagesOut();
            bytesIn += e.bytesIn();
            bytesOut += e.bytesOut();
        }
        Map<String, Object> traffic = new LinkedHashMap<>();
        traffic.put("messagesIn", messagesIn);
        traffic.put("messagesOut", messagesOut);
        traffic.put("bytesIn", bytesIn);
        traffic.put("bytesOut", bytesOut);
        m.put("traffic", traffic);
        m.put("endpoints", endpoints);
        return m;
    }

    static Map<String, Object> endpoint(EndpointSnapshot e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uri", Endpoint.describe(e.uri()));
        m.put("weight", e.weight());
        m.put("healthy", e.healthy());
        m.put("breakerState", e.breakerState());
        m.put("open", e.open());
        m.put("active", e.active());
        m.put("available", e.available());
        m.put("latencyMillis", millis(e.latency()));
        m.put("lastFailure", e.lastFailure() == null ? null : String.valueOf(e.lastFailure().getMessage()));
        m.put("messagesIn", e.messagesIn());
        m.put("messagesOut", e.messagesOut());
        m.put("bytesIn", e.bytesIn());
        m.put("bytesOut", e.bytesOut());
        return m;
    }

    static Map<String, Object> health(WebSocketPool pool) {
        PoolHealth h = pool.control().health();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pool", pool.name());
        m.put("status", h.status().name());
        m.put("serving", h.isServing());
        m.put("reasons", h.reasons());
        return m;
    }

    /** What the public API lets one read of the settings that {@code POST /api/v1/pool/config} changes. */
    static Map<String, Object> config(WebSocketPool pool, boolean reconfigurable) {
        PoolControl control = pool.control();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pool", pool.name());
        m.put("minConnections", control.minConnections());
        m.put("maxConnections", control.maxConnections());
        Map<String, Object> weights = new LinkedHashMap<>();
        for (EndpointSnapshot e : control.endpoints()) {
            weights.put(Endpoint.describe(e.uri()), e.weight());
        }
        m.put("weights", weights);
        m.put("reconfigurable", reconfigurable);
        m.put("settable", reconfigurable ? ConfigChange.SETTINGS : List.of("weights"));
        return m;
    }

    static Map<String, Object> connection(ConnectionTracker.Conn c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id);
        m.put("endpoint", c.endpoint == null ? null : Endpoint.describe(c.endpoint.uri()));
        m.put("state", c.state.name());
        m.put("stateSince", Instant.ofEpochMilli(c.stateSinceMillis).toString());
        m.put("firstSeen", Instant.ofEpochMilli(c.firstSeenMillis).toString());
        m.put("leases", c.leases.get());
        m.put("connectMillis", c.connectNanos < 0 ? null : c.connectNanos / 1e6);
        m.put("lastRoundTripMillis", c.lastRoundTripNanos < 0 ? null : c.lastRoundTripNanos / 1e6);
        m.put("recycleReason", c.recycleReason);
        return m;
    }

    /** A connection the admin server knows only from the pool's live snapshot (open since before it started). */
    static Map<String, Object> connection(ConnectionSnapshot c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("endpoint", Endpoint.describe(c.endpoint()));
        m.put("state", c.state().name());
        m.put("leases", c.leases());
        return m;
    }

    static double millis(Duration d) {
        return d == null ? 0.0 : Math.round(d.toNanos() / 1e3) / 1e3;
    }

    /**
     * The fleet's stats as JSON-ready maps.
     *
     * @param stats what the fleet read from Redis
     * @return {@code degraded}, {@code liveInstances}, {@code totalConnections}, {@code activeConnections},
     *         {@code connectionsPerServer}, {@code instances}
     */
    static Map<String, Object> fleet(FleetStats stats) {
        List<Map<String, Object>> instances = new ArrayList<>(stats.instances().size());
        for (FleetStats.Instance i : stats.instances()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", i.id());
            m.put("pool", i.pool());
            m.put("host", i.host());
            m.put("connections", i.connections());
            m.put("active", i.active());
            m.put("connectionsPerServer", new TreeMap<>(i.connectionsPerServer()));
            m.put("updatedAt", Instant.ofEpochMilli(i.updatedAtMillis()).toString());
            instances.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("degraded", stats.degraded());
        out.put("liveInstances", stats.liveInstances());
        out.put("totalConnections", stats.totalConnections());
        out.put("activeConnections", stats.activeConnections());
        out.put("connectionsPerServer", new TreeMap<>(stats.connectionsPerServer()));
        out.put("instances", instances);
        return out;
    }
}

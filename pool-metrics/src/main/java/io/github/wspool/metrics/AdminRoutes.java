package io.github.wspool.metrics;

import com.sun.net.httpserver.HttpExchange;
import io.github.wspool.ConnectionSnapshot;
import io.github.wspool.AcquireRejectedException;
import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.Endpoint;
import io.github.wspool.NoHealthyEndpointException;
import io.github.wspool.PoolException;
import io.github.wspool.PoolReconfiguration;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.fleet.FleetStats;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The admin server's routes: which path and method does what, and what each answers (the table in
 * {@link PoolAdminServer}'s documentation). A route reads the pool ({@link AdminSnapshots}), the
 * {@link ConnectionTracker} or the {@link EventHub}, or changes the pool through the reconfigurer and recycler the
 * {@link PoolAdminServer.Builder} was given.
 *
 * <p>It exists apart from {@link AdminHttp} so that the route handlers read as what the API does, while the rules
 * every request obeys (host check, token, body limits, error mapping) stay in one place there; and apart from
 * {@link PoolAdminServer} so that the public class is only its builder and lifecycle. Thread-safe: it keeps no
 * per-request state; {@link #route} runs on the server's worker threads, many at once.
 */
final class AdminRoutes implements AdminHttp.Handler {

    private static final String RESOURCES = "/io/github/wspool/metrics/admin/";
    private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String CONNECTIONS = "/api/v1/connections";
    private static final Duration PREWARM_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_LISTED = 1000;
    private static final Map<String, String[]> ASSETS = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/assets/dashboard.js", new String[] {"dashboard.js", "text/javascript; charset=utf-8"},
            "/assets/dashboard.css", new String[] {"dashboard.css", "text/css; charset=utf-8"});

    private final WebSocketPool pool;
    private final AdminHttp http;
    private final ConnectionTracker tracker;
    private final EventHub events;
    private final Supplier<String> scrape;
    private final Consumer<PoolReconfiguration> reconfigurer;
    private final Predicate<String> recycler;
    private final Supplier<FleetStats> fleetStats;

    /**
     * @param scrape       the Prometheus text, or {@code null} ({@code /metrics} then answers 404)
     * @param reconfigurer applies {@code POST /api/v1/pool/config}
     * @param recycler     serves {@code DELETE /api/v1/connections/{id}}
     * @param fleetStats   the fleet's stats for {@code GET /api/v1/fleet}, or {@code null} (the route then answers 404)
     */
    AdminRoutes(WebSocketPool pool, AdminHttp http, ConnectionTracker tracker, EventHub events,
                Supplier<String> scrape, Consumer<PoolReconfiguration> reconfigurer, Predicate<String> recycler,
                Supplier<FleetStats> fleetStats) {
        this.pool = pool;
        this.http = http;
        this.tracker = tracker;
        this.events = events;
        this.scrape = scrape;
        this.reconfigurer = reconfigurer;
        this.recycler = recycler;
        this.fleetStats = fleetStats;
    }

    @Override
    public void handle(HttpExchange ex, String method, String path) throws IOException {
        route(ex, method, path);
    }

    private void route(HttpExchange ex, String method, String path) throws IOException {
        switch (path) {
            case "/", "/assets/dashboard.js", "/assets/dashboard.css" -> {
                AdminHttp.allow(method, "GET");
                asset(ex, ASSETS.get(path));
            }
            case "/api/v1/pool/stats" -> {
                AdminHttp.allow(method, "GET");
                http.send(ex, 200, AdminSnapshots.stats(pool));
            }
            case "/api/v1/pool/health" -> {
                AdminHttp.allow(method, "GET");
                Map<String, Object> h = AdminSnapshots.health(pool);
                http.send(ex, Boolean.TRUE.equals(h.get("serving")) ? 200 : 503, h);
            }
            case "/api/v1/pool/config" -> {
                AdminHttp.allow(method, "GET", "POST");
                if (method.equals("GET")) {
                    http.send(ex, 200, AdminSnapshots.config(pool, reconfigurer != null));
                } else {
                    http.authorize(ex, "GET");
                    reconfigure(ex);
                }
            }
            case CONNECTIONS -> {
                AdminHttp.allow(method, "GET", "POST");
                if (method.equals("GET")) {
                    listConnections(ex);
                } else {
                    http.authorize(ex, "GET");
                    prewarm(ex);
                }
            }
            case "/api/v1/events" -> {
                AdminHttp.allow(method, "GET");
                events.serve(ex);
            }
            case "/metrics" -> {
                AdminHttp.allow(method, "GET");
                metrics(ex);
            }
            case "/api/v1/fleet" -> {
                AdminHttp.allow(method, "GET");
                if (fleetStats == null) {
                    throw new AdminException(404, "no fleet: this pool's admin server was built without"
                            + " PoolAdminServer.builder(pool).fleet(fleet)");
                }
                http.send(ex, 200, AdminSnapshots.fleet(fleetStats.get()));
            }
            default -> {
                if (path.startsWith(CONNECTIONS + "/") && path.length() > CONNECTIONS.length() + 1
                        && path.indexOf('/', CONNECTIONS.length() + 1) < 0) {
                    String id = path.substring(CONNECTIONS.length() + 1);
                    AdminHttp.allow(method, "GET", "DELETE");
                    if (method.equals("GET")) {
                        connection(ex, id);
                    } else {
                        http.authorize(ex, "GET");
                        recycle(ex, id);
                    }
                } else {
                    throw new AdminException(404, "no such route; the API is under /api/v1/ (pool/stats, pool/health,"
                            + " pool/config, connections, events, fleet), the dashboard at /, Prometheus at /metrics");
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------------------------- routes

    private void asset(HttpExchange ex, String[] asset) throws IOException {
        byte[] body;
        try (InputStream in = AdminRoutes.class.getResourceAsStream(RESOURCES + asset[0])) {
            if (in == null) {
                throw new AdminException(404, "the dashboard's " + asset[0] + " is missing from the jar");
            }
            body = in.readAllBytes();
        }
        ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:;"
                + " frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        ex.getResponseHeaders().set("X-Frame-Options", "DENY");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        AdminHttp.respond(ex, 200, asset[1], body);
    }

    private void metrics(HttpExchange ex) throws IOException {
        if (scrape == null) {
            throw new AdminException(404, "no Prometheus registry: start the admin server with"
                    + " PoolAdminServer.builder(pool).prometheus(registry) (or .scrape(supplier)) to serve /metrics");
        }
        AdminHttp.respond(ex, 200, PROMETHEUS_TYPE, scrape.get().getBytes(StandardCharsets.UTF_8));
    }

    private void reconfigure(HttpExchange ex) throws IOException {
        Object body = http.readJson(ex, false);
        ConfigChange change = ConfigChange.parse(body, pool.control().endpoints());
        if (change.reconfiguration != null) {
            try {
                reconfigurer.accept(change.reconfiguration);
            } catch (IllegalArgumentException e) {
                throw new AdminException(422, "the pool refused the change " + change.reconfiguration.describe()
                        + ": " + e.getMessage());
            } catch (IllegalStateException e) {
                throw new AdminException(409, "the pool cannot take the change now: " + e.getMessage());
            }
        }
        for (Map.Entry<URI, Integer> w : change.weights.entrySet()) {
            try {
                pool.control().updateWeight(w.getKey(), w.getValue());
            } catch (IllegalArgumentException e) {
                throw new AdminException(409, "weight of " + Endpoint.describe(w.getKey()) + " not changed: "
                        + e.getMessage() + (change.reconfiguration == null ? "" : " (the other settings were applied)"));
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("applied", change.described);
        answer.put("config", AdminSnapshots.config(pool, reconfigurer != null));
        http.send(ex, 200, answer);
    }

    private void listConnections(HttpExchange ex) throws IOException {
        List<Object> list = new ArrayList<>();
        java.util.Set<String> listed = new java.util.HashSet<>();
        for (ConnectionTracker.Conn c : tracker.list(MAX_LISTED)) {
            list.add(AdminSnapshots.connection(c));
            listed.add(c.id);
        }
        for (ConnectionSnapshot c : pool.control().connections()) {
            if (list.size() >= MAX_LISTED) {
                break;
            }
            if (listed.add(c.id())) {
                list.add(AdminSnapshots.connection(c)); // open since before the admin server started
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("pool", pool.name());
        answer.put("note", "every open connection, with what the admin server learnt from events since it started"
                + " (closed ones for a minute); at most " + MAX_LISTED);
        answer.put("known", list.size());
        answer.put("connections", list);
        http.send(ex, 200, answer);
    }

    private void connection(HttpExchange ex, String id) throws IOException {
        Optional<ConnectionTracker.Conn> c = tracker.find(id);
        if (c.isPresent()) {
            http.send(ex, 200, AdminSnapshots.connection(c.get()));
            return;
        }
        for (ConnectionSnapshot open : pool.control().connections()) {
            if (open.id().equals(id)) {
                http.send(ex, 200, AdminSnapshots.connection(open));
                return;
            }
        }
        throw new AdminException(404, "the pool has no connection " + ConfigChange.quote(id) + " (closed ones stay"
                + " visible for a minute; GET " + CONNECTIONS + " lists them)");
    }

    private void recycle(HttpExchange ex, String id) throws IOException {
        if (!recycler.test(id)) {
            throw new AdminException(404, "the pool has no connection " + ConfigChange.quote(id));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", id);
        answer.put("recycling", true);
        answer.put("note", "an idle connection is recycled now, a leased one when it is released");
        http.send(ex, 202, answer);
    }

    /** Leases {@code count} connections at once (so that that many are open) and gives them back. */
    private void prewarm(HttpExchange ex) throws IOException {
        Object body = http.readJson(ex, true);
        int count = 1;
        Duration timeout = PREWARM_TIMEOUT;
        if (body != null) {
            if (!(body instanceof Map<?, ?> fields)) {
                throw new AdminException(422, "the body must be empty or a JSON object like {\"count\": 2}");
            }
            for (Map.Entry<?, ?> e : fields.entrySet()) {
                String name = String.valueOf(e.getKey());
                Object v = e.getValue();
                if (name.equals("count")) {
                    int max = pool.control().maxConnections();
                    if (!(v instanceof Integer n) || n < 1 || n > max) {
                        throw ConfigChange.invalid("count", v, "a whole number from 1 to maxConnections (" + max
                                + ") is expected");
                    }
                    count = n;
                } else if (name.equals("timeoutMillis")) {
                    if (!(v instanceof Integer n) || n < 1 || n > 60_000) {
                        throw ConfigChange.invalid("timeoutMillis", v, "1 to 60000 is expected");
                    }
                    timeout = Duration.ofMillis(n);
                } else {
                    throw new AdminException(422, "unknown field " + ConfigChange.quote(name)
                            + ": the fields are count and timeoutMillis");
                }
            }
        }
        long start = System.currentTimeMillis();
        List<PooledConnection> leased = new ArrayList<>(count);
        List<Object> warmed = new ArrayList<>(count);
        PoolException failure = null;
        try {
            for (int i = 0; i < count; i++) {
                leased.add(pool.acquire(timeout));
            }
        } catch (AcquireTimeoutException | AcquireRejectedException | NoHealthyEndpointException e) {
            failure = e;
        } finally {
            for (PooledConnection c : leased) {
                c.close();
            }
        }
        for (PooledConnection c : leased) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", c.id());
            m.put("endpoint", Endpoint.describe(c.endpoint().uri()));
            m.put("opened", tracker.find(c.id()).map(t -> t.connectedAtMillis >= start).orElse(false));
            m.put("state", c.state().name());
            m.put("kept", c.state().isAvailable() || c.state() == io.github.wspool.ConnectionState.ACTIVE);
            warmed.add(m);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("requested", count);
        answer.put("warmed", warmed);
        if (warmed.stream().noneMatch(w -> Boolean.TRUE.equals(((Map<?, ?>) w).get("kept")))
                && failure == null) {
            answer.put("note", "the connections were closed on release: with pooling(false) there is nothing to"
                    + " keep warm");
        }
        if (failure != null) {
            answer.put("error", failure.getClass().getSimpleName() + ": " + failure.getMessage());
            http.send(ex, 503, answer);
        } else {
            http.send(ex, 200, answer);
        }
    }

}

package io.github.wspool.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.wspool.AcquireRejectedException;
import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.Endpoint;
import io.github.wspool.NoHealthyEndpointException;
import io.github.wspool.PoolClosedException;
import io.github.wspool.PoolException;
import io.github.wspool.PoolReconfiguration;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The operator's HTTP surface of one pool, on the JDK's own HTTP server ({@code com.sun.net.httpserver}, module
 * {@code jdk.httpserver}; no web framework): a JSON REST API, a Prometheus scrape and a live dashboard.
 *
 * <pre>{@code
 * PoolAdminServer admin = PoolAdminServer.builder(pool)
 *         .port(9090)                              // 0 = any free port; see port()
 *         .bearerToken(System.getenv("WSPOOL_ADMIN_TOKEN"))  // without one the mutating calls are off
 *         .prometheus(prometheusRegistry)          // optional: serves GET /metrics
 *         .start();
 * ...
 * admin.close();                                   // before pool.close()
 * }</pre>
 *
 * <table>
 *   <caption>Routes (JSON unless said otherwise)</caption>
 *   <tr><th>route</th><th>answer</th></tr>
 *   <tr><td>{@code GET /}</td><td>the dashboard (HTML; its script and style under {@code /assets/})</td></tr>
 *   <tr><td>{@code GET /api/v1/pool/stats}</td><td>connections per state, limits, subscriptions, health, one entry
 *       per endpoint</td></tr>
 *   <tr><td>{@code GET /api/v1/pool/health}</td><td>status and reasons: 200 for UP and DEGRADED, 503 for DOWN</td></tr>
 *   <tr><td>{@code GET /api/v1/pool/config}</td><td>the settings one can read and which ones one can change</td></tr>
 *   <tr><td>{@code POST /api/v1/pool/config}</td><td>a partial configuration ({@code minConnections},
 *       {@code maxConnections}, {@code strategy}, {@code acquireTimeout}, {@code idleTimeout}, {@code maxLifetime},
 *       {@code healthCheckInterval}, {@code weights}), applied all at once through the {@link Builder#reconfigurer
 *       reconfigurer}; weights through {@code PoolControl.updateWeight}</td></tr>
 *   <tr><td>{@code GET /api/v1/connections}</td><td>the connections the server has seen since it started</td></tr>
 *   <tr><td>{@code GET /api/v1/connections/{id}}</td><td>one of them (404 if unknown)</td></tr>
 *   <tr><td>{@code POST /api/v1/connections}</td><td>pre-warms: leases {@code count} connections (default 1) at once
 *       and gives them back</td></tr>
 *   <tr><td>{@code DELETE /api/v1/connections/{id}}</td><td>recycles one through the {@link Builder#recycler
 *       recycler} (501 without one)</td></tr>
 *   <tr><td>{@code GET /api/v1/events}</td><td>server-sent events: a snapshot every {@link Builder#eventInterval
 *       interval} (first an {@code event: history} with up to 5 minutes of 1-second points)</td></tr>
 *   <tr><td>{@code GET /metrics}</td><td>Prometheus text format, when a registry or scrape function was given (else
 *       404)</td></tr>
 * </table>
 *
 * <p><b>Safe by default.</b> It binds {@code 127.0.0.1} unless {@link Builder#bindAddress} says otherwise, and, while
 * bound to a loopback address, answers only requests that name a loopback host (so that a web page cannot reach it
 * through DNS rebinding). Every mutating call ({@code POST}, {@code DELETE}) needs {@code Authorization: Bearer <token>}
 * with the configured token (compared in constant time): 401 without it, 403 with another one; with no token
 * configured the mutating calls answer 405 and say how to turn them on. Request bodies are capped at 64 KiB (413);
 * malformed JSON is a 400 naming the line and column, an invalid value a 422 naming the field and the value. Answers
 * never quote request headers or the token. Unknown routes answer 404, a known route with another method 405.
 *
 * <p><b>Threads.</b> The JDK server's dispatcher thread, up to {@code maxEventStreams + 4} worker threads named
 * {@code wspool-admin-<pool>-http-<n>} (started on demand, ended after 30 s idle) and one sampler thread
 * {@code wspool-admin-<pool>-events}. {@link #close()} ends them all. The server follows the pool through a
 * {@link io.github.wspool.PoolListener} it adds on start and removes on close.
 */
public final class PoolAdminServer implements AutoCloseable {

    /** Largest request body accepted; larger ones get 413. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;

    private static final System.Logger LOG = System.getLogger(PoolAdminServer.class.getName());
    private static final String RESOURCES = "/io/github/wspool/metrics/admin/";
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String CONNECTIONS = "/api/v1/connections";
    private static final Duration PREWARM_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_LISTED = 1000;
    private static final Map<String, String[]> ASSETS = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/assets/dashboard.js", new String[] {"dashboard.js", "text/javascript; charset=utf-8"},
            "/assets/dashboard.css", new String[] {"dashboard.css", "text/css; charset=utf-8"});

    private final WebSocketPool pool;
    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService sampler;
    private final ConnectionTracker tracker = new ConnectionTracker();
    private final EventHub events;
    private final byte[] tokenDigest;
    private final Supplier<String> scrape;
    private final Consumer<PoolReconfiguration> reconfigurer;
    private final Predicate<String> recycler;
    private final boolean loopbackOnly;
    private final JSON json = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES, JSON.Feature.PRETTY_PRINT_OUTPUT);
    private final JSON compactJson = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES)
            .with(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS);
    private final JsonFactory jsonFactory = new JsonFactory();
    private final AtomicBoolean closed = new AtomicBoolean();

    private PoolAdminServer(Builder b) throws IOException {
        this.pool = b.pool;
        this.tokenDigest = b.token == null ? null : sha256(b.token);
        this.scrape = b.scrape;
        this.reconfigurer = b.reconfigurer != null ? b.reconfigurer : pool.control()::reconfigure;
        this.recycler = b.recycler != null ? b.recycler : pool.control()::recycle;
        this.loopbackOnly = b.bindAddress.isLoopbackAddress();
        String prefix = "wspool-admin-" + pool.name();
        this.workers = new ThreadPoolExecutor(b.maxEventStreams + 4, b.maxEventStreams + 4, 30, TimeUnit.SECONDS,
                // unbounded: a rejected task would surface in the JDK server's dispatcher thread, which has no
                // answer for it; event streams are bounded, so at least 4 workers always serve the other routes
                new LinkedBlockingQueue<>(), threads(prefix + "-http-"));
        workers.allowCoreThreadTimeOut(true);
        this.sampler = Executors.newSingleThreadScheduledExecutor(threads(prefix + "-events"));
        this.events = new EventHub(pool, tracker, compactJson, b.eventInterval, b.maxEventStreams);
        HttpServer s = null;
        try {
            s = HttpServer.create(new InetSocketAddress(b.bindAddress, b.port), 64);
            s.createContext("/", this::handle);
            s.setExecutor(workers);
            pool.addListener(tracker);
            events.start(sampler);
            s.start();
        } catch (IOException | RuntimeException e) {
            if (s != null) {
                s.stop(0);
            }
            pool.removeListener(tracker);
            sampler.shutdownNow();
            workers.shutdownNow();
            throw e;
        }
        this.server = s;
        LOG.log(System.Logger.Level.INFO, "admin server of pool ''{0}'' on http://{1}:{2,number,#}/ (mutating calls {3})",
                pool.name(), b.bindAddress.getHostAddress(), port(), tokenDigest == null ? "off: no bearer token"
                        : "need the bearer token");
    }

    /**
     * Starts configuring an admin server for {@code pool}.
     *
     * @param pool the pool to serve; not null
     * @return a builder
     */
    public static Builder builder(WebSocketPool pool) {
        return new Builder(pool);
    }

    /**
     * The port the server listens on (the chosen one when the builder said {@code port(0)}).
     *
     * @return the port
     */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * The address the server listens on.
     *
     * @return the bound address and port
     */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /**
     * The dashboard's URL, e.g. {@code http://127.0.0.1:9090/}.
     *
     * @return the server's base URI
     */
    public URI uri() {
        InetAddress a = server.getAddress().getAddress();
        String host = a.getHostAddress();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port() + "/");
    }

    /**
     * Stops the server: event streams end, the listening socket and open connections close, and every thread of the
     * server ends before this returns (within a few seconds at most). The pool is not closed. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        events.close();
        server.stop(0);
        sampler.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(2, TimeUnit.SECONDS)) {
                workers.shutdownNow();
                workers.awaitTermination(2, TimeUnit.SECONDS);
            }
            sampler.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        pool.removeListener(tracker);
    }

    // ---------------------------------------------------------------------------------------------------- routing

    private void handle(HttpExchange ex) {
        try {
            checkHost(ex);
            route(ex, ex.getRequestMethod().toUpperCase(Locale.ROOT), ex.getRequestURI().getPath());
        } catch (AdminException e) {
            error(ex, e);
        } catch (PoolClosedException e) {
            error(ex, new AdminException(503, "pool '" + pool.name() + "' is closed"));
        } catch (IOException e) {
            // the client went away
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "admin server of pool '" + pool.name() + "': "
                    + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " failed", e);
            error(ex, new AdminException(500, "internal error (" + e.getClass().getSimpleName()
                    + "); the application's log has the details"));
        } finally {
            ex.close();
        }
    }

    private void route(HttpExchange ex, String method, String path) throws IOException {
        switch (path) {
            case "/", "/assets/dashboard.js", "/assets/dashboard.css" -> {
                allow(method, "GET");
                asset(ex, ASSETS.get(path));
            }
            case "/api/v1/pool/stats" -> {
                allow(method, "GET");
                send(ex, 200, AdminSnapshots.stats(pool));
            }
            case "/api/v1/pool/health" -> {
                allow(method, "GET");
                Map<String, Object> h = AdminSnapshots.health(pool);
                send(ex, Boolean.TRUE.equals(h.get("serving")) ? 200 : 503, h);
            }
            case "/api/v1/pool/config" -> {
                allow(method, "GET", "POST");
                if (method.equals("GET")) {
                    send(ex, 200, AdminSnapshots.config(pool, reconfigurer != null));
                } else {
                    authorize(ex, "GET");
                    reconfigure(ex);
                }
            }
            case CONNECTIONS -> {
                allow(method, "GET", "POST");
                if (method.equals("GET")) {
                    listConnections(ex);
                } else {
                    authorize(ex, "GET");
                    prewarm(ex);
                }
            }
            case "/api/v1/events" -> {
                allow(method, "GET");
                events.serve(ex);
            }
            case "/metrics" -> {
                allow(method, "GET");
                metrics(ex);
            }
            default -> {
                if (path.startsWith(CONNECTIONS + "/") && path.length() > CONNECTIONS.length() + 1
                        && path.indexOf('/', CONNECTIONS.length() + 1) < 0) {
                    String id = path.substring(CONNECTIONS.length() + 1);
                    allow(method, "GET", "DELETE");
                    if (method.equals("GET")) {
                        connection(ex, id);
                    } else {
                        authorize(ex, "GET");
                        recycle(ex, id);
                    }
                } else {
                    throw new AdminException(404, "no such route; the API is under /api/v1/ (pool/stats, pool/health,"
                            + " pool/config, connections, events), the dashboard at /, Prometheus at /metrics");
                }
            }
        }
    }

    private static void allow(String method, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        String list = String.join(", ", allowed);
        throw new AdminException(405, "method not allowed here; allowed: " + list, Map.of("Allow", list));
    }

    /** DNS-rebinding guard: a loopback-bound server answers only requests addressed to a loopback name. */
    private void checkHost(HttpExchange ex) {
        if (!loopbackOnly) {
            return;
        }
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null || host.isEmpty()) {
            return; // HTTP/1.0 without Host: not a browser
        }
        String name = host;
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            name = end < 0 ? name : name.substring(1, end);
        } else if (name.indexOf(':') >= 0) {
            name = name.substring(0, name.lastIndexOf(':'));
        }
        name = name.toLowerCase(Locale.ROOT);
        if (name.equals("localhost") || name.endsWith(".localhost") || name.equals("::1")
                || name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            return;
        }
        throw new AdminException(403, "this admin server listens on a loopback address and answers only requests"
                + " addressed to localhost or a loopback IP (protection against DNS rebinding)");
    }

    /** The token rules of every mutating call. */
    private void authorize(HttpExchange ex, String readMethods) {
        if (tokenDigest == null) {
            throw new AdminException(405, "mutating calls are off: this admin server was started without a bearer"
                    + " token. Start it with PoolAdminServer.builder(pool).bearerToken(\"...\") to turn them on, and"
                    + " send the token as 'Authorization: Bearer <token>'", Map.of("Allow", readMethods));
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || auth.length() < 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)
                || auth.substring(7).isBlank()) {
            throw new AdminException(401, "this call needs the admin bearer token: 'Authorization: Bearer <token>'",
                    Map.of("WWW-Authenticate", "Bearer realm=\"wspool-admin\""));
        }
        if (!MessageDigest.isEqual(sha256(auth.substring(7).trim()), tokenDigest)) {
            throw new AdminException(403, "the bearer token is not the one this admin server was configured with");
        }
    }

    // ----------------------------------------------------------------------------------------------------- routes

    private void asset(HttpExchange ex, String[] asset) throws IOException {
        byte[] body;
        try (InputStream in = PoolAdminServer.class.getResourceAsStream(RESOURCES + asset[0])) {
            if (in == null) {
                throw new AdminException(404, "the dashboard's " + asset[0] + " is missing from the jar");
            }
            body = in.readAllBytes();
        }
        ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:;"
                + " frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        ex.getResponseHeaders().set("X-Frame-Options", "DENY");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        respond(ex, 200, asset[1], body);
    }

    private void metrics(HttpExchange ex) throws IOException {
        if (scrape == null) {
            throw new AdminException(404, "no Prometheus registry: start the admin server with"
                    + " PoolAdminServer.builder(pool).prometheus(registry) (or .scrape(supplier)) to serve /metrics");
        }
        respond(ex, 200, PROMETHEUS_TYPE, scrape.get().getBytes(StandardCharsets.UTF_8));
    }

    private void reconfigure(HttpExchange ex) throws IOException {
        Object body = readJson(ex, false);
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
        send(ex, 200, answer);
    }

    private void listConnections(HttpExchange ex) throws IOException {
        List<Object> list = new ArrayList<>();
        for (ConnectionTracker.Conn c : tracker.list(MAX_LISTED)) {
            list.add(AdminSnapshots.connection(c));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("pool", pool.name());
        answer.put("note", "connections seen through the pool's events since the admin server started (closed ones"
                + " for a minute); newest first, at most " + MAX_LISTED);
        answer.put("known", tracker.size());
        answer.put("connections", list);
        send(ex, 200, answer);
    }

    private void connection(HttpExchange ex, String id) throws IOException {
        Optional<ConnectionTracker.Conn> c = tracker.find(id);
        if (c.isEmpty()) {
            throw new AdminException(404, "no connection " + ConfigChange.quote(id) + " is known: the admin server"
                    + " knows the connections whose events it saw since it started (" + tracker.size()
                    + " now; GET " + CONNECTIONS + " lists them), closed ones for a minute");
        }
        send(ex, 200, AdminSnapshots.connection(c.get()));
    }

    private void recycle(HttpExchange ex, String id) throws IOException {
        if (!recycler.test(id)) {
            throw new AdminException(404, "the pool has no connection " + ConfigChange.quote(id));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", id);
        answer.put("recycling", true);
        answer.put("note", "an idle connection is recycled now, a leased one when it is released");
        send(ex, 202, answer);
    }

    /** Leases {@code count} connections at once (so that that many are open) and gives them back. */
    private void prewarm(HttpExchange ex) throws IOException {
        Object body = readJson(ex, true);
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
            send(ex, 503, answer);
        } else {
            send(ex, 200, answer);
        }
    }

    // ------------------------------------------------------------------------------------------------------ bodies

    /**
     * Reads the request body (at most {@link #MAX_REQUEST_BYTES}) and parses it as one JSON value.
     *
     * @param optional whether an empty body is fine (then {@code null})
     */
    private Object readJson(HttpExchange ex, boolean optional) throws IOException {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type != null && !type.isBlank() && !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new AdminException(415, "the body must be JSON (Content-Type: application/json)");
        }
        byte[] body = readBody(ex);
        if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            if (optional) {
                return null;
            }
            throw new AdminException(400, "the body is empty: a JSON object is expected");
        }
        try (JsonParser p = jsonFactory.createParser(body)) {
            Object value = compactJson.anyFrom(p);
            if (p.nextToken() != null) {
                JsonLocation at = p.currentTokenLocation();
                throw new AdminException(400, "malformed JSON at line " + at.getLineNr() + ", column "
                        + at.getColumnNr() + ": content after the JSON value");
            }
            return value;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()
                    + " (byte " + at.getByteOffset() + ")";
            throw new AdminException(400, "malformed JSON" + where + ": " + e.getOriginalMessage());
        }
    }

    private static byte[] readBody(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > MAX_REQUEST_BYTES) {
                    throw tooLarge();
                }
            } catch (NumberFormatException e) {
                throw new AdminException(400, "the Content-Length header is not a number");
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_REQUEST_BYTES + 1);
            if (body.length > MAX_REQUEST_BYTES) {
                throw tooLarge();
            }
            return body;
        }
    }

    private static AdminException tooLarge() {
        return new AdminException(413, "the request body is larger than " + MAX_REQUEST_BYTES + " bytes");
    }

    // --------------------------------------------------------------------------------------------------- answers

    private void send(HttpExchange ex, int status, Object document) throws IOException {
        respond(ex, status, JSON_TYPE, (json.asString(document) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private void error(HttpExchange ex, AdminException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", e.status());
        body.put("error", reason(e.status()));
        body.put("message", e.getMessage());
        e.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        try {
            send(ex, e.status(), body);
        } catch (IOException | IllegalStateException ignored) {
            // the client went away, or the headers were already sent (an event stream): nothing more to say
        }
    }

    private static void respond(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            // closed here, so that the answer goes out before the exchange's close reads what is left of the request
            out.write(body);
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 413 -> "Payload Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Entity";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        boolean numbered = prefix.endsWith("-");
        return r -> {
            Thread t = new Thread(r, numbered ? prefix + n.incrementAndGet() : prefix);
            t.setDaemon(true);
            return t;
        };
    }

    /** Configures and starts a {@link PoolAdminServer}. Not thread-safe; use it once. */
    public static final class Builder {

        private final WebSocketPool pool;
        private int port = 0;
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private String token;
        private Supplier<String> scrape;
        private Consumer<PoolReconfiguration> reconfigurer;
        private Predicate<String> recycler;
        private Duration eventInterval = Duration.ofMillis(250);
        private int maxEventStreams = 8;

        private Builder(WebSocketPool pool) {
            this.pool = Objects.requireNonNull(pool, "pool must not be null");
        }

        /**
         * The port to listen on; 0 (the default) takes any free one, which {@link PoolAdminServer#port()} tells.
         *
         * @param port 0 to 65535
         * @return this
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535, but was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The address to listen on; by default {@code 127.0.0.1}, reachable from this machine only. Any other address
         * makes the API reachable from the network: set a {@link #bearerToken bearer token} and put TLS in front.
         *
         * @param address not null ({@code 0.0.0.0} for all interfaces)
         * @return this
         */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address must not be null");
            return this;
        }

        /**
         * Like {@link #bindAddress(InetAddress)}, with an IP address or a host name (resolved now).
         *
         * @param address e.g. {@code "127.0.0.1"}, {@code "::1"}, {@code "0.0.0.0"}
         * @return this
         * @throws IllegalArgumentException if the name does not resolve
         */
        public Builder bindAddress(String address) {
            Objects.requireNonNull(address, "address must not be null");
            try {
                return bindAddress(InetAddress.getByName(address));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bindAddress: unknown host '" + address + "'", e);
            }
        }

        /**
         * The token that mutating calls ({@code POST}, {@code DELETE}) must send as {@code Authorization: Bearer
         * <token>}. Without one they are off (405). Never logged or echoed.
         *
         * @param token at least 16 visible ASCII characters, no spaces
         * @return this
         */
        public Builder bearerToken(String token) {
            Objects.requireNonNull(token, "bearerToken must not be null");
            if (token.length() < 16 || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("bearerToken must be at least 16 visible ASCII characters without"
                        + " spaces (its value is not shown)");
            }
            this.token = token;
            return this;
        }

        /**
         * Serves {@code GET /metrics} from this registry (bind {@link WebSocketPoolMetrics} to it for the pool's
         * meters). Needs {@code io.micrometer:micrometer-registry-prometheus} on the class path, an optional
         * dependency of this module.
         *
         * @param registry not null
         * @return this
         */
        public Builder prometheus(PrometheusMeterRegistry registry) {
            this.scrape = PrometheusScrape.of(registry);
            return this;
        }

        /**
         * Serves {@code GET /metrics} from a scrape function that returns the Prometheus text format (version 0.0.4),
         * for registries other than Micrometer's {@code PrometheusMeterRegistry} (e.g. the older
         * {@code io.micrometer.prometheus.PrometheusMeterRegistry}: {@code registry::scrape}).
         *
         * @param scrape not null; called on every request
         * @return this
         */
        public Builder scrape(Supplier<String> scrape) {
            this.scrape = Objects.requireNonNull(scrape, "scrape must not be null");
            return this;
        }

        /**
         * What {@code POST /api/v1/pool/config} calls to apply a change; by default {@code pool.control()::reconfigure}
         * (validated whole, all or nothing). It must throw {@link IllegalArgumentException} (answered 422) for an
         * invalid change. Replace it to audit or restrict changes.
         *
         * @param reconfigurer not null
         * @return this
         */
        public Builder reconfigurer(Consumer<PoolReconfiguration> reconfigurer) {
            this.reconfigurer = Objects.requireNonNull(reconfigurer, "reconfigurer must not be null");
            return this;
        }

        /**
         * What {@code DELETE /api/v1/connections/{id}} calls to recycle one connection (an idle one at once, a leased
         * one on release): {@code true} if the pool has it, {@code false} (answered 404) if not; by default
         * {@code pool.control()::recycle}.
         *
         * @param recycler not null
         * @return this
         */
        public Builder recycler(Predicate<String> recycler) {
            this.recycler = Objects.requireNonNull(recycler, "recycler must not be null");
            return this;
        }

        /**
         * How often {@code GET /api/v1/events} sends a snapshot; 250 ms by default.
         *
         * @param interval 50 ms to 10 s
         * @return this
         */
        public Builder eventInterval(Duration interval) {
            Objects.requireNonNull(interval, "eventInterval must not be null");
            if (interval.compareTo(Duration.ofMillis(50)) < 0 || interval.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("eventInterval must be 50 ms to 10 s, but was " + interval);
            }
            this.eventInterval = interval;
            return this;
        }

        /**
         * How many event streams (open dashboards) may be open at once; more get 503. 8 by default. Each holds one
         * worker thread.
         *
         * @param max 1 to 256
         * @return this
         */
        public Builder maxEventStreams(int max) {
            if (max < 1 || max > 256) {
                throw new IllegalArgumentException("maxEventStreams must be 1 to 256, but was " + max);
            }
            this.maxEventStreams = max;
            return this;
        }

        /**
         * Binds and starts the server.
         *
         * @return the running server; close it before (or after) the pool
         * @throws UncheckedIOException if the address cannot be bound (e.g. the port is taken)
         */
        public PoolAdminServer start() {
            try {
                return new PoolAdminServer(this);
            } catch (IOException e) {
                throw new UncheckedIOException("admin server of pool '" + pool.name() + "' could not bind "
                        + bindAddress.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
            }
        }
    }
}

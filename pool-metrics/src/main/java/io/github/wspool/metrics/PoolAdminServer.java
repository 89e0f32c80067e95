package io.github.wspool.metrics;

import com.sun.net.httpserver.HttpServer;
import io.github.wspool.PoolReconfiguration;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.fleet.FleetStats;
import io.github.wspool.core.fleet.RedisFleet;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
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
 *   <tr><td>{@code GET /api/v1/pool/stats}</td><td>connections per state, limits, subscriptions, health, the
 *       pool's message and byte counters ({@code traffic}), one entry per endpoint (with its own counters)</td></tr>
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
 *       interval}, the stats plus {@code rates} (acquires, errors, messages and bytes in and out per second over the
 *       last second; each endpoint's messages in and out per second) and {@code totals} (first an
 *       {@code event: history} with up to 5 minutes of 1-second points)</td></tr>
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
 *
 * <p><b>Inside.</b> This class is the public entry only: its {@link Builder} and the lifecycle (bind, threads,
 * listener, {@link #close()}). The rules every request obeys (host check, token, body limits, JSON answers, error
 * mapping) are in the package-private {@code AdminHttp}; what each route does is in {@code AdminRoutes}; the event
 * stream and its history in {@code EventHub}; the JSON documents in {@code AdminSnapshots}.
 */
public final class PoolAdminServer implements AutoCloseable {

    /** Largest request body accepted; larger ones get 413. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;

    private static final System.Logger LOG = System.getLogger(PoolAdminServer.class.getName());

    private final WebSocketPool pool;
    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService sampler;
    private final ConnectionTracker tracker = new ConnectionTracker();
    private final EventHub events;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PoolAdminServer(Builder b) throws IOException {
        this.pool = b.pool;
        AdminHttp http = new AdminHttp(pool.name(), b.token, b.bindAddress.isLoopbackAddress());
        Consumer<PoolReconfiguration> reconfigurer = b.reconfigurer != null ? b.reconfigurer
                : pool.control()::reconfigure;
        Predicate<String> recycler = b.recycler != null ? b.recycler : pool.control()::recycle;
        String prefix = "wspool-admin-" + pool.name();
        this.workers = new ThreadPoolExecutor(b.maxEventStreams + 4, b.maxEventStreams + 4, 30, TimeUnit.SECONDS,
                // unbounded: a rejected task would surface in the JDK server's dispatcher thread, which has no
                // answer for it; event streams are bounded, so at least 4 workers always serve the other routes
                new LinkedBlockingQueue<>(), threads(prefix + "-http-"));
        workers.allowCoreThreadTimeOut(true);
        this.sampler = Executors.newSingleThreadScheduledExecutor(threads(prefix + "-events"));
        this.events = new EventHub(pool, tracker, http.compactJson(), b.eventInterval, b.maxEventStreams);
        AdminRoutes routes = new AdminRoutes(pool, http, tracker, events, b.scrape, reconfigurer, recycler,
                b.fleetStats);
        HttpServer s = null;
        try {
            s = HttpServer.create(new InetSocketAddress(b.bindAddress, b.port), 64);
            s.createContext("/", ex -> http.dispatch(ex, routes));
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
                pool.name(), b.bindAddress.getHostAddress(), port(), http.mutatingCallsOn() ? "need the bearer token"
                        : "off: no bearer token");
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
        private Supplier<FleetStats> fleetStats;

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
         * Serves the fleet's stats at {@code GET /api/v1/fleet} (fleet mode): live instances, connections per server,
         * totals, read from Redis on each request (bounded by the fleet's command timeout; {@code "degraded": true}
         * when Redis cannot be read). Without it the route answers 404.
         *
         * @param fleet the fleet the pool joined
         * @return this
         */
        public Builder fleet(RedisFleet fleet) {
            Objects.requireNonNull(fleet, "fleet must not be null");
            this.fleetStats = fleet::stats;
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

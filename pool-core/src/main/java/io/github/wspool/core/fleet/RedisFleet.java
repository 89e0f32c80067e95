package io.github.wspool.core.fleet;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointResolver;
import io.github.wspool.SessionStore;
import io.github.wspool.core.internal.fleet.FleetBackend;
import io.github.wspool.core.internal.fleet.FleetBackends;
import io.github.wspool.core.internal.fleet.FleetLink;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet mode over Redis: the shared picture of every instance of an application (every pool that joins, in any
 * process) and of the WebSocket servers they use. Connect once per process, register the servers (on the server side),
 * and give it to each pool:
 *
 * <pre>{@code
 * RedisFleet fleet = RedisFleet.connect("redis://redis.internal:6379");
 * WebSocketPool pool = WebSocketPools.builder()
 *         .name("quotes")
 *         .fleet(fleet)                              // join: share connections, health, stats
 *         .endpointResolver(fleet.servers())         // follow the server registry
 *         .strategy(Strategies.fleetLeastConnections())
 *         .pooling(true).minConnections(4)
 *         .build();
 * }</pre>
 *
 * <p>What each joined pool (one <em>instance</em>, with its own id {@code host-pid-pool-random}) does every exchange
 * period, in one pipelined round on the fleet's thread: publishes its connections, its view of each server's health
 * and its stats, each with a TTL of three periods (so a crashed instance's records expire), and reads back the other
 * instances' connection counts per server (which {@code Strategies.fleetLeastConnections()} and
 * {@code maxFleetConnectionsPerServer} use) and the servers a quorum of other live instances reported down (which the
 * pool passes over while another server can serve). The key layout is in the README ("Fleet mode").
 *
 * <p><b>Redis failure.</b> A pool never waits on Redis: every Redis call runs on the fleet's thread or Lettuce's, and
 * fails after {@link RedisFleetOptions#commandTimeout()} (commands are rejected at once, never queued, while a
 * connection is down). When Redis is unreachable the fleet is in degraded mode: logged once at WARN, shown in each
 * pool's {@code health()}, other instances' counts and suspicions cleared (each pool acts on its own state); Lettuce
 * reconnects with an exponential backoff (100 ms to 5 s), and on return (logged at INFO) everything is written anew
 * and the registry reconciled. {@link #connect(String)} does not throw when Redis is down: it returns a fleet in
 * degraded mode that keeps trying.
 *
 * <p>Lettuce ({@code io.lettuce:lettuce-core}) is an optional dependency of wspool: an application that uses fleet mode
 * adds it; one that does not never loads it.
 */
public final class RedisFleet implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisFleet.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final long SESSION_FLUSH_MILLIS = 100;

    static {
        FleetBackends.register(RedisFleet.class, f -> ((RedisFleet) f).backend);
    }

    /** What the builder's {@code fleet(this)} joins: kept off this class's API (its types are internal). */
    private final FleetBackend backend = this::join;

    private final RedisFleetOptions options;
    private final Keys keys;
    private final RedisConnections redis;
    private final ScheduledThreadPoolExecutor exec;
    private final ServerRegistry registry;
    private final String host;
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private final Map<Member, ScheduledFuture<?>> memberTasks = new ConcurrentHashMap<>();
    private final Map<String, RedisSessionStore> sessions = new ConcurrentHashMap<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private final AtomicBoolean refreshPending = new AtomicBoolean();
    private final AtomicBoolean connectPending = new AtomicBoolean();
    private final AtomicLong exchanges = new AtomicLong();
    private final AtomicLong failedExchanges = new AtomicLong();
    /** Fleet-wide connections per server key as last read (at connect, then by every exchange): joining pools' seed. */
    private final Map<String, Integer> fleetCounts = new ConcurrentHashMap<>();
    private volatile String degradedReason;
    private volatile long reachableSince;
    private volatile boolean closed;
    /** The fleet's one thread (replaced if it ever died): waiting on it from itself would wait for nothing. */
    private volatile Thread fleetThread;
    private long connectBackoffMillis = 100; // fleet thread

    private RedisFleet(String redisUri, RedisFleetOptions options) {
        this.options = Objects.requireNonNull(options, "options must not be null");
        this.keys = new Keys(options.keyPrefix());
        this.registry = new ServerRegistry(this, keys, options.heartbeatTtl().toMillis());
        this.redis = new RedisConnections(redisUri, options.commandTimeout(), keys.changes(), registry::changed);
        this.host = hostName();
        int n = SEQUENCE.incrementAndGet();
        this.exec = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "wspool-fleet-" + n);
            t.setDaemon(true);
            fleetThread = t;
            return t;
        });
        exec.setRemoveOnCancelPolicy(true);
        exec.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        exec.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    }

    /**
     * Connects to Redis with the default options.
     *
     * @param redisUri any URI Lettuce accepts: {@code redis://[password@]host[:port][/db]}, {@code rediss://…} (TLS),
     *                 {@code redis-sentinel://[password@]host:port[,host:port…][/db]#masterName}
     * @return the fleet, connected, or in degraded mode if Redis could not be reached within the command timeout (it
     *         connects later by itself)
     * @throws IllegalArgumentException if the URI is malformed (the message masks its password)
     */
    public static RedisFleet connect(String redisUri) {
        return connect(redisUri, RedisFleetOptions.defaults());
    }

    /**
     * Connects to Redis.
     *
     * @param redisUri as for {@link #connect(String)}
     * @param options  key prefix, TTLs, periods, quorum, timeouts
     * @return the fleet, connected or in degraded mode
     * @throws IllegalArgumentException if the URI is malformed (the message masks its password)
     */
    public static RedisFleet connect(String redisUri, RedisFleetOptions options) {
        Objects.requireNonNull(redisUri, "redisUri must not be null");
        RedisFleet fleet = new RedisFleet(redisUri, options);
        fleet.start();
        return fleet;
    }

    private void start() {
        try {
            redis.open();
            reachableSince = System.currentTimeMillis();
            log.info("fleet connected to Redis at {} ({})", redis.maskedUri(), options);
            // one bounded read of the registry and of the counts, so that pools joining now start informed
            fleetCounts.putAll(stats().connectionsPerServer());
            awaitOnFleetThread(this::refreshRegistry);
        } catch (RuntimeException e) {
            degradedReason = "Redis unreachable at " + redis.maskedUri() + ": " + describe(e);
            log.warn("fleet in degraded mode (each pool runs on its own state): {}; connecting in the background",
                    degradedReason);
            scheduleConnect();
        }
        long ttl = options.heartbeatTtl().toMillis();
        tasks.add(exec.scheduleWithFixedDelay(() -> {
            if (!registry.registrations().isEmpty()) {
                io(r -> registry.heartbeat(r, registry.registrations(), false));
            }
        }, ttl / 3, ttl / 3, TimeUnit.MILLISECONDS));
        tasks.add(exec.scheduleWithFixedDelay(this::refreshRegistry, 0, ttl, TimeUnit.MILLISECONDS));
        tasks.add(exec.scheduleWithFixedDelay(this::flushSessions, SESSION_FLUSH_MILLIS, SESSION_FLUSH_MILLIS,
                TimeUnit.MILLISECONDS));
    }

    // ---- the public API ----

    /**
     * Registers a WebSocket server in the fleet's registry: the registration helper for the server side (or for a
     * deployment tool). The record ({@code server:{id}}: url, weight, heartbeat) lives one heartbeat TTL and is renewed
     * every third of it on the fleet's thread; pools following {@link #servers()} add the server at once (a change
     * message) and drop it once it no longer heart-beats for a whole TTL. Returns once the record is in Redis (so a
     * fleet connected next, in any process, starts with this server), within about twice the command timeout; while
     * Redis is down it returns at once and the record is written when Redis is back.
     *
     * @param serverId a stable id, unique in the fleet, not blank
     * @param url      the server's {@code ws://} or {@code wss://} URI
     * @param weight   at least 1
     * @return unregisters (deletes the record and announces it, returning once Redis has it, as registering does;
     *         pools drain the server); closing twice is harmless.
     *         {@link #close()} unregisters every registration still open.
     * @throws IllegalArgumentException if an argument is invalid
     * @throws IllegalStateException    if the fleet is closed
     */
    public AutoCloseable registerServer(String serverId, URI url, int weight) {
        Objects.requireNonNull(serverId, "serverId must not be null");
        if (serverId.isBlank()) {
            throw new IllegalArgumentException("serverId must not be blank");
        }
        new EndpointResolver.Target(Objects.requireNonNull(url, "url must not be null"), weight, null); // validates
        if (closed) {
            throw new IllegalStateException("the fleet is closed");
        }
        ServerRegistry.Registration r = new ServerRegistry.Registration(serverId, url, weight);
        registry.register(r);
        writtenOnReturn("registering server " + serverId, c -> registry.heartbeat(c, List.of(r), true));
        log.info("fleet server {} registered: {} (weight {})", serverId, Endpoint.describe(url), weight);
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true) && registry.unregister(r)) {
                writtenOnReturn("unregistering server " + serverId, c -> registry.remove(c, r));
                log.info("fleet server {} unregistered", serverId);
            }
        };
    }

    /**
     * The registered servers as an {@link EndpointResolver}, for {@code WebSocketPoolBuilder.endpointResolver(...)}:
     * changes arrive by pub/sub, with a full re-read every heartbeat TTL as the safety net. Nothing is given while
     * Redis is unreachable, and a server that vanished is dropped only after a whole heartbeat TTL of reachable Redis
     * without its record (a Redis that comes back empty drains nobody).
     *
     * @return the resolver (the same one each call)
     */
    public EndpointResolver servers() {
        return registry;
    }

    /**
     * A {@link SessionStore} keeping a client's subscription positions in Redis ({@code client:{clientId}:sessions}),
     * for {@code WebSocketPoolBuilder.sessionStore(...)}: a process restarted with the same client id (and pool name)
     * resumes every channel where it stopped. Saves never block: the latest position per channel is written behind
     * every 100 ms and on {@link #close()}; loads read Redis within the command timeout and start without a position
     * (a WARN) if it is unreachable.
     *
     * @param clientId the client's stable id, not blank
     * @return the store (the same one for the same id)
     */
    public SessionStore sessionStore(String clientId) {
        Objects.requireNonNull(clientId, "clientId must not be null");
        if (clientId.isBlank()) {
            throw new IllegalArgumentException("clientId must not be blank");
        }
        return sessions.computeIfAbsent(clientId, id -> new RedisSessionStore(this, id, keys.sessions(id)));
    }

    /**
     * The fleet across every live instance, read from Redis now (within the command timeout; not for hot paths).
     *
     * @return the stats; {@link FleetStats#degraded()} and empty if Redis could not be read
     */
    public FleetStats stats() {
        if (!redis.opened()) {
            return new FleetStats(true, List.of(), Map.of(), 0, 0);
        }
        try {
            return StatsReader.read(redis.direct(), keys, options.commandTimeout().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new FleetStats(true, List.of(), Map.of(), 0, 0);
        } catch (Exception e) {
            log.debug("fleet stats could not be read from Redis", e);
            return new FleetStats(true, List.of(), Map.of(), 0, 0);
        }
    }

    /**
     * Whether the fleet is in degraded mode: Redis is unreachable and each pool runs on its own state.
     *
     * @return {@code true} while degraded
     */
    public boolean degraded() {
        return degradedReason != null;
    }

    /**
     * Why the fleet is in degraded mode.
     *
     * @return the reason, or {@code null} while Redis is reachable
     */
    public String degradedReason() {
        return degradedReason;
    }

    /**
     * Exchanges that succeeded so far, over every joined pool.
     *
     * @return the count
     */
    public long exchanges() {
        return exchanges.get();
    }

    /**
     * Exchanges that failed so far (Redis unreachable, too slow or refusing), over every joined pool.
     *
     * @return the count
     */
    public long failedExchanges() {
        return failedExchanges.get();
    }

    /**
     * The options the fleet runs with.
     *
     * @return the options
     */
    public RedisFleetOptions options() {
        return options;
    }

    /**
     * Leaves the fleet: writes the sessions' pending positions, removes every joined pool's records and this fleet's
     * server registrations (within about the command timeout each), then closes the connections and the fleet's
     * thread. Pools still joined run on their own state from then on (degraded, "fleet closed"). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (tasks) {
            tasks.forEach(t -> t.cancel(false));
        }
        memberTasks.values().forEach(t -> t.cancel(false));
        try {
            Future<?> last = exec.submit(() -> {
                if (redis.opened()) {
                    for (RedisSessionStore s : sessions.values()) {
                        attempt("writing session positions", s::flush);
                    }
                    for (Member m : members) {
                        attempt("removing instance " + m.id(), m::leave);
                    }
                    for (ServerRegistry.Registration r : registry.registrations()) {
                        attempt("unregistering server " + r.id(), c -> registry.remove(c, r));
                    }
                }
            });
            last.get(4 * options.commandTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("fleet could not tidy up in Redis before closing; its records expire by themselves: {}",
                    describe(e));
        }
        for (Member m : members) {
            m.link().degraded("the fleet was closed");
        }
        members.clear();
        exec.shutdownNow();
        redis.close();
        log.info("fleet on {} closed", redis.maskedUri());
    }

    /**
     * Stops without tidying up, as a crashed process would: no more exchanges or heartbeats, records left to expire.
     * For tests.
     */
    void crash() {
        closed = true;
        exec.shutdownNow();
        redis.close();
    }

    @Override
    public String toString() {
        return "RedisFleet[" + redis.maskedUri() + (degraded() ? ", degraded" : "") + "]";
    }

    // ---- FleetBackend: pools joining ----

    /**
     * Makes a pool one instance of this fleet (called by the pool when it starts, if built with
     * {@code fleet(this)}); never blocks on Redis.
     *
     * @param link the pool's side
     * @return leaves the fleet (the pool closes it when it closes)
     */
    AutoCloseable join(FleetLink link) {
        Objects.requireNonNull(link, "link");
        if (closed) {
            throw new IllegalStateException("the fleet is closed");
        }
        String id = host + "-" + ProcessHandle.current().pid() + "-" + link.poolName() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0x1000000));
        Member m = new Member(link, id, host, keys, options, registry::serverKey, fleetCounts::putAll);
        String reason = degradedReason;
        if (reason != null) {
            m.degraded(reason);
        } else {
            m.seed(fleetCounts); // what the fleet knows already (no I/O): the first connections are placed by it
        }
        members.add(m);
        long period = options.exchangePeriod().toMillis();
        memberTasks.put(m, exec.scheduleWithFixedDelay(() -> exchange(m), 0, period, TimeUnit.MILLISECONDS));
        log.info("pool {} joined the fleet as instance {}", link.poolName(), id);
        AtomicBoolean left = new AtomicBoolean();
        return () -> {
            if (!left.compareAndSet(false, true) || !members.remove(m)) {
                return;
            }
            ScheduledFuture<?> t = memberTasks.remove(m);
            if (t != null) {
                t.cancel(false);
            }
            if (closed) {
                return;
            }
            try {
                Future<?> f = exec.submit(() -> attempt("removing instance " + id, m::leave));
                f.get(2 * options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.debug("instance {} left without tidying up; its records expire by themselves", id, e);
            }
            log.info("pool {} left the fleet (instance {})", link.poolName(), id);
        };
    }

    /**
     * The instance ids of the pools that joined through this fleet and have not left, for tests and diagnostics.
     *
     * @return pool name → instance id
     */
    Map<String, String> instanceIds() {
        Map<String, String> ids = new LinkedHashMap<>();
        members.forEach(m -> ids.put(m.link().poolName(), m.id()));
        return ids;
    }

    /**
     * What the last exchange of a pool gave it, for tests: others' counts and suspects.
     *
     * @param pool the pool's name
     * @return its member, or {@code null}
     */
    Member member(String pool) {
        for (Member m : members) {
            if (m.link().poolName().equals(pool)) {
                return m;
            }
        }
        return null;
    }

    // ---- the fleet's thread ----

    /** Work on Redis, run on the fleet's thread. */
    @FunctionalInterface
    interface Io {
        void run(RedisConnections redis) throws Exception;
    }

    private void exchange(Member m) {
        if (closed || !members.contains(m)) {
            return;
        }
        if (io(r -> m.exchange(r, System.currentTimeMillis()))) {
            exchanges.incrementAndGet();
        } else {
            failedExchanges.incrementAndGet();
        }
    }

    private void refreshRegistry() {
        refreshPending.set(false);
        io(r -> registry.refresh(r, System.currentTimeMillis(), reachableSince));
    }

    /** A resolver listener was just given its first set: seed the endpoints it may have added (no I/O). */
    void resolverDelivered() {
        if (degradedReason == null) {
            for (Member m : members) {
                m.seed(fleetCounts);
            }
        }
    }

    /** Reads the registry again soon (coalesced). */
    void refreshRegistrySoon() {
        if (refreshPending.compareAndSet(false, true)) {
            onFleetThread(this::refreshRegistry);
        }
    }

    private void flushSessions() {
        for (RedisSessionStore s : sessions.values()) {
            if (s.hasPending()) {
                io(s::flush);
            }
        }
    }

    /**
     * Runs one piece of Redis work and moves the degraded state by its outcome.
     *
     * @return whether it succeeded
     */
    private boolean io(Io work) {
        if (closed) {
            return false;
        }
        if (!redis.opened()) {
            failed("not connected to Redis at " + redis.maskedUri());
            scheduleConnect();
            return false;
        }
        try {
            work.run(redis);
            succeeded();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            failed("Redis at " + redis.maskedUri() + " failed: " + describe(e));
            if (String.valueOf(e.getMessage()).startsWith("READONLY")) {
                // a failover left the connections on a replica: connect anew (through Sentinel, to the new master)
                log.info("Redis at {} is read-only now (failed over): reconnecting", redis.maskedUri());
                redis.reopen();
                scheduleConnect();
            }
            return false;
        }
    }

    /** Best effort while closing: no degraded-state changes. */
    private void attempt(String what, Io work) {
        try {
            work.run(redis);
        } catch (Exception e) {
            log.debug("fleet: {} failed", what, e);
        }
    }

    private void succeeded() {
        if (degradedReason == null) {
            return;
        }
        degradedReason = null;
        reachableSince = System.currentTimeMillis();
        log.info("fleet: Redis at {} is reachable again; leaving degraded mode, re-publishing this fleet's state",
                redis.maskedUri());
        for (Member m : members) {
            m.recovered();
        }
        onFleetThread(() -> {
            if (!registry.registrations().isEmpty()) {
                io(r -> registry.heartbeat(r, registry.registrations(), true));
            }
        });
        refreshRegistrySoon();
    }

    private void failed(String reason) {
        if (degradedReason != null || closed) {
            return;
        }
        degradedReason = reason;
        log.warn("fleet in degraded mode (each pool runs on its own state until Redis is back): {}", reason);
        for (Member m : members) {
            m.degraded(reason);
        }
    }

    private void scheduleConnect() {
        if (closed || !connectPending.compareAndSet(false, true)) {
            return;
        }
        long delay = connectBackoffMillis;
        connectBackoffMillis = Math.min(5_000, connectBackoffMillis * 2);
        try {
            exec.schedule(() -> {
                connectPending.set(false);
                if (closed) {
                    return;
                }
                try {
                    redis.open();
                    connectBackoffMillis = 100;
                    log.info("fleet connected to Redis at {}", redis.maskedUri());
                    succeeded();
                } catch (RuntimeException e) {
                    failed("Redis unreachable at " + redis.maskedUri() + ": " + describe(e));
                    scheduleConnect();
                }
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            connectPending.set(false);
        }
    }

    /**
     * Runs a task on the fleet's thread (dropped once the fleet is closed).
     *
     * @param task the task
     */
    void onFleetThread(Runnable task) {
        if (closed) {
            return;
        }
        try {
            exec.execute(task);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * Runs a registry write on the fleet's thread and waits for it, so that it is in Redis when the caller goes on
     * (an instance connecting next reads it at start): at most about twice the command timeout, and not at all while
     * degraded or on the fleet's own thread (inline there). A write that failed or did not finish in time is not
     * retried here: the registration heartbeat writes the record again within a third of its TTL, and an unregistered
     * record expires within its TTL.
     */
    private void writtenOnReturn(String what, Io work) {
        if (Thread.currentThread() == fleetThread) {
            io(work);
            return;
        }
        if (closed || degradedReason != null) {
            onFleetThread(() -> io(work)); // Redis is down: the reconnect writes every registration anew
            return;
        }
        try {
            Future<Boolean> written = exec.submit(() -> io(work));
            if (!written.get(2 * options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("fleet: {} did not reach Redis now; the fleet writes it again when Redis answers", what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("fleet: {} did not reach Redis within {} ms; it is written in the background", what,
                    2 * options.commandTimeout().toMillis());
        }
    }

    private void awaitOnFleetThread(Runnable task) {
        try {
            exec.submit(task).get(2 * options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("fleet: a first read did not finish in time", e);
        }
    }

    RedisAsyncCommands<String, String> direct() {
        return redis.direct();
    }

    // ---- small things ----

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return RedisConnections.mask(e.getClass().getSimpleName() + (m != null ? ": " + m : ""));
    }

    private static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                h = "localhost";
            }
        }
        return h.replaceAll("[^A-Za-z0-9._-]", "_");
    }

}

package io.github.wspool.core.fleet;

import io.github.wspool.ConnectionSnapshot;
import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.core.internal.fleet.FleetLink;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One pool in the fleet (one instance): its exchange, run on the fleet's thread every exchange period. Each exchange
 * is one pipelined round: publish this instance's liveness, connections, health view and stats; read every server's
 * connection count and health reports and the live instances; then hand the pool the other instances' counts and the
 * servers a quorum of them saw fail. All state here is the fleet thread's.
 */
final class Member {

    /** What was last written for one connection. */
    private record Published(String server, String state, long created, long lastActive, boolean recorded) {
    }

    private final FleetLink link;
    private final String id;
    private final String host;
    private final Keys keys;
    private final RedisFleetOptions options;
    private final Function<URI, String> serverKey;
    private final Consumer<Map<String, Integer>> totals;
    private final Map<String, Published> published = new HashMap<>();
    private boolean republish = true;
    private volatile Map<URI, Integer> lastOthers = Map.of();
    private volatile Set<URI> lastSuspects = Set.of();
    private volatile Set<URI> covered = Set.of();
    private volatile int lastCommands;

    /**
     * @param link      the pool's side
     * @param id        this instance's id
     * @param host      the host name published in the stats
     * @param keys      the key layout
     * @param options   the fleet's options
     * @param serverKey a server's key for an endpoint URI (its registered id, else the URI)
     * @param totals    told the fleet-wide count per server key after each exchange
     */
    Member(FleetLink link, String id, String host, Keys keys, RedisFleetOptions options,
           Function<URI, String> serverKey, Consumer<Map<String, Integer>> totals) {
        this.link = link;
        this.id = id;
        this.host = host;
        this.keys = keys;
        this.options = options;
        this.serverKey = serverKey;
        this.totals = totals;
    }

    String id() {
        return id;
    }

    FleetLink link() {
        return link;
    }

    Map<URI, Integer> lastOthers() {
        return lastOthers;
    }

    Set<URI> lastSuspects() {
        return lastSuspects;
    }

    int lastCommands() {
        return lastCommands;
    }

    /**
     * One exchange.
     *
     * @param redis the connections
     * @param now   epoch milliseconds
     * @throws Exception if Redis failed or timed out (nothing is handed to the pool then)
     */
    void exchange(RedisConnections redis, long now) throws Exception {
        RedisAsyncCommands<String, String> a = redis.pipeline();
        Batch batch = new Batch();
        long ttl = options.recordTtlMillis();
        long expiry = now + ttl;
        batch.add(a.zadd(keys.instances(), (double) expiry, id));
        batch.add(a.zremrangebyscore(keys.instances(), Range.create(Double.NEGATIVE_INFINITY, (double) now)));
        batch.add(a.pexpire(keys.instances(), ttl));

        // this instance's connections: per-connection records (bounded) and per-server sorted sets (all)
        List<ConnectionSnapshot> connections = link.connections();
        Map<String, List<Object>> zaddByServer = new LinkedHashMap<>();
        Map<String, Integer> ownByServer = new HashMap<>();
        Set<String> current = new HashSet<>();
        int records = 0;
        int active = 0;
        for (ConnectionSnapshot c : connections) {
            if (c.state() == ConnectionState.CLOSED) {
                continue;
            }
            String connKey = id + ":" + c.id();
            String server = serverKey.apply(c.endpoint());
            current.add(connKey);
            zaddByServer.computeIfAbsent(server, s -> new ArrayList<>()).addAll(List.of((double) expiry, connKey));
            ownByServer.merge(server, 1, Integer::sum);
            boolean busy = c.state() == ConnectionState.ACTIVE || c.leases() > 0;
            if (busy) {
                active++;
            }
            Published before = published.get(connKey);
            long created = before != null ? before.created() : now;
            long lastActive = busy ? now : before != null ? before.lastActive() : now;
            String state = c.state().name();
            boolean changed = before == null || !before.recorded() || republish || !before.state().equals(state)
                    || !before.server().equals(server);
            boolean recorded = false;
            if (records < options.maxConnectionRecords()) {
                records++;
                recorded = true;
                if (changed) {
                    Map<String, String> fields = new LinkedHashMap<>();
                    fields.put("server", server);
                    fields.put("instance", id);
                    fields.put("pool", link.poolName());
                    fields.put("state", state);
                    fields.put("created", Long.toString(created));
                    fields.put("lastActive", Long.toString(lastActive));
                    batch.add(a.hset(keys.conn(connKey), fields));
                }
                batch.add(a.pexpire(keys.conn(connKey), ttl));
            }
            published.put(connKey, new Published(server, state, created, lastActive, recorded));
        }
        for (var it = published.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!current.contains(e.getKey())) {
                batch.add(a.del(keys.conn(e.getKey())));
                batch.add(a.zrem(keys.serverConnections(e.getValue().server()), e.getKey()));
                it.remove();
            }
        }

        // per server of this pool: publish, clean, count; share this instance's health view, read the others'
        Map<URI, RedisFuture<Long>> counts = new LinkedHashMap<>();
        Map<URI, RedisFuture<Map<String, String>>> health = new LinkedHashMap<>();
        Map<URI, String> servers = new LinkedHashMap<>();
        for (EndpointSnapshot e : link.endpoints()) {
            String server = serverKey.apply(e.uri());
            servers.put(e.uri(), server);
            String zkey = keys.serverConnections(server);
            List<Object> mine = zaddByServer.remove(server);
            if (mine != null) {
                batch.add(a.zadd(zkey, mine.toArray()));
            }
            batch.add(a.zremrangebyscore(zkey, Range.create(Double.NEGATIVE_INFINITY, (double) now)));
            batch.add(a.pexpire(zkey, ttl));
            counts.put(e.uri(), batch.add(a.zcount(zkey, Range.from(Range.Boundary.excluding((double) now),
                    Range.Boundary.unbounded()))));
            String hkey = keys.serverHealth(server);
            batch.add(a.hset(hkey, id, (e.healthy() ? "up:" : "down:") + now));
            batch.add(a.pexpire(hkey, ttl));
            health.put(e.uri(), batch.add(a.hgetall(hkey)));
        }
        for (Map.Entry<String, List<Object>> rest : zaddByServer.entrySet()) {
            // connections to an endpoint the pool no longer lists (being removed): still counted
            batch.add(a.zadd(keys.serverConnections(rest.getKey()), rest.getValue().toArray()));
            batch.add(a.pexpire(keys.serverConnections(rest.getKey()), ttl));
        }
        // (expired ones were removed above; ZRANGE by index with scores, not BYSCORE: Redis before 6.2 has no BYSCORE)
        RedisFuture<List<ScoredValue<String>>> live = batch.add(a.zrangeWithScores(keys.instances(), 0, -1));

        // stats: one hash per instance, rewritten whole
        Map<String, String> stats = new LinkedHashMap<>();
        stats.put("pool", link.poolName());
        stats.put("host", host);
        stats.put("connections", Integer.toString(current.size()));
        stats.put("active", Integer.toString(active));
        stats.put("updated", Long.toString(now));
        ownByServer.forEach((server, n) -> stats.put("s:" + server, Integer.toString(n)));
        String skey = keys.stats(id);
        batch.add(a.del(skey));
        batch.add(a.hset(skey, stats));
        batch.add(a.pexpire(skey, ttl));

        redis.flush();
        lastCommands = batch.size();
        batch.await(options.commandTimeout());
        republish = false;

        Set<String> liveOthers = new HashSet<>();
        for (ScoredValue<String> v : live.get()) {
            if (v.getScore() > now && !v.getValue().equals(id)) {
                liveOthers.add(v.getValue());
            }
        }
        long fresh = now - ttl;
        Map<URI, Integer> others = new HashMap<>();
        Map<String, Integer> totalByServer = new HashMap<>();
        Set<URI> suspects = new HashSet<>();
        for (Map.Entry<URI, String> e : servers.entrySet()) {
            long total = counts.get(e.getKey()).get();
            totalByServer.put(e.getValue(), (int) total);
            int own = ownByServer.getOrDefault(e.getValue(), 0);
            int theirs = (int) Math.max(0, total - own);
            if (theirs > 0) {
                others.put(e.getKey(), theirs);
            }
            int down = 0;
            for (Map.Entry<String, String> report : health.get(e.getKey()).get().entrySet()) {
                if (liveOthers.contains(report.getKey()) && isRecentDown(report.getValue(), fresh)) {
                    down++;
                }
            }
            if (down >= options.suspectQuorum()) {
                suspects.add(e.getKey());
            }
        }
        link.othersConnections(others);
        link.suspects(suspects);
        totals.accept(totalByServer);
        lastOthers = Map.copyOf(others);
        lastSuspects = Set.copyOf(suspects);
        covered = Set.copyOf(servers.keySet());
    }

    /**
     * Hands the pool the fleet's last known counts for the endpoints its last exchange did not cover (all of them
     * before the first exchange; one a resolver just added): no I/O, so that connections placed before the next
     * exchange are placed by the fleet's picture. Endpoints the last exchange covered keep its counts.
     *
     * @param known fleet-wide connections per server key, as last read by this fleet
     */
    void seed(Map<String, Integer> known) {
        if (known.isEmpty()) {
            return;
        }
        Map<URI, Integer> others = new HashMap<>(lastOthers);
        Set<URI> done = covered;
        for (EndpointSnapshot e : link.endpoints()) {
            if (!done.contains(e.uri())) {
                Integer n = known.get(serverKey.apply(e.uri()));
                if (n != null && n > 0) {
                    others.put(e.uri(), n); // this pool has none there yet: the whole count is others'
                }
            }
        }
        link.othersConnections(others);
    }

    private static boolean isRecentDown(String report, long fresh) {
        if (!report.startsWith("down:")) {
            return false;
        }
        try {
            return Long.parseLong(report.substring(5)) >= fresh;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Redis became unreachable: the pool runs on its own state (others' counts zero, nothing suspected), and everything
     * is written anew on return.
     *
     * @param reason why
     */
    void degraded(String reason) {
        link.degraded(reason);
        link.othersConnections(Map.of());
        link.suspects(Set.of());
        lastOthers = Map.of();
        lastSuspects = Set.of();
        covered = Set.of();
        republish = true;
    }

    /** Redis is reachable again. */
    void recovered() {
        link.degraded(null);
        republish = true;
    }

    /**
     * Removes what this instance published: its connection records and sorted-set entries, its health reports, its
     * stats and its liveness.
     *
     * @param redis the connections
     * @throws Exception if Redis failed (the records then expire within the record TTL)
     */
    void leave(RedisConnections redis) throws Exception {
        RedisAsyncCommands<String, String> a = redis.pipeline();
        Batch batch = new Batch();
        for (Map.Entry<String, Published> e : published.entrySet()) {
            batch.add(a.del(keys.conn(e.getKey())));
            batch.add(a.zrem(keys.serverConnections(e.getValue().server()), e.getKey()));
        }
        for (EndpointSnapshot e : link.endpoints()) {
            batch.add(a.hdel(keys.serverHealth(serverKey.apply(e.uri())), id));
        }
        batch.add(a.del(keys.stats(id)));
        batch.add(a.zrem(keys.instances(), id));
        redis.flush();
        batch.await(options.commandTimeout());
        published.clear();
    }
}

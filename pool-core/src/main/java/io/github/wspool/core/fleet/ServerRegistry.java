package io.github.wspool.core.fleet;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointResolver;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server registry: this fleet's own registrations (written and re-heartbeated on the fleet's thread) and the
 * registry as read back (the {@link EndpointResolver} of {@link RedisFleet#servers()}, and the map from endpoint URIs to
 * server ids the exchanges key their counts by).
 *
 * <p><b>Reading.</b> The registry is re-read on every change message, on every reconcile (each heartbeat TTL) and when
 * Redis is reachable again. A server that is registered is offered at once. A server that is missing is kept until it
 * has been missing for a whole heartbeat TTL counted from the later of when it was first seen missing and when Redis was
 * last reachable again, so that a Redis that comes back empty drains nobody: a live server's own registration
 * heart-beats back within that TTL. A server unregistered explicitly (its change message said so) is dropped at once.
 * A set is only ever given after a successful read; while Redis is unreachable the listeners hear nothing.
 *
 * <p>All mutable state except the listener list, the registrations and the last set is the fleet thread's.
 */
final class ServerRegistry implements EndpointResolver {

    private static final Logger log = LoggerFactory.getLogger(ServerRegistry.class);
    static final String UP = "up:";
    static final String DOWN = "down:";

    /** One registration of this fleet. */
    record Registration(String id, URI url, int weight) {
    }

    private final RedisFleet fleet;
    private final Keys keys;
    private final long ttlMillis;
    private final Map<String, Registration> registrations = new ConcurrentHashMap<>();
    private final List<EndpointResolver.Listener> listeners = new CopyOnWriteArrayList<>();
    private final Set<String> unregistered = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> missingSince = new HashMap<>();
    private final Set<String> invalid = new HashSet<>();
    private volatile Map<String, EndpointResolver.Target> known; // null until the first successful read
    /**
     * Held while a set is given to listeners, so that a subscriber's first set and later ones never cross. A lock, not
     * a monitor: the listeners (a pool reconciling) take locks of their own under it.
     */
    private final ReentrantLock delivering = new ReentrantLock();
    private volatile Map<URI, String> idByUri = Map.of();

    ServerRegistry(RedisFleet fleet, Keys keys, long ttlMillis) {
        this.fleet = fleet;
        this.keys = keys;
        this.ttlMillis = ttlMillis;
    }

    /**
     * The key a server's counts and health are kept under: its registered id, or the URI itself if not registered.
     *
     * @param uri an endpoint
     * @return the server key
     */
    String serverKey(URI uri) {
        String id = idByUri.get(uri);
        return id != null ? id : uri.toString();
    }

    // ---- this fleet's registrations (the server side) ----

    void register(Registration r) {
        registrations.put(r.id(), r);
        unregistered.remove(r.id());
    }

    boolean unregister(Registration r) {
        return registrations.remove(r.id(), r);
    }

    Collection<Registration> registrations() {
        return registrations.values();
    }

    /**
     * Writes (or renews) registrations and announces them.
     *
     * @param redis    the connections
     * @param which    the registrations
     * @param announce whether to publish a change message for each
     * @throws Exception if Redis failed
     */
    void heartbeat(RedisConnections redis, Collection<Registration> which, boolean announce) throws Exception {
        if (which.isEmpty()) {
            return;
        }
        RedisAsyncCommands<String, String> a = redis.pipeline();
        Batch batch = new Batch();
        long now = System.currentTimeMillis();
        for (Registration r : which) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("url", r.url().toString());
            fields.put("weight", Integer.toString(r.weight()));
            fields.put("heartbeat", Long.toString(now));
            batch.add(a.hset(keys.server(r.id()), fields));
            batch.add(a.pexpire(keys.server(r.id()), ttlMillis));
            batch.add(a.sadd(keys.servers(), r.id()));
            if (announce) {
                batch.add(a.publish(keys.changes(), UP + r.id()));
            }
        }
        batch.add(a.pexpire(keys.servers(), 3 * ttlMillis));
        redis.flush();
        batch.await(fleet.options().commandTimeout());
    }

    /**
     * Removes a registration from Redis and announces it.
     *
     * @param redis the connections
     * @param r     the registration
     * @throws Exception if Redis failed (the record then expires within the heartbeat TTL)
     */
    void remove(RedisConnections redis, Registration r) throws Exception {
        RedisAsyncCommands<String, String> a = redis.pipeline();
        Batch batch = new Batch();
        batch.add(a.del(keys.server(r.id())));
        batch.add(a.srem(keys.servers(), r.id()));
        batch.add(a.publish(keys.changes(), DOWN + r.id()));
        redis.flush();
        batch.await(fleet.options().commandTimeout());
    }

    // ---- the registry as read (the resolver) ----

    /**
     * A change message arrived (on a Lettuce thread).
     *
     * @param message {@code up:<id>} or {@code down:<id>}
     */
    void changed(String message) {
        if (message.startsWith(DOWN)) {
            unregistered.add(message.substring(DOWN.length()));
        }
        fleet.refreshRegistrySoon();
    }

    /**
     * Reads the registry and gives the listeners the new set if it changed. Fleet thread.
     *
     * @param redis           the connections
     * @param now             epoch milliseconds
     * @param reachableSince  when Redis was last reachable again (epoch milliseconds)
     * @throws Exception if Redis failed (nothing is given then)
     */
    void refresh(RedisConnections redis, long now, long reachableSince) throws Exception {
        RedisAsyncCommands<String, String> a = redis.pipeline();
        RedisFuture<Set<String>> members = a.smembers(keys.servers());
        redis.flush();
        Batch first = new Batch();
        first.add(members);
        first.await(fleet.options().commandTimeout());
        Batch batch = new Batch();
        Map<String, RedisFuture<Map<String, String>>> records = new LinkedHashMap<>();
        for (String id : new java.util.TreeSet<>(members.get())) {
            records.put(id, batch.add(a.hgetall(keys.server(id))));
        }
        redis.flush();
        batch.await(fleet.options().commandTimeout());

        Map<String, EndpointResolver.Target> present = new LinkedHashMap<>();
        List<String> expired = new ArrayList<>();
        for (Map.Entry<String, RedisFuture<Map<String, String>>> e : records.entrySet()) {
            Map<String, String> record = e.getValue().get();
            EndpointResolver.Target t = record.isEmpty() ? null : target(e.getKey(), record);
            if (t == null) {
                if (record.isEmpty()) {
                    expired.add(e.getKey());
                }
            } else {
                present.put(e.getKey(), t);
            }
        }
        if (!expired.isEmpty()) {
            a.srem(keys.servers(), expired.toArray(new String[0])); // tidy up; its outcome does not matter
            redis.flush();
        }
        Map<String, EndpointResolver.Target> next = new LinkedHashMap<>(present);
        if (known != null) {
            for (Map.Entry<String, EndpointResolver.Target> e : known.entrySet()) {
                String id = e.getKey();
                if (present.containsKey(id)) {
                    continue;
                }
                if (unregistered.contains(id)) {
                    log.info("fleet server {} unregistered", id);
                    continue;
                }
                long since = missingSince.computeIfAbsent(id, x -> now);
                if (now < Math.max(since, reachableSince) + ttlMillis) {
                    next.put(id, e.getValue()); // missing, but not for a whole TTL of reachable Redis yet
                } else {
                    log.info("fleet server {} ({}) no longer heart-beats: dropping it", id,
                            Endpoint.describe(e.getValue().uri()));
                }
            }
        }
        missingSince.keySet().removeIf(id -> present.containsKey(id) || !next.containsKey(id));
        unregistered.removeIf(id -> !next.containsKey(id) && !present.containsKey(id));
        Map<URI, String> byUri = new HashMap<>();
        next.forEach((id, t) -> byUri.putIfAbsent(t.uri(), id));
        idByUri = Map.copyOf(byUri);
        if (known == null || !known.equals(next)) {
            delivering.lock();
            try {
                known = next;
                List<EndpointResolver.Target> set = List.copyOf(next.values());
                for (EndpointResolver.Listener l : listeners) {
                    deliver(l, set);
                }
            } finally {
                delivering.unlock();
            }
        }
    }

    private EndpointResolver.Target target(String id, Map<String, String> record) {
        try {
            int weight = Integer.parseInt(record.getOrDefault("weight", "1"));
            EndpointResolver.Target t = new EndpointResolver.Target(URI.create(record.get("url")), weight, null);
            invalid.remove(id);
            return t;
        } catch (RuntimeException e) {
            if (invalid.add(id)) {
                log.warn("fleet server {} has an invalid registration ({}); ignoring it", id, e.getMessage());
            }
            return null;
        }
    }

    private static void deliver(EndpointResolver.Listener l, List<EndpointResolver.Target> set) {
        try {
            l.endpoints(set);
        } catch (RuntimeException e) {
            log.warn("an endpoint listener of the fleet's server registry failed", e);
        }
    }

    /**
     * Follows the registry: the current set at once if it has been read (on the caller's thread, so that a pool
     * subscribing at its start places its first connections over it), then every change on the fleet's thread.
     *
     * @param listener told each new set
     * @return stops following
     */
    @Override
    public AutoCloseable subscribe(EndpointResolver.Listener listener) {
        java.util.Objects.requireNonNull(listener, "listener");
        delivering.lock();
        try {
            listeners.add(listener);
            Map<String, EndpointResolver.Target> now = known;
            if (now != null) {
                deliver(listener, List.copyOf(now.values()));
            }
        } finally {
            delivering.unlock();
        }
        if (known != null) {
            fleet.resolverDelivered();
        }
        fleet.refreshRegistrySoon();
        return () -> listeners.remove(listener);
    }

    /** A connect to a registered server failed: read the registry again soon. */
    @Override
    public void connectFailed(URI endpoint) {
        fleet.refreshRegistrySoon();
    }

    @Override
    public String toString() {
        return "RedisFleet.servers(" + fleet + ")";
    }
}

package io.github.wspool.core.fleet;

import io.github.wspool.SessionStore;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's subscription positions in Redis ({@code client:{clientId}:sessions}: field {@code pool/channel}, value
 * the position). {@link #save} and {@link #remove} never block: they record the latest operation per channel in a
 * map (so a burst of messages on one channel is one write), which the fleet's thread writes behind every 100 ms and
 * on {@link RedisFleet#close()}; a failed write is retried with the next one. {@link #load} answers from that map if it
 * holds the channel, else reads Redis synchronously within the fleet's command timeout, and falls back to "nothing
 * stored" (and a WARN) when Redis is unreachable.
 */
final class RedisSessionStore implements SessionStore {

    private static final Logger log = LoggerFactory.getLogger(RedisSessionStore.class);
    private static final long REMOVED = Long.MIN_VALUE;

    private final RedisFleet fleet;
    private final String clientId;
    private final String key;
    private final Map<String, Long> pending = new ConcurrentHashMap<>();

    RedisSessionStore(RedisFleet fleet, String clientId, String key) {
        this.fleet = fleet;
        this.clientId = clientId;
        this.key = key;
    }

    private static String field(String pool, String channel) {
        return Objects.requireNonNull(pool, "pool") + "/" + Objects.requireNonNull(channel, "channel");
    }

    @Override
    public OptionalLong load(String pool, String channel) {
        String field = field(pool, channel);
        Long p = pending.get(field);
        if (p != null) {
            return p == REMOVED ? OptionalLong.empty() : OptionalLong.of(p);
        }
        try {
            String v = fleet.direct().hget(key, field)
                    .get(fleet.options().commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return v == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(v));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (Exception e) {
            log.warn("could not load the position of channel '{}' (pool {}, client {}) from Redis: {}; starting "
                    + "without one", channel, pool, clientId, String.valueOf(e));
            return OptionalLong.empty();
        }
    }

    @Override
    public void save(String pool, String channel, long position) {
        pending.put(field(pool, channel), position);
    }

    @Override
    public void remove(String pool, String channel) {
        pending.put(field(pool, channel), REMOVED);
    }

    /**
     * Writes the pending operations in one round. Fleet thread.
     *
     * @param redis the connections
     * @throws Exception if Redis failed (they stay pending)
     */
    void flush(RedisConnections redis) throws Exception {
        if (pending.isEmpty()) {
            return;
        }
        Map<String, Long> batchOf = new LinkedHashMap<>(pending);
        Map<String, String> sets = new LinkedHashMap<>();
        List<String> removes = new ArrayList<>();
        batchOf.forEach((f, p) -> {
            if (p == REMOVED) {
                removes.add(f);
            } else {
                sets.put(f, Long.toString(p));
            }
        });
        RedisAsyncCommands<String, String> a = redis.pipeline();
        Batch batch = new Batch();
        if (!sets.isEmpty()) {
            batch.add(a.hset(key, sets));
        }
        if (!removes.isEmpty()) {
            batch.add(a.hdel(key, removes.toArray(new String[0])));
        }
        batch.add(a.pexpire(key, fleet.options().sessionTtl().toMillis()));
        redis.flush();
        batch.await(fleet.options().commandTimeout());
        batchOf.forEach(pending::remove); // only what is unchanged since: a newer operation stays pending
    }

    /**
     * Whether operations wait to be written.
     *
     * @return {@code true} if some do
     */
    boolean hasPending() {
        return !pending.isEmpty();
    }

    @Override
    public String toString() {
        return "RedisFleet.sessionStore(" + clientId + ")";
    }
}

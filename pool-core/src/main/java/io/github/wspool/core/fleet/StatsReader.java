package io.github.wspool.core.fleet;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Reads {@link FleetStats} from Redis: the live instances and their stats records, each read within the timeout. */
final class StatsReader {

    private StatsReader() {
    }

    /**
     * Reads the fleet's stats now.
     *
     * @param a       the connection's commands (not pipelined)
     * @param keys    the key layout
     * @param timeout for each read, milliseconds
     * @return the stats
     * @throws Exception if Redis failed or was too slow
     */
    static FleetStats read(RedisAsyncCommands<String, String> a, Keys keys, long timeout) throws Exception {
        long now = System.currentTimeMillis();
        List<ScoredValue<String>> live = a.zrangeWithScores(keys.instances(), 0, -1)
                .get(timeout, TimeUnit.MILLISECONDS);
        Map<String, RedisFuture<Map<String, String>>> reads = new LinkedHashMap<>();
        for (ScoredValue<String> v : live) {
            if (v.getScore() > now) {
                reads.put(v.getValue(), a.hgetall(keys.stats(v.getValue())));
            }
        }
        List<FleetStats.Instance> instances = new ArrayList<>();
        Map<String, Integer> perServer = new HashMap<>();
        int total = 0;
        int active = 0;
        for (Map.Entry<String, RedisFuture<Map<String, String>>> e : reads.entrySet()) {
            Map<String, String> h = e.getValue().get(timeout, TimeUnit.MILLISECONDS);
            if (h.isEmpty()) {
                continue; // left meanwhile
            }
            Map<String, Integer> servers = new HashMap<>();
            h.forEach((k, v) -> {
                if (k.startsWith("s:")) {
                    servers.put(k.substring(2), parseInt(v));
                }
            });
            FleetStats.Instance i = new FleetStats.Instance(e.getKey(), h.getOrDefault("pool", ""),
                    h.getOrDefault("host", ""), parseInt(h.get("connections")), parseInt(h.get("active")),
                    servers, parseLong(h.get("updated")));
            instances.add(i);
            total += i.connections();
            active += i.active();
            servers.forEach((s, n) -> perServer.merge(s, n, Integer::sum));
        }
        return new FleetStats(false, instances, perServer, total, active);
    }

    private static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}

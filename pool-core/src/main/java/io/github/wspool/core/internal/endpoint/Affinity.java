package io.github.wspool.core.internal.endpoint;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.wspool.core.Ticker;
import io.github.wspool.core.internal.connection.EndpointState;
import java.time.Duration;

/**
 * Sticky affinity: which endpoint an affinity key ({@code acquire(String)}) lives on. A Caffeine cache, bounded and
 * expiring after access, driven by the pool's ticker and maintained on the calling thread (no background thread).
 */
public final class Affinity {

    private final Cache<String, EndpointState> homes;

    /**
     * @param maxKeys           keys kept at most (least recently used beyond that are forgotten)
     * @param expireAfterAccess a key unused this long is forgotten
     * @param ticker            the pool's time source
     */
    public Affinity(int maxKeys, Duration expireAfterAccess, Ticker ticker) {
        this.homes = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .expireAfterAccess(expireAfterAccess)
                .ticker(ticker::read)
                .executor(Runnable::run) // no background threads: cache upkeep runs on the calling thread
                .build();
    }

    /**
     * The endpoint a key lives on.
     *
     * @param key the affinity key
     * @return its endpoint, or {@code null} if it has none (never homed, or forgotten)
     */
    public EndpointState homeOf(String key) {
        return homes.getIfPresent(key);
    }

    /**
     * Homes (or re-homes) a key.
     *
     * @param key  the affinity key
     * @param home its endpoint
     */
    public void home(String key, EndpointState home) {
        homes.put(key, home);
    }

    /**
     * Forgets every key homed on a removed endpoint.
     *
     * @param removed the endpoint
     */
    public void forget(EndpointState removed) {
        homes.asMap().values().removeIf(home -> home == removed);
    }

    /** Forgets every key (the pool closed). */
    public void clear() {
        homes.invalidateAll();
    }
}

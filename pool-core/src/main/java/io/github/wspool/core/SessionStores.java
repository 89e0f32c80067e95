package io.github.wspool.core;

import io.github.wspool.SessionStore;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ready-made {@link SessionStore}s.
 */
public final class SessionStores {

    private SessionStores() {
    }

    /**
     * A store in this process's memory: positions last as long as the store object (the pool's default creates one
     * per pool). Share one between pools, or between a closed pool and its successor, to resume channels across them.
     *
     * @return a new, empty store
     */
    public static SessionStore inMemory() {
        return new InMemory();
    }

    /** Positions in a concurrent map keyed by pool and channel. */
    private static final class InMemory implements SessionStore {

        private final Map<Key, Long> positions = new ConcurrentHashMap<>();

        private record Key(String pool, String channel) {
        }

        @Override
        public OptionalLong load(String pool, String channel) {
            Long p = positions.get(new Key(pool, channel));
            return p == null ? OptionalLong.empty() : OptionalLong.of(p);
        }

        @Override
        public void save(String pool, String channel, long position) {
            positions.merge(new Key(Objects.requireNonNull(pool), Objects.requireNonNull(channel)), position, Math::max);
        }

        @Override
        public void remove(String pool, String channel) {
            positions.remove(new Key(pool, channel));
        }

        @Override
        public String toString() {
            return "SessionStores.inMemory(" + positions.size() + " channels)";
        }
    }
}

package io.github.wspool;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A change to a running pool's settings, applied by {@link PoolControl#reconfigure(PoolReconfiguration)}: only the
 * settings given change, the rest stay as they are. The change is validated whole (against each other and against
 * the pool's other settings) and applied all or nothing, without dropping a lease. Immutable; build one with
 * {@link #builder()}.
 *
 * <pre>{@code
 * pool.control().reconfigure(PoolReconfiguration.builder().maxConnections(16).acquireTimeout(Duration.ofSeconds(2))
 *         .build());
 * }</pre>
 */
public final class PoolReconfiguration {

    private final Integer minConnections;
    private final Integer maxConnections;
    private final LoadBalancingStrategy strategy;
    private final Duration acquireTimeout;
    private final Duration idleTimeout;
    private final Duration maxLifetime;
    private final Duration healthCheckInterval;

    private PoolReconfiguration(Builder b) {
        this.minConnections = b.minConnections;
        this.maxConnections = b.maxConnections;
        this.strategy = b.strategy;
        this.acquireTimeout = b.acquireTimeout;
        this.idleTimeout = b.idleTimeout;
        this.maxLifetime = b.maxLifetime;
        this.healthCheckInterval = b.healthCheckInterval;
    }

    /**
     * A builder with nothing set.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the new {@code minConnections}, if it changes */
    public OptionalInt minConnections() {
        return minConnections == null ? OptionalInt.empty() : OptionalInt.of(minConnections);
    }

    /** @return the new {@code maxConnections}, if it changes */
    public OptionalInt maxConnections() {
        return maxConnections == null ? OptionalInt.empty() : OptionalInt.of(maxConnections);
    }

    /** @return the new strategy, if it changes */
    public Optional<LoadBalancingStrategy> strategy() {
        return Optional.ofNullable(strategy);
    }

    /** @return the new {@code acquireTimeout}, if it changes */
    public Optional<Duration> acquireTimeout() {
        return Optional.ofNullable(acquireTimeout);
    }

    /** @return the new {@code idleTimeout}, if it changes */
    public Optional<Duration> idleTimeout() {
        return Optional.ofNullable(idleTimeout);
    }

    /** @return the new {@code maxLifetime}, if it changes */
    public Optional<Duration> maxLifetime() {
        return Optional.ofNullable(maxLifetime);
    }

    /** @return the new {@code healthCheckInterval}, if it changes */
    public Optional<Duration> healthCheckInterval() {
        return Optional.ofNullable(healthCheckInterval);
    }

    /**
     * The settings this change sets, by their builder names, as text (for logs, events and the admin API).
     *
     * @return setting name → new value, in a stable order
     */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "minConnections", minConnections);
        put(m, "maxConnections", maxConnections);
        put(m, "strategy", strategy);
        put(m, "acquireTimeout", acquireTimeout);
        put(m, "idleTimeout", idleTimeout);
        put(m, "maxLifetime", maxLifetime);
        put(m, "healthCheckInterval", healthCheckInterval);
        return m;
    }

    private static void put(Map<String, String> m, String name, Object value) {
        if (value != null) {
            m.put(name, String.valueOf(value));
        }
    }

    /**
     * Whether nothing is set.
     *
     * @return {@code true} for an empty change
     */
    public boolean isEmpty() {
        return describe().isEmpty();
    }

    @Override
    public String toString() {
        return "PoolReconfiguration" + describe();
    }

    /** Sets what changes; each setter checks its own value at once (the whole is checked when applied). */
    public static final class Builder {

        private Integer minConnections;
        private Integer maxConnections;
        private LoadBalancingStrategy strategy;
        private Duration acquireTimeout;
        private Duration idleTimeout;
        private Duration maxLifetime;
        private Duration healthCheckInterval;

        private Builder() {
        }

        /**
         * @param min zero or more
         * @return this
         * @throws IllegalArgumentException if negative
         */
        public Builder minConnections(int min) {
            if (min < 0) {
                throw new IllegalArgumentException("minConnections must be zero or more, but was " + min);
            }
            this.minConnections = min;
            return this;
        }

        /**
         * @param max at least 1
         * @return this
         * @throws IllegalArgumentException if below 1
         */
        public Builder maxConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1, but was " + max);
            }
            this.maxConnections = max;
            return this;
        }

        /**
         * @param strategy not null
         * @return this
         */
        public Builder strategy(LoadBalancingStrategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy must not be null");
            return this;
        }

        /**
         * @param timeout zero or positive
         * @return this
         */
        public Builder acquireTimeout(Duration timeout) {
            this.acquireTimeout = nonNegative("acquireTimeout", timeout);
            return this;
        }

        /**
         * @param timeout zero (never) or positive
         * @return this
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = nonNegative("idleTimeout", timeout);
            return this;
        }

        /**
         * @param lifetime zero (never) or positive
         * @return this
         */
        public Builder maxLifetime(Duration lifetime) {
            this.maxLifetime = nonNegative("maxLifetime", lifetime);
            return this;
        }

        /**
         * @param interval zero (no keepalive pings) or positive
         * @return this
         */
        public Builder healthCheckInterval(Duration interval) {
            this.healthCheckInterval = nonNegative("healthCheckInterval", interval);
            return this;
        }

        private static Duration nonNegative(String name, Duration d) {
            Objects.requireNonNull(d, name + " must not be null");
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must be zero or positive, but was " + d);
            }
            return d;
        }

        /**
         * The change.
         *
         * @return the immutable change
         */
        public PoolReconfiguration build() {
            return new PoolReconfiguration(this);
        }
    }
}

package io.github.wspool;

import java.util.List;
import java.util.Objects;

/**
 * The pool's health in one value, for a Spring Boot {@code HealthIndicator} or a Kubernetes probe:
 * <pre>{@code
 * PoolHealth h = pool.control().health();
 * return h.isServing() ? Health.status(h.status().name()).withDetail("reasons", h.reasons()).build()
 *                      : Health.down().withDetail("reasons", h.reasons()).build();
 * }</pre>
 *
 * @param status  UP, DEGRADED or DOWN
 * @param reasons why it is not UP, most severe first, each naming what it concerns; empty when UP
 */
public record PoolHealth(Status status, List<String> reasons) {

    /** How well the pool can serve. */
    public enum Status {
        /** Everything as configured. */
        UP,
        /**
         * It serves, with less than it should: an endpoint out of rotation, fewer than {@code minConnections} open,
         * acquires timing out lately, subscriptions recovering.
         */
        DEGRADED,
        /** It cannot serve: no healthy endpoint, or the pool is closed. */
        DOWN
    }

    /**
     * @param status  not null
     * @param reasons not null; copied
     */
    public PoolHealth {
        Objects.requireNonNull(status, "status");
        reasons = List.copyOf(reasons);
    }

    /**
     * Whether the pool can serve (UP or DEGRADED): what a readiness probe asks.
     *
     * @return {@code true} unless DOWN
     */
    public boolean isServing() {
        return status != Status.DOWN;
    }
}

package io.github.wspool.core.internal.connect;

import io.github.wspool.core.internal.connection.EndpointState;

/** The callers waiting for a connection, as the connector needs to know them: how many, and where they want one. */
@FunctionalInterface
public interface Demand {

    /**
     * Callers waiting now.
     *
     * @return the count
     */
    int waiting();

    /**
     * Where the latest waiting caller's connection should open: its strategy's pick, or the endpoint its affinity key
     * lives on. A connect opened for waiters without an endpoint of its own (the housekeeper's refill, a slot freed,
     * a connect that settled) opens there, so that a waiter's connection is placed by the strategy, not by the
     * background rule.
     *
     * @return the endpoint, or {@code null} for the background rule
     */
    default EndpointState preferred() {
        return null;
    }
}

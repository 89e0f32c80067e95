package io.github.wspool.core.internal.session;

import io.github.wspool.PooledConnection;
import java.util.concurrent.CompletableFuture;

/** Where the subscriptions get the connections that carry them: the pool's own acquire, without blocking. */
@FunctionalInterface
public interface CarrierSource {

    /**
     * Leases a connection, with the pool's acquire timeout.
     *
     * @param affinityKey the endpoint's affinity key, or {@code null} for the strategy's choice
     * @return the future lease
     */
    CompletableFuture<PooledConnection> acquire(String affinityKey);
}

package io.github.wspool.core.internal;

import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.event.PoolEvents;
import java.util.function.LongUnaryOperator;

/**
 * Lets component tests in other packages make endpoints exactly as the pool does (breaker on the pool's ticker,
 * backoff, caps, rate limit, health kept current by the breaker's transitions), without starting a pool.
 */
public final class EndpointFactoryAccess {

    private EndpointFactoryAccess() {
    }

    public static EndpointRegistry.Factory factory(PoolSettings settings, LongUnaryOperator backoffJitter,
                                                   PoolEvents events) {
        return new EndpointFactory(settings, backoffJitter, events);
    }
}

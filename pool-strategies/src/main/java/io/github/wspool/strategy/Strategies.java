package io.github.wspool.strategy;

import io.github.wspool.LoadBalancingStrategy;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Factory of the built-in endpoint selection strategies.
 *
 * <p>Each call returns a new instance with its own state; give each pool its own.
 */
public final class Strategies {

    private Strategies() {
    }

    /**
     * Rotates over the candidate endpoints in order. The starting position is random, so many processes started
     * together do not hit the endpoints in lockstep. This is the pool's default.
     *
     * @return a new round-robin strategy
     */
    public static LoadBalancingStrategy roundRobin() {
        return new RoundRobinStrategy(ThreadLocalRandom.current().nextLong(0, Integer.MAX_VALUE));
    }
}

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

    /**
     * The endpoint with the fewest active leases per unit of weight; ties rotate. With pooling the pool reuses an
     * idle connection of the chosen endpoint when it has one and opens a new one there only when it has none.
     *
     * @return a new least-connections strategy
     */
    public static LoadBalancingStrategy leastConnections() {
        return LeastLoadStrategy.leastConnections(ThreadLocalRandom.current().nextLong(0, Integer.MAX_VALUE));
    }

    /**
     * The endpoint whose server has the fewest connections per unit of weight across the whole fleet
     * ({@code EndpointView.fleetConnections()}), for leases and for where new connections open (pre-warm, refill,
     * replacement). With fleet mode ({@code WebSocketPoolBuilder.fleet(RedisFleet)}) every instance of the application
     * balances on the same counts, so ten instances do not all pile onto the server a restart emptied; without it, it
     * balances this pool's own open connections. Ties rotate, from a random start per instance.
     *
     * @return a new fleet least-connections strategy
     */
    public static LoadBalancingStrategy fleetLeastConnections() {
        return LeastLoadStrategy.fleetLeastConnections(ThreadLocalRandom.current().nextLong(0, Integer.MAX_VALUE));
    }

    /**
     * Smooth weighted round-robin (nginx): each endpoint gets picks in proportion to its weight, spread out rather
     * than in bursts (weights 5, 1, 1 give {@code a a b a c a a}). Weight changes take effect at once.
     *
     * @return a new smooth weighted round-robin strategy
     */
    public static LoadBalancingStrategy weighted() {
        return new SmoothWeightedStrategy();
    }

    /**
     * Power of two choices: of two random endpoints, the one with fewer active leases per unit of weight. The
     * scalable least-loaded choice for large endpoint sets, and it does not herd onto a new endpoint.
     *
     * @return a new power-of-two-choices strategy
     */
    public static LoadBalancingStrategy powerOfTwoChoices() {
        return new PowerOfTwoChoicesStrategy();
    }

    /**
     * Peak-EWMA latency times (active leases + 1), picked with power of two choices (Finagle): slow endpoints get
     * less traffic within seconds.
     *
     * @return a new latency-aware strategy
     */
    public static LoadBalancingStrategy latencyAware() {
        return new LatencyAwareStrategy();
    }
}

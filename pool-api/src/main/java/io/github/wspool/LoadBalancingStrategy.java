package io.github.wspool;

import java.util.List;

/**
 * Chooses which endpoint serves an acquire: an available connection there, or a new connection opened there.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #select(List)} is called concurrently from many threads and must not block, sleep or do I/O.</li>
 *   <li>The list holds only candidates the pool considers able to serve right now; it is never empty, must not be
 *       modified, and must not be kept after the call.</li>
 *   <li>Return one element of the list (the same object). Returning anything else is a bug and fails the acquire.</li>
 *   <li>One strategy instance serves one pool; instances from {@code Strategies} keep per-pool state.</li>
 * </ul>
 *
 * <p>A strategy can be a lambda:
 * <pre>{@code
 * LoadBalancingStrategy fewestLeases = candidates -> {
 *     EndpointView best = candidates.get(0);
 *     for (EndpointView v : candidates) {
 *         if (v.activeLeases() < best.activeLeases()) {
 *             best = v;
 *         }
 *     }
 *     return best;
 * };
 * }</pre>
 */
@FunctionalInterface
public interface LoadBalancingStrategy {

    /**
     * Picks the endpoint for one acquire.
     *
     * @param candidates the endpoints able to serve, never empty
     * @return one element of {@code candidates}
     */
    EndpointView select(List<? extends EndpointView> candidates);

    /**
     * Where a connection opened without a caller waiting for it goes: pre-warming to the minimum, refilling it,
     * replacing a recycled connection. The candidates are the endpoints that may take another connection now
     * (healthy, under their caps, not backing off); the same contract as {@link #select(List)}. By default the
     * strategy's {@link #select(List)}, so a strategy that always picks one endpoint has its connections opened there;
     * {@code null} leaves the choice to the pool, which spreads connections in proportion to weight (fewest
     * connections per unit of weight first). The built-in strategies answer {@code null}, except
     * {@code Strategies.fleetLeastConnections()}, which places by the fleet's counts.
     *
     * @param candidates the endpoints that may take a connection now; never empty
     * @return one of them, or {@code null} for the pool's spread by weight
     */
    default EndpointView place(List<? extends EndpointView> candidates) {
        return select(candidates);
    }
}

package io.github.wspool.metrics;

import io.github.wspool.core.fleet.RedisFleet;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Objects;

/**
 * Meters of fleet mode ({@link RedisFleet}): whether it is degraded (Redis unreachable, each pool on its own state),
 * and its exchanges with Redis. Read from the fleet's own counters when scraped: no Redis I/O.
 *
 * <table>
 *   <caption>Fleet meters</caption>
 *   <tr><th>meter</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>{@code wspool.fleet.degraded}</td><td>gauge</td><td>1 while Redis is unreachable, else 0</td></tr>
 *   <tr><td>{@code wspool.fleet.exchanges}</td><td>counter</td><td>exchanges that succeeded (every joined pool, every
 *       exchange period)</td></tr>
 *   <tr><td>{@code wspool.fleet.exchanges.failed}</td><td>counter</td><td>exchanges that failed</td></tr>
 * </table>
 *
 * <p>Needs pool-core and Lettuce on the class path (an application in fleet mode has both); this class is the only one
 * of pool-metrics that touches them.
 */
public final class FleetMetrics implements AutoCloseable {

    private final MeterRegistry registry;
    private final List<Meter> meters;

    private FleetMetrics(MeterRegistry registry, List<Meter> meters) {
        this.registry = registry;
        this.meters = meters;
    }

    /**
     * Registers the fleet's meters.
     *
     * @param fleet    the fleet
     * @param registry where to register them
     * @param tags     extra tags on every meter (e.g. the application)
     * @return the binding; closing it removes the meters
     */
    public static FleetMetrics bind(RedisFleet fleet, MeterRegistry registry, Tag... tags) {
        Objects.requireNonNull(fleet, "fleet must not be null");
        Objects.requireNonNull(registry, "registry must not be null");
        Tags t = Tags.of(tags);
        Meter degraded = Gauge.builder("wspool.fleet.degraded", fleet, f -> f.degraded() ? 1 : 0)
                .description("1 while the fleet's Redis is unreachable (each pool runs on its own state)")
                .tags(t).register(registry);
        Meter exchanges = FunctionCounter.builder("wspool.fleet.exchanges", fleet, RedisFleet::exchanges)
                .description("exchanges with Redis that succeeded").tags(t).register(registry);
        Meter failed = FunctionCounter.builder("wspool.fleet.exchanges.failed", fleet, RedisFleet::failedExchanges)
                .description("exchanges with Redis that failed").tags(t).register(registry);
        return new FleetMetrics(registry, List.of(degraded, exchanges, failed));
    }

    /** Removes the meters. */
    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}

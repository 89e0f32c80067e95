package io.github.wspool.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The one place that touches {@code micrometer-registry-prometheus} (an optional dependency of this module): only
 * loaded when {@link PoolAdminServer.Builder#prometheus(PrometheusMeterRegistry)} is called, so the admin server runs
 * without that jar on the class path.
 */
final class PrometheusScrape {

    private PrometheusScrape() {
    }

    static Supplier<String> of(PrometheusMeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        return registry::scrape;
    }
}

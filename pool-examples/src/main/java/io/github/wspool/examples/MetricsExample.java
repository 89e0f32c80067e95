package io.github.wspool.examples;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.metrics.WebSocketPoolMetrics;
import io.github.wspool.testkit.TestWebSocketServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Binds a pool to Micrometer, runs a short workload against two loopback echo servers, then prints the meters:
 * with {@code simple} (the default) as a list from a {@link SimpleMeterRegistry}, with {@code prometheus} in the
 * Prometheus text exposition format a scraper would read.
 *
 * <pre>mvn -q -pl pool-examples exec:java -Dexec.mainClass=io.github.wspool.examples.MetricsExample -Dexec.args=prometheus</pre>
 */
public final class MetricsExample {

    private MetricsExample() {
    }

    public static void main(String[] args) throws Exception {
        boolean prometheus = args.length > 0 && args[0].equalsIgnoreCase("prometheus");
        System.out.println(run(prometheus));
    }

    /** Runs the workload and returns what would be printed. */
    static String run(boolean prometheus) throws Exception {
        MeterRegistry registry = prometheus ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
                : new SimpleMeterRegistry();
        try (TestWebSocketServer a = TestWebSocketServer.start(); TestWebSocketServer b = TestWebSocketServer.start()) {
            String report;
            // --- README: metrics ---
            WebSocketPool pool = WebSocketPools.builder().name("quotes")
                    .endpoint(a.uri("/feed")).endpoint(b.uri("/feed"))
                    .pooling(true).minConnections(2).maxConnections(4)
                    .healthCheckInterval(Duration.ofMillis(200))
                    .build();
            new WebSocketPoolMetrics(pool, Tags.of("service", "example")).bindTo(registry);
            // --- end ---
            try {
                ExecutorService workers = Executors.newFixedThreadPool(4);
                for (int t = 0; t < 4; t++) {
                    workers.execute(() -> {
                        for (int i = 0; i < 500; i++) {
                            try (PooledConnection c = pool.acquire()) {
                                c.send("tick " + i);
                            }
                        }
                    });
                }
                workers.shutdown();
                if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("workload did not finish in 30 s");
                }
                TimeUnit.MILLISECONDS.sleep(500); // let a few keepalive pings round-trip, so wspool.ping.rtt has data
                report = prometheus ? ((PrometheusMeterRegistry) registry).scrape() : describe(registry);
            } finally {
                pool.close();
            }
            return report;
        }
    }

    private static String describe(MeterRegistry registry) {
        StringBuilder sb = new StringBuilder();
        registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("wspool"))
                .sorted(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> m.getId().toString()))
                .forEach(m -> {
                    sb.append(String.format(Locale.ROOT, "%-28s %s", m.getId().getName(), m.getId().getTags()));
                    m.measure().forEach(ms -> sb.append(String.format(Locale.ROOT, " %s=%.3f",
                            ms.getStatistic().getTagValueRepresentation(), ms.getValue())));
                    sb.append(System.lineSeparator());
                });
        return sb.toString();
    }
}

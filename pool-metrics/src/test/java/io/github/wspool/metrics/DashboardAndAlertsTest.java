package io.github.wspool.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.RefusingPort;
import io.github.wspool.testkit.TestWebSocketServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Grafana dashboard and the Prometheus alert rules shipped in this jar name only meters that exist: every
 * {@code wspool_*} metric in their queries is in a Prometheus scrape of a running pool bound to a
 * {@link PrometheusMeterRegistry}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DashboardAndAlertsTest {

    /** A metric name in PromQL (a series name; label names never start with {@code wspool_}). */
    private static final Pattern METRIC = Pattern.compile("\\b(wspool_[A-Za-z0-9_:]*)");
    /** An {@code expr:} line of a rule file (expressions are kept on one line). */
    private static final Pattern EXPR = Pattern.compile("^\\s*expr:\\s*(.+)$", Pattern.MULTILINE);
    /** An alert's name. */
    private static final Pattern ALERT = Pattern.compile("^\\s*-\\s*alert:\\s*(\\S+)\\s*$", Pattern.MULTILINE);

    private TestWebSocketServer server;
    private RefusingPort refusing;
    private WebSocketPool pool;

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
        if (refusing != null) {
            refusing.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsNameIsInAScrapeOfARunningPool() throws Exception {
        Set<String> scraped = scrapeOfABusyPool();

        List<String> dashboardQueries = dashboardQueries();
        assertTrue(dashboardQueries.size() >= 15, "the dashboard's queries: " + dashboardQueries);
        Set<String> dashboardMetrics = metricsIn(dashboardQueries);

        String rules = resource(WebSocketPoolMetrics.PROMETHEUS_ALERTS);
        List<String> alertExprs = new ArrayList<>();
        Matcher m = EXPR.matcher(rules);
        while (m.find()) {
            alertExprs.add(m.group(1));
        }
        Set<String> alerts = new TreeSet<>();
        Matcher a = ALERT.matcher(rules);
        while (a.find()) {
            alerts.add(a.group(1));
        }
        assertEquals(alerts.size(), alertExprs.size(), "one expr per alert: " + alerts);
        assertTrue(alerts.containsAll(List.of("WspoolNoHealthyEndpoint", "WspoolAcquireTimeouts", "WspoolBreakerOpen",
                "WspoolHighUndeliveredRate", "WspoolPoolSaturated")), "the alerts: " + alerts);
        Set<String> alertMetrics = metricsIn(alertExprs);

        Set<String> missing = new TreeSet<>();
        for (String name : dashboardMetrics) {
            if (!scraped.contains(name)) {
                missing.add("dashboard: " + name);
            }
        }
        for (String name : alertMetrics) {
            if (!scraped.contains(name)) {
                missing.add("alerts: " + name);
            }
        }
        assertEquals(Set.of(), missing, "metrics named but not in the scrape " + scraped);
        // and the ones this issue is about are really used
        assertTrue(dashboardMetrics.containsAll(List.of("wspool_messages_in_total", "wspool_messages_out_total",
                "wspool_bytes_in_total", "wspool_bytes_out_total", "wspool_send_seconds_count",
                "wspool_connect_failures_total", "wspool_acquire_seconds_count",
                "wspool_messages_undelivered_total")), "dashboard metrics: " + dashboardMetrics);
    }

    @Test
    void aMeterThatDoesNotExistIsCaught() {
        // the check itself: a misspelt name is found missing
        Set<String> names = metricsIn(List.of("sum(rate(wspool_mesages_in_total[5m])) / wspool_connections"));
        assertEquals(Set.of("wspool_mesages_in_total", "wspool_connections"), names);
    }

    /** A pool with traffic, a failed connect, keepalive pongs and a request, scraped: the metric names. */
    private Set<String> scrapeOfABusyPool() throws Exception {
        server = TestWebSocketServer.start();
        refusing = RefusingPort.open();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        pool = WebSocketPools.builder().name("scraped").endpoint(server.uri()).pooling(true)
                .healthCheckInterval(Duration.ofMillis(100)).build();
        WebSocketPoolMetrics metrics = new WebSocketPoolMetrics(pool);
        metrics.bindTo(registry);
        URI down = refusing.uri("/down");
        pool.control().addEndpoint(down, 1);
        for (int i = 0; i < 4; i++) {
            try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
                c.send("hello");
                c.sendAsync("tracked").get(5, TimeUnit.SECONDS);
                c.request("{\"messageId\":\"" + i + "\"}", Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
            }
        }
        // the lazily created meters: a connect seen by the listener (to each endpoint), a keepalive round trip
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.find("wspool.ping.rtt").timer() != null
                && registry.find("wspool.connect").tags("outcome", "failure").timer() != null
                && registry.find("wspool.connect").tags("outcome", "success").timer() != null);
        String scrape = registry.scrape();
        Path out = Path.of("target", "prometheus-scrape.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, scrape); // for people writing queries
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        assertNotNull(registry.find("wspool.messages.out").functionCounter());
        assertTrue(names.contains("wspool_messages_out_total"), "the scrape's names: " + names);
        return names;
    }

    /** Every PromQL query of the dashboard: the string values of {@code expr} and {@code query} fields, anywhere. */
    private static List<String> dashboardQueries() throws IOException {
        List<String> queries = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(resource(WebSocketPoolMetrics.GRAFANA_DASHBOARD))) {
            String field = null;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) {
                    field = p.currentName();
                } else if (t == JsonToken.VALUE_STRING && ("expr".equals(field) || "query".equals(field))) {
                    queries.add(p.getText());
                }
            }
        }
        return queries;
    }

    private static Set<String> metricsIn(List<String> queries) {
        Set<String> names = new LinkedHashSet<>();
        for (String q : queries) {
            Matcher m = METRIC.matcher(q);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    private static String resource(String path) throws IOException {
        try (InputStream in = WebSocketPoolMetrics.class.getResourceAsStream(path)) {
            assertNotNull(in, path + " is on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

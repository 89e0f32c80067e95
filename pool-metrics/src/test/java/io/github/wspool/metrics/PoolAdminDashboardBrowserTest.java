package io.github.wspool.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.strategy.Strategies;
import io.github.wspool.testkit.TestWebSocketServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dashboard in a real browser: headless Chromium opens {@code /}, the messages/s it shows go above 0 while an
 * application sends, an endpoint's server is killed, and its tile must turn unhealthy within 3 s. Screenshots go to
 * {@code target/dashboard-*.png} ({@code dashboard-traffic-unhealthy-endpoint.png} is the one in {@code docs/}). Skipped when no Chromium is installed
 * (Debian: {@code apt-get install chromium}; or point {@code WSPOOL_CHROMIUM} at a binary).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PoolAdminDashboardBrowserTest {

    private static final String TILES = "JSON.stringify([...document.querySelectorAll('#endpoints .tile')]"
            + ".map(t => [t.dataset.uri, t.dataset.healthy]))";
    /** The headline messages/s in and out, and one endpoint tile's messages/s out, are numbers above 0. */
    private static final String TRAFFIC_SHOWN = "String(parseFloat(document.getElementById('messages-in').textContent)"
            + " > 0 && parseFloat(document.getElementById('messages-out').textContent) > 0"
            + " && [...document.querySelectorAll('#endpoints .tile')].some(t => parseFloat(t.dataset.messagesOut) > 0)"
            + " && document.querySelector('#chart-messages polyline') !== null)";
    /** How many points the messages chart's first line has (one per second of history). */
    private static final String CHART_POINTS = "String((document.querySelector('#chart-messages polyline')"
            + "?.getAttribute('points') || '').trim().split(/\\s+/).filter(p => p.length > 0).length)";

    @Test
    void aKilledEndpointTurnsItsTileUnhealthyWithinThreeSeconds() throws Exception {
        Optional<Path> binary = Chromium.find();
        assumeTrue(binary.isPresent(), "no Chromium installed (apt-get install chromium, or set WSPOOL_CHROMIUM)");

        TestWebSocketServer a = TestWebSocketServer.start();
        TestWebSocketServer b = TestWebSocketServer.start();
        ScheduledExecutorService app = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dashboard-test-app");
            t.setDaemon(true);
            return t;
        });
        try (WebSocketPool pool = WebSocketPools.builder().name("dash").endpoint(a.uri("/feed"))
                .endpoint(b.uri("/feed"), 2).pooling(true).minConnections(2).maxConnections(6)
                .strategy(Strategies.roundRobin()).ejectAfterConnectFailures(1).maxEjectionPercent(100)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .healthCheckInterval(Duration.ofMillis(200)).build();
             PoolAdminServer admin = PoolAdminServer.builder(pool).start();
             Chromium browser = Chromium.launch(binary.get(), 1280, 1100)) {
            // an application keeps acquiring, as one does
            // the application's own pace: an acquire every 20 ms (about 50 a second)
            app.scheduleWithFixedDelay(() -> {
                try (PooledConnection c = pool.acquire(Duration.ofMillis(200))) {
                    c.send("tick");
                } catch (RuntimeException e) {
                    // a failed acquire while the endpoint dies: the dashboard shows it
                }
            }, 0, 20, TimeUnit.MILLISECONDS);

            browser.navigate(admin.uri());
            String bUri = b.uri("/feed").toString();
            String both = "[[\"" + a.uri("/feed") + "\",\"true\"],[\"" + bUri + "\",\"true\"]]";
            waitFor(browser, TILES, both, Duration.ofSeconds(20));
            // the application's sends (and their echoes) show as messages/s, pool-wide and on the endpoints' tiles
            waitFor(browser, TRAFFIC_SHOWN, "true", Duration.ofSeconds(10));
            int before = chartPoints(browser);
            waitForChartPoints(browser, before + 2); // a little history in the charts, for the screenshot
            browser.screenshot(Path.of("target", "dashboard-healthy.png"));

            long killed = System.nanoTime();
            b.stop();
            String bDown = "[[\"" + a.uri("/feed") + "\",\"true\"],[\"" + bUri + "\",\"false\"]]";
            waitFor(browser, TILES, bDown, Duration.ofSeconds(3));
            Duration took = Chromium.elapsedSince(killed);
            browser.screenshot(Path.of("target", "dashboard-unhealthy-endpoint.png"));
            assertTrue(took.compareTo(Duration.ofSeconds(3)) <= 0, "took " + took);

            Object classes = browser.evaluate("document.querySelector('#endpoints .tile[data-healthy=\"false\"]')"
                    + ".className");
            assertTrue(String.valueOf(classes).contains("unhealthy"), String.valueOf(classes));
            Object color = browser.evaluate("getComputedStyle(document.querySelector("
                    + "'#endpoints .tile[data-healthy=\"false\"]')).backgroundColor");
            assertEquals("rgb(218, 54, 51)", color, "an unhealthy endpoint is a red tile");
            Object badge = browser.evaluate("document.getElementById('health').dataset.status");
            assertTrue(List.of("DEGRADED", "DOWN").contains(String.valueOf(badge)), String.valueOf(badge));

            // traffic goes on through the endpoint left; the charts get a few seconds of it
            waitFor(browser, TRAFFIC_SHOWN, "true", Duration.ofSeconds(10));
            waitForChartPoints(browser, chartPoints(browser) + 4); // a few seconds of charts after the kill
            waitFor(browser, TRAFFIC_SHOWN, "true", Duration.ofSeconds(10));
            browser.screenshot(Path.of("target", "dashboard-traffic-unhealthy-endpoint.png"));
        } finally {
            app.shutdownNow();
            assertTrue(app.awaitTermination(5, TimeUnit.SECONDS), "the application's loop ended");
            b.stop();
            a.stop();
        }
    }

    private static void waitFor(Chromium browser, String expression, String expected, Duration timeout) {
        AtomicReference<Object> last = new AtomicReference<>();
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
                last.set(browser.evaluate(expression));
                return expected.equals(last.get());
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the page did not show " + expected + " within " + timeout + "; it shows "
                    + last.get(), e);
        }
    }

    private static int chartPoints(Chromium browser) throws Exception {
        return Integer.parseInt(String.valueOf(browser.evaluate(CHART_POINTS)));
    }

    /** Waits for the messages chart to hold {@code points} points (the page adds one a second). */
    private static void waitForChartPoints(Chromium browser, int points) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> chartPoints(browser) >= points);
    }
}

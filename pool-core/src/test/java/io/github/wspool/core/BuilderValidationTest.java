package io.github.wspool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Bad settings fail fast with a message that names the setting and the value given. */
class BuilderValidationTest {

    private static String failure(Consumer<WebSocketPoolBuilder> settings) {
        WebSocketPoolBuilder b = WebSocketPools.builder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            settings.accept(b);
            b.settings();
        });
        return e.getMessage();
    }

    private static void assertMessage(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "message should contain '" + part + "': " + message);
        }
    }

    @Test
    void minAboveMaxNamesBoth() {
        assertMessage(failure(b -> b.endpoint("ws://127.0.0.1:1/").minConnections(5).maxConnections(2)),
                "minConnections (5)", "maxConnections (2)");
    }

    @Test
    void maxBelowOne() {
        assertMessage(failure(b -> b.maxConnections(0)), "maxConnections", "at least 1", "was 0");
    }

    @Test
    void negativeMin() {
        assertMessage(failure(b -> b.minConnections(-1)), "minConnections", "was -1");
    }

    @Test
    void noEndpoint() {
        assertMessage(failure(b -> { }), "at least one endpoint is required");
    }

    @Test
    void schemeOtherThanWsOrWssNamesTheUri() {
        assertMessage(failure(b -> b.endpoint("http://127.0.0.1:8080/feed")), "ws or wss", "http://127.0.0.1:8080/feed");
        assertMessage(failure(b -> b.endpoint(URI.create("tcp://10.0.0.1:1/"))), "tcp://10.0.0.1:1/");
    }

    @Test
    void malformedUriNamesTheValue() {
        assertMessage(failure(b -> b.endpoint("ws://bad host:80/")), "not a valid URI", "'ws://bad host:80/'");
    }

    @Test
    void uriWithoutHost() {
        assertMessage(failure(b -> b.endpoint("ws:/relative")), "must name a host", "ws:/relative");
    }

    @Test
    void weightBelowOne() {
        assertMessage(failure(b -> b.endpoint(URI.create("ws://127.0.0.1:1/"), 0)), "weight", "at least 1", "was 0");
    }

    @Test
    void duplicateEndpoint() {
        assertMessage(failure(b -> b.endpoint("ws://127.0.0.1:1/").endpoint("ws://127.0.0.1:1/")), "already added");
    }

    @Test
    void connectionInitializerAndItsTimeout() {
        assertMessage(failure(b -> b.connectionInitializerTimeout(Duration.ZERO)), "connectionInitializerTimeout",
                "positive", "PT0S");
        assertMessage(failure(b -> b.connectionInitializerTimeout(Duration.ofMillis(-5))),
                "connectionInitializerTimeout", "PT-0.005S");
        assertMessage(failure(b -> b.connectionInitializerTimeout(null)), "connectionInitializerTimeout", "null");
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> WebSocketPools.builder().connectionInitializer(null));
        assertMessage(npe.getMessage(), "connectionInitializer must not be null");
        // the deadline defaults to the connect timeout
        assertEquals(Duration.ofMillis(1500), WebSocketPools.builder().endpoint("ws://127.0.0.1:1/")
                .connectTimeout(Duration.ofMillis(1500)).settings().connect().initializerTimeout());
        assertEquals(Duration.ofMillis(300), WebSocketPools.builder().endpoint("ws://127.0.0.1:1/")
                .connectionInitializer(c -> { }).connectionInitializerTimeout(Duration.ofMillis(300)).settings()
                .connect().initializerTimeout());
    }

    @Test
    void durationsThatMustBePositive() {
        assertMessage(failure(b -> b.connectTimeout(Duration.ZERO)), "connectTimeout", "positive", "PT0S");
        assertMessage(failure(b -> b.idleAfter(Duration.ofSeconds(-1))), "idleAfter", "PT-1S");
        assertMessage(failure(b -> b.closeTimeout(null)), "closeTimeout", "null");
        assertMessage(failure(b -> b.reconnectBackoff(Duration.ZERO, Duration.ofSeconds(1))), "reconnectBackoff initial");
        assertMessage(failure(b -> b.reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1))),
                "max (PT1S)", "initial (PT2S)");
        assertMessage(failure(b -> b.reconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 0.5)),
                "multiplier", "0.5");
        assertMessage(failure(b -> b.maxConcurrentConnects(4, 2)), "perPool (2)", "perEndpoint (4)");
        assertMessage(failure(b -> b.pongTimeout(Duration.ZERO)), "pongTimeout");
        assertMessage(failure(b -> b.maxMissedPongs(0)), "maxMissedPongs", "was 0");
        assertMessage(failure(b -> b.endpointHealthCheck("health")), "must start with '/'", "'health'");
    }

    @Test
    void durationsThatMayBeZeroButNotNegative() {
        assertMessage(failure(b -> b.acquireTimeout(Duration.ofMillis(-5))), "acquireTimeout", "PT-0.005S");
        assertMessage(failure(b -> b.idleTimeout(Duration.ofSeconds(-1))), "idleTimeout");
        assertMessage(failure(b -> b.maxLifetime(Duration.ofSeconds(-1))), "maxLifetime");
        assertMessage(failure(b -> b.healthCheckInterval(Duration.ofSeconds(-1))), "healthCheckInterval");
        assertMessage(failure(b -> b.shutdownTimeout(Duration.ofSeconds(-1))), "shutdownTimeout");
        // zero is accepted where it means "disabled" or "do not wait"
        WebSocketPools.builder().endpoint("ws://127.0.0.1:1/").acquireTimeout(Duration.ZERO).idleTimeout(Duration.ZERO)
                .maxLifetime(Duration.ZERO).healthCheckInterval(Duration.ZERO).shutdownTimeout(Duration.ZERO).settings();
    }

    @Test
    void otherLimits() {
        assertMessage(failure(b -> b.maxPendingAcquires(0)), "maxPendingAcquires", "was 0");
        assertMessage(failure(b -> b.maxMessageSize(0)), "maxMessageSize", "was 0");
        assertMessage(failure(b -> b.name(" ")), "name", "' '");
        assertMessage(failure(b -> b.maxEjectionPercent(101)), "maxEjectionPercent", "was 101");
        assertMessage(failure(b -> b.maxEjectionPercent(-1)), "maxEjectionPercent", "was -1");
    }

    @Test
    void nothingIsSilentlyClamped() {
        var config = WebSocketPools.builder().endpoint("ws://127.0.0.1:1/").maxConnections(1_000_000)
                .minConnections(999_999).acquireTimeout(Duration.ofDays(3650)).settings();
        assertEquals(1_000_000, config.connect().maxConnections());
        assertEquals(999_999, config.connect().minConnections());
        assertEquals(Duration.ofDays(3650), config.lease().acquireTimeout());
    }

    @Test
    void uriIsKeptAsConfigured() {
        var config = WebSocketPools.builder().endpoint("ws://127.0.0.1:8080/feed?x=1").settings();
        assertEquals(URI.create("ws://127.0.0.1:8080/feed?x=1"), config.endpoints().get(0).uri());
    }

    @Test
    void securitySettingsNameTheProblemAndNeverAHeaderValue() {
        assertMessage(failure(b -> b.subprotocols()), "subprotocols must name at least one", "[]");
        assertMessage(failure(b -> b.subprotocols("agent v1")), "subprotocol must be an HTTP token", "'agent v1'");
        assertMessage(failure(b -> b.subprotocols("a", "a")), "must not repeat", "[a, a]");
        String endpointHeader = failure(b -> b.endpoint(URI.create("ws://127.0.0.1:1/"), 1,
                java.util.Map.of("X-Api-Key", "key-SECRET\nX-Injected: 1")));
        assertMessage(endpointHeader, "X-Api-Key", "CR, LF or NUL");
        assertTrue(!endpointHeader.contains("SECRET"), endpointHeader);
        assertMessage(failure(b -> b.endpoint(URI.create("ws://127.0.0.1:1/"), 1, java.util.Map.of("Bad Name", "v"))),
                "HTTP token", "'Bad Name'");
        assertThrows(NullPointerException.class, () -> WebSocketPools.builder().headers(null));
        assertThrows(NullPointerException.class, () -> WebSocketPools.builder().sslContext(null));
        assertThrows(NullPointerException.class, () -> WebSocketPools.builder().sslParameters(null));
    }
}

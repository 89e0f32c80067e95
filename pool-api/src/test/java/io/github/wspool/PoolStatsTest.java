package io.github.wspool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolStatsTest {

    @Test
    void derivesTotalsFromStateCounts() {
        PoolStats s = PoolStats.of(Map.of(ConnectionState.INITIALIZING, 1, ConnectionState.READY, 2,
                ConnectionState.ACTIVE, 3, ConnectionState.IDLE, 4, ConnectionState.RECYCLING, 1,
                ConnectionState.CLOSED, 7, ConnectionState.FAILED, 2), 5);
        assertEquals(11, s.total(), "every state that holds a slot, not FAILED or CLOSED");
        assertEquals(3, s.active());
        assertEquals(6, s.idle(), "READY + IDLE");
        assertEquals(5, s.pending());
        assertEquals(4, s.count(ConnectionState.IDLE));
        assertEquals(0, s.count(ConnectionState.UNHEALTHY));
        assertEquals("total=11, active=3, idle=6, pending=5, connecting=1, recycling=1", s.toString());
    }

    @Test
    void rejectsNegativeCounts() {
        assertThrows(IllegalArgumentException.class, () -> PoolStats.of(Map.of(), -1));
        assertThrows(IllegalArgumentException.class, () -> PoolStats.of(Map.of(ConnectionState.READY, -2), 0));
    }

    @Test
    void timeoutMessageCarriesStatsAndCause() {
        PoolStats s = PoolStats.of(Map.of(ConnectionState.ACTIVE, 4), 2);
        Exception cause = new java.net.ConnectException("Connection refused");
        AcquireTimeoutException e = new AcquireTimeoutException("feed", Duration.ofSeconds(5), s, cause);
        assertEquals("Pool 'feed': no connection available within 5000 ms (total=4, active=4, idle=0, pending=2);"
                + " last connect failure: Connection refused", e.getMessage());
        assertEquals(cause, e.getCause());
    }

    @Test
    void endpointSnapshotIsAnEndpointAndReadsAsOneLine() {
        EndpointSnapshot snapshot = new EndpointSnapshot(URI.create("ws://user:secret@127.0.0.1:8080/feed?token=abc"),
                2, false, 1, 0, 0, new java.net.ConnectException("Connection refused"), Duration.ofMillis(1), "open");
        Endpoint endpoint = snapshot;
        assertEquals(URI.create("ws://user:secret@127.0.0.1:8080/feed?token=abc"), endpoint.uri());
        assertEquals(2, endpoint.weight());
        String line = "ws://127.0.0.1:8080/feed weight=2 UNHEALTHY breaker=open open=1 active=0 available=0"
                + " latency=1.0ms lastFailure=\"Connection refused\"";
        assertEquals(line, snapshot.toString());
        PoolStats s = PoolStats.of(Map.of(ConnectionState.INITIALIZING, 1), 0, java.util.List.of(snapshot));
        assertEquals(java.util.List.of(snapshot), s.endpoints());
        assertEquals("total=1, active=0, idle=0, pending=0, connecting=1" + System.lineSeparator() + "  " + line,
                s.describe());
    }

    @Test
    void describeDropsUserInfoQueryAndFragment() {
        assertEquals("wss://example.com:8443/feed",
                Endpoint.describe(URI.create("wss://user:secret@example.com:8443/feed?token=abc#x")));
        assertEquals("ws://[::1]:80/", Endpoint.describe(URI.create("ws://[::1]:80/")));
    }
}

package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointSnapshot;
import io.github.wspool.HeaderSupplier;
import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.EndpointHealthEvent;
import io.github.wspool.core.internal.transport.AddressResolver;
import io.github.wspool.core.internal.transport.selector.SelectorTransport;
import io.github.wspool.core.spi.LocalConnectException;
import io.github.wspool.core.spi.CompressionOptions;
import io.github.wspool.core.spi.ProxyOptions;
import io.github.wspool.core.spi.TlsOptions;
import io.github.wspool.core.spi.Transport;
import io.github.wspool.core.spi.TransportOptions;
import io.github.wspool.testkit.RecordingTransportListener;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A header supplier or a DNS lookup that hangs is bounded by the connect timeout (#17): the connect fails on time
 * with a {@link LocalConnectException} naming what hung, the hung call is interrupted so that it gives its thread
 * back, and the pool does not count it against the endpoint. On the default transport; the subclass runs the same on
 * the thread-per-connection one.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HangingConnectPreparationTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    /** The bound each failure must arrive within: the connect timeout, plus slack for a busy machine. */
    private static final Duration ON_TIME = CONNECT_TIMEOUT.plusSeconds(1);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** Released at the end: every hanging call waits on it (bounded), unless interrupted first. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger hanging = new AtomicInteger();
    private final AtomicInteger interrupted = new AtomicInteger();

    @AfterEach
    void closeAll() throws Exception {
        release.countDown();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    /** A transport of the kind this test runs on, resolving names with {@code resolver}. */
    Transport transport(String name, AddressResolver resolver) {
        return new SelectorTransport(1, resolver);
    }

    /** The builder every pool of this test starts from. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    /** Hangs (for a minute at most) until released or interrupted; counts both. */
    private void hang() {
        hanging.incrementAndGet();
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted.incrementAndGet();
            Thread.currentThread().interrupt();
        }
    }

    private final HeaderSupplier hangingSupplier = (uri, refresh) -> {
        hang();
        return Map.of();
    };

    private static TransportOptions options(HeaderSupplier supplier) {
        return new TransportOptions(CONNECT_TIMEOUT, 1 << 20, Map.of(), supplier, false, List.of(), false,
                TlsOptions.DEFAULT, ProxyOptions.DIRECT, "hang-prep", CompressionOptions.OFF, null);
    }

    private static void assertFailsLocally(RecordingTransportListener r, String what) {
        await().atMost(ON_TIME).alias("the connect failed within the connect timeout")
                .until(() -> r.closes.get() == 1);
        assertNull(r.opened.get(), "never opened");
        LocalConnectException e = assertInstanceOf(LocalConnectException.class, r.error.get());
        assertTrue(e.getMessage().contains(what) && e.getMessage().contains("did not finish within 500 ms"),
                e.getMessage());
    }

    @Test
    void aHeaderSupplierHangingPastTheConnectTimeoutFailsItsConnectLocallyAndIsInterrupted() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        Transport transport = track(transport("hang-supplier", AddressResolver.SYSTEM));
        RecordingTransportListener r = new RecordingTransportListener();
        transport.connect(server.uri("/slow"), options(hangingSupplier), r);
        assertFailsLocally(r, "the header supplier");
        await().atMost(Duration.ofSeconds(5)).alias("the hung supplier was interrupted: its thread is free")
                .until(() -> interrupted.get() == 1);
        assertEquals(1, r.closes.get(), "one close, even after the supplier returned");
        assertEquals(0, server.acceptedConnections(), "no TCP connect once given up");

        RecordingTransportListener next = new RecordingTransportListener(); // the transport still connects
        transport.connect(server.uri("/fast"), options(null), next);
        await().atMost(Duration.ofSeconds(10)).until(() -> next.opened.get() != null);
        next.opened.get().close(1000, "done");
    }

    @Test
    void aDnsLookupHangingPastTheConnectTimeoutFailsItsConnectLocally() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        int port = server.uri().getPort();
        AddressResolver resolver = (host, p) -> {
            if (host.equals("hang.test")) {
                hang();
            }
            return List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        };
        Transport transport = track(transport("hang-dns", resolver));
        RecordingTransportListener r = new RecordingTransportListener();
        transport.connect(java.net.URI.create("ws://hang.test:" + port + "/"), options(null), r);
        assertFailsLocally(r, "resolving hang.test");
        await().atMost(Duration.ofSeconds(5)).until(() -> interrupted.get() == 1);

        RecordingTransportListener other = new RecordingTransportListener(); // another name resolves meanwhile
        transport.connect(java.net.URI.create("ws://fine.test:" + port + "/"), options(null), other);
        await().atMost(Duration.ofSeconds(10)).until(() -> other.opened.get() != null);
        other.opened.get().close(1000, "done");
    }

    @Test
    void aHangingSupplierNeverEjectsItsEndpointAndTheOtherEndpointServes() {
        TestWebSocketServer server = track(TestWebSocketServer.start());
        List<ConnectEvent> connects = new CopyOnWriteArrayList<>();
        List<EndpointHealthEvent> health = new CopyOnWriteArrayList<>();
        String hungPath = "/hung";
        WebSocketPool pool = track(pools().name("hang-pool").endpoint(server.uri(hungPath)).endpoint(server.uri("/ok"))
                .pooling(true).minConnections(2).maxConnections(4)
                .connectTimeout(CONNECT_TIMEOUT).ejectAfterConnectFailures(1)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .headers((uri, refresh) -> {
                    if (uri.getPath().equals(hungPath)) {
                        hang();
                    }
                    return Map.of();
                })
                .listener(new PoolListener() {
                    @Override
                    public void onConnect(ConnectEvent event) {
                        connects.add(event);
                    }

                    @Override
                    public void onEndpointHealthChange(EndpointHealthEvent event) {
                        health.add(event);
                    }
                })
                .build());
        // one failure is enough to tell: ejectAfterConnectFailures(1) would eject on the first one counted
        await().atMost(Duration.ofSeconds(20)).alias("a connect to the hung endpoint failed, the minimum was met")
                .until(() -> pool.stats().total() == 2 && connects.stream().anyMatch(e -> !e.succeeded()
                        && e.endpoint().uri().getPath().equals(hungPath)));
        // every failure is this side's own (a LocalConnectException); the ones that ran out of time name the supplier
        // (a connect the pool no longer needed may be aborted in an earlier step, e.g. while choosing a proxy)
        List<String> failures = new java.util.ArrayList<>();
        for (ConnectEvent e : connects) {
            if (!e.succeeded()) {
                failures.add(assertInstanceOf(LocalConnectException.class, e.failure()).getMessage());
            }
        }
        assertTrue(failures.stream().anyMatch(m -> m.contains("the header supplier")), failures.toString());
        EndpointSnapshot hung = pool.stats().endpoints().stream()
                .filter(e -> e.uri().getPath().equals(hungPath)).findFirst().orElseThrow();
        assertTrue(hung.healthy(), "a hanging supplier is this side's fault: not ejected " + hung);
        assertEquals("closed", hung.breakerState());
        assertEquals(List.of(), health, "no endpoint health change");
        try (PooledConnection c = pool.acquire(Duration.ofSeconds(5))) {
            assertEquals("/ok", c.endpoint().uri().getPath(), "the other endpoint serves meanwhile");
        }
    }
}

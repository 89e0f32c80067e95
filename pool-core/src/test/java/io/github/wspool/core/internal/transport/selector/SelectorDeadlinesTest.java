package io.github.wspool.core.internal.transport.selector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.core.spi.CompressionOptions;
import io.github.wspool.core.spi.ProxyOptions;
import io.github.wspool.core.spi.TlsOptions;
import io.github.wspool.core.spi.TransportOptions;
import io.github.wspool.testkit.RecordingTransportListener;
import io.github.wspool.testkit.SelectorEchoServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The selector loop's deadlines: a cancelled one lets go of its action at once and never runs it, and an open
 * connection's connect deadline is cancelled, so that it does not keep the connect phase alive for the rest of the
 * connect timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SelectorDeadlinesTest {

    private SelectorEchoServer server;
    private SelectorTransport transport;
    private SelectorLoop loop;

    @AfterEach
    void stop() {
        if (transport != null) {
            transport.close();
        }
        if (server != null) {
            server.close();
        }
        if (loop != null) {
            loop.stop();
        }
    }

    private static <T> T onLoop(SelectorLoop l, Supplier<T> s) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        assertTrue(l.execute(() -> f.complete(s.get())));
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aCancelledDeadlineDoesNotRunAndCancelledOnesAreDroppedOnceOverHalf() throws Exception {
        loop = new SelectorLoop("wspool-deadline-test");
        loop.start();
        AtomicInteger ran = new AtomicInteger();
        long soon = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        onLoop(loop, () -> {
            loop.cancel(loop.deadline(soon, ran::incrementAndGet));
            loop.deadline(soon, ran::incrementAndGet);
            return null;
        });
        // both are due at the same instant, so one pass of the loop takes both out of the queue: once it is empty,
        // the cancelled one had its turn too
        await().atMost(Duration.ofSeconds(5)).until(() -> onLoop(loop, loop::queuedDeadlines) == 0);
        assertEquals(1, ran.get(), "the cancelled deadline's action did not run");

        long later = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        int[] sizes = onLoop(loop, () -> {
            List<SelectorLoop.Deadline> ds = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                ds.add(loop.deadline(later, ran::incrementAndGet));
            }
            for (int i = 0; i < 100; i++) {
                loop.cancel(ds.get(i));
            }
            int half = loop.queuedDeadlines();
            loop.cancel(ds.get(100));
            return new int[] {half, loop.queuedDeadlines(), loop.liveDeadlines()};
        });
        assertEquals(200, sizes[0], "half cancelled: kept until due");
        assertEquals(99, sizes[1], "over half cancelled: dropped at once");
        assertEquals(99, sizes[2]);
    }

    @Test
    void anOpenConnectionKeepsNoConnectDeadline() throws Exception {
        server = SelectorEchoServer.launch();
        transport = new SelectorTransport(1);
        RecordingTransportListener r = new RecordingTransportListener();
        transport.connect(server.uri(), new TransportOptions(Duration.ofMinutes(5), 1 << 20, Map.of(), null, false,
                List.of(), false, TlsOptions.DEFAULT, ProxyOptions.DIRECT, "wspool-deadline-test",
                CompressionOptions.OFF, null), r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.opened.get() != null || r.closedCode.get() != null);
        assertNotNull(r.opened.get(), "opened, not closed with " + r.error.get());
        SelectorLoop l = transport.loops()[0];
        assertEquals(0, (int) onLoop(l, l::liveDeadlines), "the 5-minute connect deadline was cancelled on open");
        r.opened.get().ping(java.nio.ByteBuffer.wrap(new byte[] {7}));
        await().atMost(Duration.ofSeconds(10)).until(() -> r.pongs.get() == 1); // the open connection still works
    }
}

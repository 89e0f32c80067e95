package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.event.PongEvent;
import io.github.wspool.testkit.TestWebSocketServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Keepalive pings on the default transport go straight to the socket when nothing is queued (no node in the engine's
 * long-lived queue per ping: an old-to-young pointer each young GC scans), and behind the queued frames when some
 * are: a ping must never land inside a frame the socket has taken only part of.
 */
class KeepalivePingWriteTest {

    @Test
    void aPingDueWhileFramesAreQueuedGoesBehindThemAndTheStreamStaysWhole() {
        try (TestWebSocketServer server = TestWebSocketServer.start(TestWebSocketServer.Behavior.ECHO, 4096)) {
            server.responder((peer, text) -> { }); // no echo: the client only writes
            AtomicInteger pongs = new AtomicInteger();
            WebSocketPool pool = WebSocketPools.builder().name("ping-write").endpoint(server.uri()).pooling(true)
                    .maxConnections(1).healthCheckInterval(Duration.ofMillis(20)).pongTimeout(Duration.ofMinutes(1))
                    .maxBufferedBytes(256L << 20).listener(new PoolListener() {
                        @Override
                        public void onPong(PongEvent event) {
                            pongs.incrementAndGet();
                        }
                    }).build();
            try (PooledConnection c = pool.acquire()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> pongs.get() >= 3); // pings with nothing queued
                server.pauseReading();
                String big = "x".repeat(64 * 1024);
                int sent = 0;
                // until the socket is full and frames wait in the queue, one of them partly written
                while (c.bufferedBytes() < (1 << 20) && sent < 2_000) {
                    c.send(big);
                    sent++;
                }
                assertTrue(c.bufferedBytes() > 0, "frames queued behind a full socket (" + sent + " sent)");
                int before = pongs.get(); // pings come due meanwhile (every 20 ms): they wait behind the queued frames
                server.resumeReading();
                int expected = sent;
                await().atMost(Duration.ofSeconds(30)).until(() -> server.messagesReceived() >= expected);
                await().atMost(Duration.ofSeconds(10)).until(() -> pongs.get() > before);
                assertTrue(c.isOpen(), "no protocol error: every frame arrived whole");
                assertEquals(expected, server.receivedTexts().stream().filter(big::equals).count(),
                        "every message arrived intact");
            } finally {
                pool.close();
            }
        }
    }
}

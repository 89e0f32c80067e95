package io.github.wspool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.testkit.SelectorEchoServer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * #21: "no allocation per message on the selector thread beyond the message itself". Echo round trips through the
 * default (selector) transport on loopback; the bytes the pool's selector threads allocate per round trip (read,
 * decode, correlate, complete the request) are measured with the JVM's per-thread allocation counter and bounded by
 * the inbound message's own string plus a small constant.
 */
class SelectorAllocationTest {

    private static final int WARMUP = 20_000;
    private static final int MEASURED = 20_000;

    @Test
    void aRoundTripAllocatesOnTheSelectorThreadLittleMoreThanTheMessage() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (SelectorEchoServer server = SelectorEchoServer.launch()) {
            WebSocketPool pool = WebSocketPools.builder().name("alloc").endpoint(server.uri()).pooling(true)
                    .minConnections(1).maxConnections(1).sharedSelectorTransport(1).build();
            try (PooledConnection c = pool.acquire()) {
                String body = "x".repeat(60);
                for (int i = 0; i < WARMUP; i++) {
                    roundTrip(server, c, i, body);
                }
                Thread selector = selectorThread();
                long before = threads.getThreadAllocatedBytes(selector.getId());
                for (int i = WARMUP; i < WARMUP + MEASURED; i++) {
                    roundTrip(server, c, i, body);
                }
                long perMessage = (threads.getThreadAllocatedBytes(selector.getId()) - before) / MEASURED;
                int messageChars = ("{\"messageId\":\"" + (WARMUP + MEASURED) + "\",\"b\":\"" + body + "\"}").length();
                long stringBytes = 24 + 16 + messageChars; // the String and its Latin-1 byte[]
                System.out.println("selector thread: " + perMessage + " B per round trip, the message's string "
                        + stringBytes + " B");
                assertTrue(perMessage > 0, "the counter moved: the measured thread is the one that reads");
                assertTrue(perMessage <= stringBytes + 128, perMessage + " B allocated on the selector thread per"
                        + " round trip; the message itself is " + stringBytes + " B");
            } finally {
                pool.close();
            }
        }
    }

    private static void roundTrip(SelectorEchoServer server, PooledConnection c, int i, String body) throws Exception {
        String m = "{\"messageId\":\"" + i + "\",\"b\":\"" + body + "\"}";
        try {
            assertEquals(m, c.request(m, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("round trip " + i + " timed out; connection open: " + c.isOpen()
                    + "; server received " + server.textMessagesReceived(), e);
        }
    }

    private static Thread selectorThread() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("wspool-alloc-nio-") && !t.getName().contains("worker")
                        && !t.getName().contains("connect"))
                .findFirst().orElseThrow(() -> new AssertionError("no selector thread named wspool-alloc-nio-N"));
    }
}

package io.github.wspool.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.ConnectionState;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.InboundMessage;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.spi.CompressionOptions;
import io.github.wspool.testkit.DeflateServer;
import io.github.wspool.testkit.FaultProxy;
import io.github.wspool.testkit.TestWebSocketServer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * permessage-deflate (RFC 7692) against real loopback servers: Java-WebSocket's own extension in the server role, and
 * a hand-written server ({@link DeflateServer}) that keeps its compression context, fragments compressed messages
 * around a ping, sends a zip bomb, corrupt data, or answers the negotiation wrongly.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CompressionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** The builder every pool of this test starts from; a subclass runs the same tests on another transport. */
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder();
    }

    private WebSocketPoolBuilder builder(String name, URI uri) {
        return pools().name(name).endpoint(uri).pooling(true).failFastInitialization(true)
                .connectTimeout(Duration.ofSeconds(5)).reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(50));
    }

    /** A JSON message of about {@code size} bytes, repetitive as market data is. */
    private static String json(String id, int size) {
        StringBuilder b = new StringBuilder("{\"messageId\":\"").append(id).append("\",\"quotes\":[");
        for (int i = 0; b.length() < size - 40; i++) {
            b.append(i == 0 ? "" : ",").append("{\"sym\":\"ACME").append(i % 7).append("\",\"bid\":")
                    .append(100 + i % 13).append(".25,\"ask\":").append(101 + i % 11).append(".5}");
        }
        return b.append("]}").toString();
    }

    @Test
    void compressesBothWaysAgainstJavaWebSocketsOwnExtensionAndTheWireIsSmaller() throws Exception {
        try (TestWebSocketServer server = TestWebSocketServer.start().compressing();
             FaultProxy plainWire = FaultProxy.to(server.port());
             FaultProxy deflatedWire = FaultProxy.to(server.port())) {
            WebSocketPool plain = builder("deflate-off", plainWire.uri("/x")).build();
            WebSocketPool deflated = builder("deflate-on", deflatedWire.uri("/x")).compression(true).build();
            try {
                for (int i = 0; i < 100; i++) {
                    String message = json("m" + i, 4096);
                    for (WebSocketPool pool : List.of(plain, deflated)) {
                        try (PooledConnection c = pool.acquire()) {
                            assertEquals(message, c.request(message, WAIT).get(10, TimeUnit.SECONDS));
                        }
                    }
                }
            } finally {
                plain.close();
                deflated.close();
            }
            assertTrue(server.lastHandshakeHeaders().getOrDefault("sec-websocket-extensions", "")
                    .startsWith("permessage-deflate; client_no_context_takeover"), server.lastHandshakeHeaders()
                    .toString());
            long plainUp = plainWire.bytesUp();
            long plainDown = plainWire.bytesDown();
            assertTrue(plainUp > 100 * 4000 && plainDown > 100 * 4000, plainUp + " / " + plainDown);
            assertTrue(deflatedWire.bytesUp() * 3 < plainUp, "client to server: " + deflatedWire.bytesUp()
                    + " bytes compressed against " + plainUp);
            assertTrue(deflatedWire.bytesDown() * 3 < plainDown, "server to client: " + deflatedWire.bytesDown()
                    + " bytes compressed against " + plainDown);
        }
    }

    @Test
    void offIsTheDefaultAndNothingIsOffered() throws Exception {
        BlockingQueue<InboundMessage> inbound = new LinkedBlockingQueue<>();
        try (DeflateServer server = DeflateServer.start("permessage-deflate")) {
            WebSocketPool pool = builder("deflate-default", server.uri()).onMessage(inbound::add).build();
            try (PooledConnection c = pool.acquire()) {
                String m = json("d", 2000);
                c.send("plain:" + m);
                InboundMessage got = inbound.poll(10, TimeUnit.SECONDS);
                assertNotNull(got);
                assertEquals(m, got.text());
            } finally {
                pool.close();
            }
            assertEquals(List.of(""), server.offers());
            assertEquals(0, server.compressedIn());
            assertEquals(1, server.plainIn());
        }
    }

    @Test
    void theServersContextIsKeptAcrossMessagesAndOursIsNot() throws Exception {
        try (DeflateServer server = DeflateServer.start("permessage-deflate; client_no_context_takeover")) {
            WebSocketPool pool = builder("deflate-context", server.uri()).compression(true).build();
            try (PooledConnection c = pool.acquire()) {
                for (int i = 0; i < 50; i++) {
                    String m = json("c" + i, 3000); // the same quotes each time: the server refers back
                    assertEquals(m, c.request(m, WAIT).get(10, TimeUnit.SECONDS), "message " + i);
                }
            } finally {
                pool.close();
            }
            assertEquals(List.of("permessage-deflate; client_no_context_takeover"), server.offers());
            assertEquals(50, server.compressedIn(), "every message over the threshold went compressed");
            assertEquals(0, server.badClientMessages(), "each inflated on its own: no context kept by the client");
        }
    }

    @Test
    void serverNoContextTakeoverAndAWindowAreAskedForAndHonoured() throws Exception {
        try (DeflateServer server = DeflateServer.start(
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=10")) {
            CompressionOptions options = CompressionOptions.DEFAULT.withServerNoContextTakeover(true)
                    .withServerMaxWindowBits(10).withThreshold(0);
            WebSocketPool pool = builder("deflate-nctx", server.uri()).compression(options).build();
            try (PooledConnection c = pool.acquire()) {
                for (int i = 0; i < 20; i++) {
                    String m = "{\"messageId\":\"n" + i + "\",\"pad\":\"" + "ab".repeat(20) + "\"}"; // 60 bytes
                    assertEquals(m, c.request(m, WAIT).get(10, TimeUnit.SECONDS));
                }
            } finally {
                pool.close();
            }
            assertEquals(List.of("permessage-deflate; client_no_context_takeover; server_no_context_takeover;"
                    + " server_max_window_bits=10"), server.offers());
            assertEquals(20, server.compressedIn(), "threshold 0: even short messages compressed");
        }
    }

    @Test
    void messagesUnderTheThresholdAndBinaryOnesThatDoNotShrinkGoAsTheyAre() throws Exception {
        try (DeflateServer server = DeflateServer.start("permessage-deflate")) {
            WebSocketPool pool = builder("deflate-threshold", server.uri()).compression(true).build();
            try (PooledConnection c = pool.acquire()) {
                String small = json("s", 500);
                assertEquals(small, c.request(small, WAIT).get(10, TimeUnit.SECONDS));
                String large = json("l", 5000);
                assertEquals(large, c.request(large, WAIT).get(10, TimeUnit.SECONDS));
                byte[] random = new byte[4096];
                new java.util.Random(7).nextBytes(random);
                c.sendAsync(ByteBuffer.wrap(random)).get(10, TimeUnit.SECONDS);
                await().atMost(WAIT).until(() -> server.plainIn() + server.compressedIn() == 3);
            } finally {
                pool.close();
            }
            assertEquals(1, server.compressedIn(), "only the large text message");
            assertEquals(2, server.plainIn(), "the short one and the incompressible one");
        }
    }

    @Test
    void aCompressedMessageInFragmentsWithAPingBetweenThemIsInflatedWhole() throws Exception {
        BlockingQueue<InboundMessage> inbound = new LinkedBlockingQueue<>();
        try (DeflateServer server = DeflateServer.start("permessage-deflate")) {
            WebSocketPool pool = builder("deflate-frag", server.uri()).compression(true).onMessage(inbound::add)
                    .build();
            try (PooledConnection c = pool.acquire()) {
                for (int i = 0; i < 5; i++) {
                    String m = json("f" + i, 6000);
                    c.send("frag:" + m);
                    InboundMessage got = inbound.poll(10, TimeUnit.SECONDS);
                    assertNotNull(got, "fragmented message " + i);
                    assertEquals(m, got.text());
                }
            } finally {
                pool.close();
            }
        }
    }

    @Test
    void aZipBombIsRefusedWith1009WithoutInflatingItAndThePoolCarriesOn() throws Exception {
        BlockingQueue<InboundMessage> inbound = new LinkedBlockingQueue<>();
        try (DeflateServer server = DeflateServer.start("permessage-deflate")) {
            WebSocketPool pool = builder("deflate-bomb", server.uri()).compression(true).maxMessageSize(64 * 1024)
                    .onMessage(inbound::add).build();
            try {
                String refused;
                try (PooledConnection c = pool.acquire()) {
                    refused = c.id();
                    c.send("bomb:40000000"); // 40 MB of zeros in one frame of about 40 KB: under the frame limit
                }
                await().atMost(WAIT).until(() -> server.closeCodes().contains(1009));
                awaitGone(pool, refused);
                assertTrue(server.lastBombBytes() < 64 * 1024, "the frame itself is allowed: " + server.lastBombBytes());
                String reason = server.closeReasons().get(server.closeCodes().indexOf(1009));
                assertTrue(reason.contains("inflated past 65536"), "refused while inflating: " + reason);
                for (int i = 0; i < 3; i++) {
                    try (PooledConnection c = pool.acquire()) {
                        String m = json("after" + i, 2000);
                        assertEquals(m, c.request(m, WAIT).get(10, TimeUnit.SECONDS));
                    }
                }
                assertTrue(inbound.isEmpty(), "nothing of the bomb was delivered: " + inbound.size());
                assertTrue(server.opened() >= 2, "a new connection replaced the refused one");
            } finally {
                pool.close();
            }
        }
    }

    /**
     * Waits until the pool itself has seen the refused connection end: the server may read the close frame before the
     * client's engine has told the pool it is closing, and an acquire in between may still be given that connection.
     */
    private static void awaitGone(WebSocketPool pool, String connectionId) {
        await().atMost(WAIT).until(() -> pool.control().connections().stream()
                .noneMatch(s -> s.id().equals(connectionId) && s.state() != ConnectionState.CLOSED));
    }

    @Test
    void corruptCompressedDataClosesWith1007() throws Exception {
        try (DeflateServer server = DeflateServer.start("permessage-deflate")) {
            WebSocketPool pool = builder("deflate-corrupt", server.uri()).compression(true).build();
            try {
                String refused;
                try (PooledConnection c = pool.acquire()) {
                    refused = c.id();
                    c.send("corrupt");
                }
                await().atMost(WAIT).until(() -> server.closeCodes().contains(1007));
                awaitGone(pool, refused);
                try (PooledConnection c = pool.acquire()) {
                    String m = json("ok", 2000);
                    assertEquals(m, c.request(m, WAIT).get(10, TimeUnit.SECONDS));
                }
            } finally {
                pool.close();
            }
        }
    }

    @Test
    void aServerThatDeclinesRunsUncompressed() throws Exception {
        BlockingQueue<InboundMessage> inbound = new LinkedBlockingQueue<>();
        try (DeflateServer server = DeflateServer.start(null)) {
            WebSocketPool pool = builder("deflate-declined", server.uri()).compression(true).onMessage(inbound::add)
                    .build();
            try (PooledConnection c = pool.acquire()) {
                String m = json("p", 3000);
                c.send("plain:" + m);
                InboundMessage got = inbound.poll(10, TimeUnit.SECONDS);
                assertNotNull(got);
                assertEquals(m, got.text());
            } finally {
                pool.close();
            }
            assertTrue(server.offers().get(0).startsWith("permessage-deflate"));
            assertEquals(0, server.compressedIn(), "not negotiated: nothing compressed");
            assertEquals(1, server.plainIn());
        }
    }

    @Test
    void anAnswerThatBreaksRfc7692FailsTheConnectNamingTheParameter() {
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"permessage-deflate; client_max_window_bits=10", "client_max_window_bits"});
        cases.add(new String[] {"permessage-deflate; server_max_window_bits=20", "server_max_window_bits='20'"});
        cases.add(new String[] {"permessage-deflate; colour=blue", "'colour'"});
        cases.add(new String[] {"permessage-deflate, permessage-deflate", "2 times"});
        for (String[] c : cases) {
            try (DeflateServer server = DeflateServer.start(c[0])) {
                EndpointConnectException e = assertThrows(EndpointConnectException.class,
                        () -> builder("deflate-bad", server.uri()).compression(true).build().close(), c[0]);
                assertTrue(e.getMessage().contains("permessage-deflate refused") && e.getMessage().contains(c[1]),
                        c[0] + " -> " + e.getMessage());
            }
        }
    }

    @Test
    void optionsAreValidatedWithTheValueGiven() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompressionOptions.DEFAULT.withServerMaxWindowBits(16));
        assertTrue(e.getMessage().contains("serverMaxWindowBits") && e.getMessage().contains("16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CompressionOptions.DEFAULT.withThreshold(-1));
        assertTrue(e.getMessage().contains("threshold") && e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CompressionOptions.DEFAULT.withLevel(10));
        assertTrue(e.getMessage().contains("level") && e.getMessage().contains("10"), e.getMessage());
        assertThrows(NullPointerException.class, () -> pools().compression((CompressionOptions) null));
    }
}

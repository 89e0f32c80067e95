package io.github.wspool.core.internal.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.PingFrame;
import org.java_websocket.handshake.Handshakedata;
import org.java_websocket.handshake.HandshakeImpl1Client;
import org.junit.jupiter.api.Test;

/**
 * {@link MessageFrames} against the engine's own {@code send}: the same frame (first byte, masking, payload) on the
 * same queue, the same refusal when the engine is not open, and a tracked send's frame reported before it is queued.
 * The engine is a real {@link WebSocketImpl} in the client role, opened by a real upgrade answer.
 */
class MessageFramesTest {

    private final List<Object[]> tracked = new ArrayList<>();

    @Test
    void aTextMessageIsQueuedAsTheEngineQueuesIt() throws Exception {
        WebSocketImpl engine = open();
        BoundedDraft draft = (BoundedDraft) engine.getDraft();
        String text = "{\"id\":7,\"q\":\"caf\u00e9 \u20ac \ud83d\ude00\"}";

        engine.send(text);
        MessageFrames.queueText(engine, draft, text);

        assertEquals(2, engine.outQueue.size());
        byte[][] byEngine = unmasked(engine.outQueue.poll());
        byte[][] byUs = unmasked(engine.outQueue.poll());
        assertArrayEquals(byEngine[0], byUs[0], "FIN + text, masked, the same length");
        assertEquals(0x81, byUs[0][0] & 0xff);
        assertTrue((byUs[0][1] & 0x80) != 0, "a client's frame is masked");
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), byUs[1]);
        assertArrayEquals(byEngine[1], byUs[1]);
    }

    @Test
    void aBinaryMessageIsQueuedAsTheEngineQueuesIt() throws Exception {
        WebSocketImpl engine = open();
        BoundedDraft draft = (BoundedDraft) engine.getDraft();
        byte[] data = new byte[300]; // the 16-bit length form
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        ByteBuffer buffer = ByteBuffer.wrap(data, 5, 290);

        engine.send(buffer.duplicate());
        MessageFrames.queueBinary(engine, draft, buffer.duplicate());

        byte[][] byEngine = unmasked(engine.outQueue.poll());
        byte[][] byUs = unmasked(engine.outQueue.poll());
        assertArrayEquals(byEngine[0], byUs[0], "FIN + binary, masked, the same length");
        assertEquals(0x82, byUs[0][0] & 0xff);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 5, 295), byUs[1]);
        assertEquals(5, buffer.position(), "the caller's buffer is left as it was");
    }

    @Test
    void aPingIsQueuedAsTheEngineQueuesIt() throws Exception {
        WebSocketImpl engine = open();
        BoundedDraft draft = (BoundedDraft) engine.getDraft();
        PingFrame ping = new PingFrame();
        ping.setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));

        engine.sendFrame(ping);
        MessageFrames.queue(engine, draft, ping);

        byte[][] byEngine = unmasked(engine.outQueue.poll());
        byte[][] byUs = unmasked(engine.outQueue.poll());
        assertArrayEquals(byEngine[0], byUs[0]);
        assertEquals(0x89, byUs[0][0] & 0xff, "FIN + ping");
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, byUs[1]);
    }

    @Test
    void anEngineThatIsNotOpenRefusesTheMessageAndQueuesNothing() throws Exception {
        WebSocketImpl engine = engine();
        BoundedDraft draft = (BoundedDraft) engine.getDraft();
        draft.captureNext("never");
        try {
            assertThrows(WebsocketNotConnectedException.class, () -> MessageFrames.queueText(engine, draft, "x"));
            assertThrows(WebsocketNotConnectedException.class,
                    () -> MessageFrames.queueBinary(engine, draft, ByteBuffer.allocate(1)));
        } finally {
            draft.endCapture();
        }
        assertEquals(0, engine.outQueue.size());
        assertEquals(0, tracked.size(), "no frame was made, so none is reported as sent");
        IllegalArgumentException nul = assertThrows(IllegalArgumentException.class,
                () -> MessageFrames.queueText(open(), draft, null));
        assertTrue(nul.getMessage().contains("null"), nul.getMessage());
    }

    @Test
    void aTrackedSendReportsTheFrameItQueues() throws Exception {
        WebSocketImpl engine = open();
        BoundedDraft draft = (BoundedDraft) engine.getDraft();
        draft.captureNext("callback");
        try {
            MessageFrames.queueText(engine, draft, "tracked");
        } finally {
            draft.endCapture();
        }
        MessageFrames.queueText(engine, draft, "untracked");

        assertEquals(1, tracked.size());
        assertSame(engine.outQueue.peek(), tracked.get(0)[0], "the very buffer on the queue");
        assertEquals("callback", tracked.get(0)[1]);
    }

    /** Header bytes (first byte, length byte, extended length) and the unmasked payload of an encoded client frame. */
    private static byte[][] unmasked(ByteBuffer frame) {
        byte[] b = new byte[frame.remaining()];
        frame.duplicate().get(b);
        int len7 = b[1] & 0x7f;
        int header = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
        byte[] payload = new byte[b.length - header - 4];
        for (int k = 0; k < payload.length; k++) {
            payload[k] = (byte) (b[header + 4 + k] ^ b[header + k % 4]);
        }
        return new byte[][] {java.util.Arrays.copyOf(b, header), payload};
    }

    /** An engine in the client role, opened by the server's answer to its upgrade request. */
    private WebSocketImpl open() throws Exception {
        WebSocketImpl engine = engine();
        HandshakeImpl1Client request = new HandshakeImpl1Client();
        request.setResourceDescriptor("/");
        request.put("Host", "127.0.0.1");
        engine.startHandshake(request);
        byte[] digest = MessageDigest.getInstance("SHA-1").digest((request.getFieldValue("Sec-WebSocket-Key")
                + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
        engine.decode(ByteBuffer.wrap(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(digest)
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
        assertTrue(engine.isOpen(), "the engine took the upgrade answer");
        engine.outQueue.clear(); // whatever the handshake queued
        return engine;
    }

    private WebSocketImpl engine() {
        WebSocketImpl engine = new WebSocketImpl(new WebSocketAdapter() {
            @Override
            public void onWebsocketMessage(WebSocket conn, String message) {
            }

            @Override
            public void onWebsocketMessage(WebSocket conn, ByteBuffer blob) {
            }

            @Override
            public void onWebsocketOpen(WebSocket conn, Handshakedata d) {
            }

            @Override
            public void onWebsocketClose(WebSocket ws, int code, String reason, boolean remote) {
            }

            @Override
            public void onWebsocketClosing(WebSocket ws, int code, String reason, boolean remote) {
            }

            @Override
            public void onWebsocketCloseInitiated(WebSocket ws, int code, String reason) {
            }

            @Override
            public void onWebsocketError(WebSocket conn, Exception ex) {
            }

            @Override
            public void onWriteDemand(WebSocket conn) {
            }

            @Override
            public InetSocketAddress getLocalSocketAddress(WebSocket conn) {
                return null;
            }

            @Override
            public InetSocketAddress getRemoteSocketAddress(WebSocket conn) {
                return null;
            }
        }, new BoundedDraft(1 << 20, List.of()));
        ((BoundedDraft) engine.getDraft()).frameSink((frame, callback) -> tracked.add(new Object[] {frame, callback}));
        return engine;
    }
}

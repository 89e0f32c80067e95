package io.github.wspool.benchmarks;

import io.github.wspool.core.internal.transport.BoundedDraft;
import io.github.wspool.core.internal.transport.MessageFrames;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.handshake.HandshakeImpl1Client;
import org.java_websocket.handshake.Handshakedata;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A text message from the sender's call to the frame on an open engine's out queue (taken off again), without
 * sockets: {@code engine} is Java-WebSocket's own {@code WebSocketImpl.send(String)}, {@code pool} the route both
 * transports take ({@link MessageFrames#queueText}). Both encode with the pool's {@link BoundedDraft}, so the
 * difference is the engine's per-send work alone: its lists, its monitor and the {@code String} it makes of the
 * frame's bytes (up to 1,000) for a trace log whether or not tracing is on.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar SendPathBenchmark -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class SendPathBenchmark {

    /** {@code engine} ({@code WebSocketImpl.send}) or {@code pool} ({@code MessageFrames.queueText}). */
    @Param({"engine", "pool"})
    public String path;

    /** Message size in bytes (JSON-like ASCII text). */
    @Param({"100", "1000", "4096"})
    public int size;

    private WebSocketImpl engine;
    private BoundedDraft draft;
    private String text;
    private boolean pool;

    /**
     * Opens a client-role engine with a real upgrade answer and builds the message.
     *
     * @throws Exception never: the answer is valid
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        engine = new WebSocketImpl(new Quiet(), new BoundedDraft(1 << 20, List.of()));
        draft = (BoundedDraft) engine.getDraft();
        HandshakeImpl1Client request = new HandshakeImpl1Client();
        request.setResourceDescriptor("/");
        request.put("Host", "127.0.0.1");
        engine.startHandshake(request);
        byte[] digest = MessageDigest.getInstance("SHA-1").digest((request.getFieldValue("Sec-WebSocket-Key")
                + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
        engine.decode(ByteBuffer.wrap(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(digest)
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
        if (!engine.isOpen()) {
            throw new IllegalStateException("the engine did not open");
        }
        engine.outQueue.clear();
        StringBuilder sb = new StringBuilder("{\"id\":42,\"data\":\"");
        while (sb.length() < size - 2) {
            sb.append("abcdefghij");
        }
        text = sb.append("\"}").toString();
        pool = "pool".equals(path);
    }

    /**
     * One message queued and taken off the queue.
     *
     * @return the queued frame
     */
    @Benchmark
    public ByteBuffer send() {
        if (pool) {
            MessageFrames.queueText(engine, draft, text);
        } else {
            engine.send(text);
        }
        return engine.outQueue.poll();
    }

    /** A listener that ignores everything: nothing is read here. */
    private static final class Quiet extends WebSocketAdapter {
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
    }
}

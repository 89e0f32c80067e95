package io.github.wspool.benchmarks;

import io.github.wspool.core.internal.transport.BoundedDraft;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Role;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.Framedata;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The client's per-message protocol work, without sockets: encoding a text message into a masked frame
 * ({@code encode}: {@code createFrames} + {@code createBinaryFrame}, as the engine's {@code send(String)} does), and
 * translating an unmasked server text frame and delivering its text to the listener ({@code decode}:
 * {@code translateFrame} + {@code processFrame}, as the engine's {@code decode} does). {@code draft} is
 * Java-WebSocket's own {@code Draft_6455} ({@code library}) or the pool's {@code BoundedDraft} ({@code wspool}),
 * which masks eight bytes at a time with a thread-local random key and decodes a whole text message once.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar FrameCodecBenchmark -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class FrameCodecBenchmark {

    /** {@code library} (Draft_6455) or {@code wspool} (BoundedDraft). */
    @Param({"library", "wspool"})
    public String draft;

    /** Message size in bytes (JSON-like ASCII text, or with non-ASCII characters when {@code ascii} is false). */
    @Param({"100", "4096"})
    public int size;

    /** Whether the message is ASCII only. */
    @Param({"true"})
    public boolean ascii;

    private Draft_6455 d;
    private String text;
    private ByteBuffer serverFrame;
    private WebSocketImpl engine;
    private Blackhole sink;

    /**
     * Builds the draft in the client role and the frames.
     *
     * @param bh receives the delivered messages
     */
    @Setup(Level.Trial)
    public void setUp(Blackhole bh) {
        d = "wspool".equals(draft) ? new BoundedDraft(1 << 20, List.of()) : new Draft_6455();
        d.setParseMode(Role.CLIENT);
        StringBuilder sb = new StringBuilder("{\"id\":42,\"data\":\"");
        while (sb.length() < size - 2) {
            sb.append(ascii ? "abcdefghij" : "caf\u00e9 \u20ac ");
        }
        text = sb.append("\"}").toString();
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer f = ByteBuffer.allocate(payload.length + 10);
        f.put((byte) 0x81);
        if (payload.length < 126) {
            f.put((byte) payload.length);
        } else {
            f.put((byte) 126).putShort((short) payload.length);
        }
        serverFrame = f.put(payload).flip();
        sink = bh;
        engine = new WebSocketImpl(new WebSocketAdapter() {
            @Override
            public void onWebsocketMessage(WebSocket conn, String message) {
                sink.consume(message);
            }

            @Override
            public void onWebsocketMessage(WebSocket conn, ByteBuffer blob) {
                sink.consume(blob);
            }

            @Override
            public void onWebsocketOpen(WebSocket conn, org.java_websocket.handshake.Handshakedata d) {
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
            public java.net.InetSocketAddress getLocalSocketAddress(WebSocket conn) {
                return null;
            }

            @Override
            public java.net.InetSocketAddress getRemoteSocketAddress(WebSocket conn) {
                return null;
            }
        }, d);
    }

    /**
     * A text message into its masked frame.
     *
     * @return the frame
     */
    @Benchmark
    public ByteBuffer encode() {
        return d.createBinaryFrame(d.createFrames(text, true).get(0));
    }

    /**
     * A server's text frame into the listener's string.
     *
     * @throws InvalidDataException never, the frame is valid
     */
    @Benchmark
    public void decode() throws InvalidDataException {
        ByteBuffer in = serverFrame.duplicate();
        for (Framedata f : d.translateFrame(in)) {
            d.processFrame(engine, f);
        }
    }
}

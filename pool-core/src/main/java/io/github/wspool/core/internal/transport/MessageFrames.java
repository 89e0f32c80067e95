package io.github.wspool.core.internal.transport;

import java.nio.ByteBuffer;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.BinaryFrame;
import org.java_websocket.framing.Framedata;

/**
 * A message's frame put on Java-WebSocket's engine's out queue as {@code WebSocketImpl.send} puts it, without the
 * engine's per-send work that never reaches the wire. For every message the engine makes a list of frames and a list
 * of encoded buffers (and iterators over both), takes a monitor, and builds a {@code String} of the encoded frame's
 * bytes (up to 1,000 of them) for a trace log whose arguments it evaluates whether or not tracing is on
 * ({@code new String(buf.array())} in {@code WebSocketImpl.write}): masked bytes, decoded as UTF-8 through the
 * malformed-input path, the costliest step of a send for a message of a few hundred bytes. The bytes queued are the
 * same: the draft encodes the frame ({@link BoundedDraft#createBinaryFrame}: the extension, the mask, a tracked
 * send's capture), checked open first as the engine checks it.
 *
 * <p>The engine's monitor only keeps a multi-frame write contiguous; each send here is one frame, and the out queue
 * takes it atomically. The caller then asks for the frame to be written as the engine's {@code onWriteDemand} would
 * (the thread-per-connection transport's write thread takes from the queue by itself).
 */
public final class MessageFrames {

    private MessageFrames() {
    }

    /**
     * Queues a text message.
     *
     * @param engine the connection's engine, client role
     * @param draft  the engine's own draft ({@code engine.getDraft()})
     * @param text   the message
     * @throws WebsocketNotConnectedException the engine is not open (as {@code WebSocketImpl.send})
     */
    public static void queueText(WebSocketImpl engine, BoundedDraft draft, String text) {
        if (text == null) {
            throw new IllegalArgumentException("Cannot send 'null' data to a WebSocketImpl.");
        }
        queue(engine, draft, draft.createFrames(text, true).get(0)); // the draft makes a text message one frame
    }

    /**
     * Queues a binary message.
     *
     * @param engine the connection's engine, client role
     * @param draft  the engine's own draft ({@code engine.getDraft()})
     * @param data   the message, from its position to its limit (the buffer is kept until written: pass a duplicate)
     * @throws WebsocketNotConnectedException the engine is not open (as {@code WebSocketImpl.send})
     */
    public static void queueBinary(WebSocketImpl engine, BoundedDraft draft, ByteBuffer data) {
        if (data == null) {
            throw new IllegalArgumentException("Cannot send 'null' data to a WebSocketImpl.");
        }
        BinaryFrame frame = new BinaryFrame();
        frame.setPayload(data);
        frame.setTransferemasked(true);
        queue(engine, draft, frame);
    }

    /**
     * Queues any frame (a ping, say) as the engine's {@code sendFrame} would.
     *
     * @param engine the connection's engine, client role
     * @param draft  the engine's own draft ({@code engine.getDraft()})
     * @param frame  the frame, client role (masked when encoded)
     * @throws WebsocketNotConnectedException the engine is not open (as {@code WebSocketImpl.sendFrame})
     */
    public static void queue(WebSocketImpl engine, BoundedDraft draft, Framedata frame) {
        if (!engine.isOpen()) {
            throw new WebsocketNotConnectedException();
        }
        engine.outQueue.add(draft.createBinaryFrame(frame));
    }
}

package io.github.wspool.core.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.util.List;
import org.java_websocket.enums.Opcode;
import org.java_websocket.framing.Framedata;
import org.junit.jupiter.api.Test;

/**
 * The frames of a read live in the reading thread's list, not in the connection's draft ({@link ReadFrames}): no
 * per-connection list for the garbage collector to find written to at every pong.
 */
class ReadFramesTest {

    /** A pong (empty) and an unfragmented text message "hi", as a server sends them (unmasked). */
    private static ByteBuffer pongAndText() {
        return ByteBuffer.wrap(new byte[] {(byte) 0x8A, 0x00, (byte) 0x81, 0x02, 'h', 'i'});
    }

    private static BoundedDraft draft() {
        return new BoundedDraft(1 << 20, List.of());
    }

    @Test
    void connectionsReadOnOneThreadShareItsList() throws Exception {
        List<Framedata> first = draft().translateFrame(pongAndText());
        assertEquals(2, first.size());
        assertEquals(Opcode.PONG, first.get(0).getOpcode());
        assertEquals(Opcode.TEXT, first.get(1).getOpcode());
        ReadFrames.letGo(first.get(0));
        ReadFrames.letGo(first.get(1));

        List<Framedata> second = draft().translateFrame(pongAndText()); // another connection, same thread
        assertSame(first, second, "one list per thread, whichever connection reads");
        assertEquals(2, second.size());
    }

    @Test
    void processedFramesAreLetGo() throws Exception {
        List<Framedata> frames = draft().translateFrame(pongAndText());
        Framedata text = frames.get(1);
        ReadFrames.letGo(frames.get(0));
        assertNull(frames.get(0), "a processed frame is not kept until the thread's next read");
        ReadFrames.letGo(frames.get(0)); // not the next frame: nothing happens
        assertSame(text, frames.get(1));
        ReadFrames.letGo(text);
        assertNull(frames.get(1));
    }

    @Test
    void aReadBeforeTheLastOneIsProcessedGetsAListOfItsOwn() throws Exception {
        List<Framedata> outer = draft().translateFrame(pongAndText());
        Framedata text = outer.get(1);
        ReadFrames.letGo(outer.get(0)); // the engine is at the second frame of this read ...

        List<Framedata> inner = draft().translateFrame(pongAndText()); // ... when the thread reads again
        assertNotSame(outer, inner);
        assertEquals(2, outer.size(), "the earlier read's frames are left to its iteration");
        assertSame(text, outer.get(1));
        assertEquals(2, inner.size());
        ReadFrames.letGo(text); // the earlier read goes on: its frame is not the new list's
        assertSame(inner.get(0), inner.get(0));
        assertEquals(Opcode.PONG, inner.get(0).getOpcode());
    }
}

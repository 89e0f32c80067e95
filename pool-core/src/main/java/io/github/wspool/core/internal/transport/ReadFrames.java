package io.github.wspool.core.internal.transport;

import java.util.ArrayList;
import java.util.Arrays;
import org.java_websocket.framing.Framedata;

/**
 * The frames of one read, as {@link BoundedDraft#translateFrame} hands them to the engine: one reused list and a few
 * reused decoded-text frames <i>per reading thread</i>, shared by every connection that thread reads.
 *
 * <p>Per thread rather than per connection because of the garbage collector. A list kept by each connection is
 * old once the connection has lived a while, and every frame added to it stores a new (young) object into an old
 * array: G1 then has to scan that array's card at the next young pause. With 19,000 connections answering
 * keepalive pings that was a card per pong, thousands per pause. One list per thread is one array whose few cards
 * are written again and again, whatever the number of connections; and a connection keeps no list at all.
 *
 * <p>The engine processes a read's frames before its thread reads again (no transport reads from within a
 * callback), so one list per thread is enough. Should a read start while the thread's list still has frames the
 * engine did not process (an earlier read abandoned after a failure, or a read from within a callback), the thread
 * gets a new list and the old one is left to whoever still iterates it.
 */
final class ReadFrames {

    private static final ThreadLocal<ReadFrames> CURRENT = ThreadLocal.withInitial(ReadFrames::new);

    /** The frames of the current read, handed to the engine. */
    final ArrayList<Framedata> frames = new ArrayList<>();
    /** How many of {@link #frames} the engine has processed (each let go as it is). */
    private int processed;
    /** Decoded text frames reused from read to read, and how many the current read has used. */
    private FrameCodec.DecodedText[] texts = new FrameCodec.DecodedText[0];
    private int textsUsed;

    private ReadFrames() {
    }

    /**
     * Starts a read on this thread: its frame list, empty.
     *
     * @return the thread's frames, cleared
     */
    static ReadFrames begin() {
        ReadFrames r = CURRENT.get();
        if (r.processed < r.frames.size()) {
            r = new ReadFrames(); // the last read's frames are not all processed: leave them to their iteration
            CURRENT.set(r);
        }
        r.frames.clear();
        r.processed = 0;
        r.textsUsed = 0;
        return r;
    }

    /**
     * A decoded text frame for this read, reused from earlier reads (the engine keeps none).
     *
     * @param text the message
     * @return the frame carrying it
     */
    FrameCodec.DecodedText decodedText(String text) {
        if (textsUsed == texts.length) {
            texts = Arrays.copyOf(texts, Math.max(2, texts.length * 2));
        }
        FrameCodec.DecodedText t = texts[textsUsed];
        if (t == null) {
            t = new FrameCodec.DecodedText();
            texts[textsUsed] = t;
        }
        textsUsed++;
        t.text = text;
        return t;
    }

    /**
     * The engine is processing {@code frame}: the list lets go of it, so that a thread that goes quiet keeps no
     * message alive until its next read. Only {@code set}: the engine is iterating the list, which must not change
     * size meanwhile. A frame not next in this thread's list (its read's list was replaced) is left alone.
     *
     * @param frame the frame being processed
     */
    static void letGo(Framedata frame) {
        ReadFrames r = CURRENT.get();
        if (r.processed < r.frames.size() && r.frames.get(r.processed) == frame) {
            r.frames.set(r.processed++, null);
        }
    }
}

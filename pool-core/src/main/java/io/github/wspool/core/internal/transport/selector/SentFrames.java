package io.github.wspool.core.internal.transport.selector;

import io.github.wspool.MessageNotSentException;
import io.github.wspool.core.internal.concurrent.VarHandles;
import io.github.wspool.core.internal.transport.BoundedDraft;
import io.github.wspool.core.spi.SendCallback;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What became of one {@link SelectorConnection}'s outgoing frames: the tracked sends ({@code sendAsync}) waiting for
 * their frame to be written, and, at the end, the count of frames that never were.
 *
 * <p>A tracked frame is registered when the draft encodes it, before the engine queues it ({@link #track}); senders
 * are serialised by the pool's send lock, so tracked frames stand in the engine's queue in the order registered, and
 * the writer matches each frame it takes off the queue against the head by identity. On a plain connection a frame
 * taken off the queue is written ({@link #written}); over TLS it counts once its encrypted bytes are
 * ({@link #wrapped}, then {@link #netDrained}). {@link #drain} empties the queue at the end. The connection calls
 * {@code written} and {@code drain} under its writer's flag, and the TLS methods on its loop: one caller at a time
 * for each.
 */
final class SentFrames {

    /** A tracked send's frame and its callback. */
    private record Tracked(ByteBuffer frame, SendCallback callback) {
    }

    private static final VarHandle TRACKED = VarHandles.field(MethodHandles.lookup(), SentFrames.class, "tracked",
            ConcurrentLinkedQueue.class);

    /**
     * Tracked frames not yet written, in queue order; appended by senders, polled by the writer. Made by the first
     * tracked send: most connections never have one, and keep no queue.
     */
    private volatile ConcurrentLinkedQueue<Tracked> tracked;
    private ArrayDeque<Tracked> awaitingNet; // TLS: tracked frames wrapped, their encrypted bytes not all written
    private int netFrames; // TLS: untracked data frames wrapped, their encrypted bytes not all written
    private long netFrameBytes;

    /** A tracked send's frame was encoded and is about to be queued. Sending thread. */
    void track(ByteBuffer frame, SendCallback callback) {
        ConcurrentLinkedQueue<Tracked> q = tracked;
        if (q == null) {
            q = new ConcurrentLinkedQueue<>();
            if (!TRACKED.compareAndSet(this, null, q)) {
                q = tracked;
            }
        }
        q.add(new Tracked(frame, callback));
    }

    /** A plain connection's frame left the queue, all written. Writer only. */
    void written(ByteBuffer frame) {
        ConcurrentLinkedQueue<Tracked> q = tracked;
        Tracked t = q == null ? null : q.peek();
        if (t != null && t.frame == frame) {
            q.poll();
            t.callback.written();
        }
    }

    /** TLS: a frame left the queue, encrypted; it is written once the encrypted bytes are. Loop thread. */
    void wrapped(ByteBuffer frame) {
        ConcurrentLinkedQueue<Tracked> tq = tracked;
        Tracked t = tq == null ? null : tq.peek();
        if (t != null && t.frame == frame) {
            tq.poll();
            if (awaitingNet == null) {
                awaitingNet = new ArrayDeque<>();
            }
            awaitingNet.add(t);
        } else if (BoundedDraft.isDataFrame(frame)) {
            netFrames++;
            netFrameBytes += frame.limit();
        }
    }

    /** TLS: every encrypted byte produced so far is written. Loop thread. */
    void netDrained() {
        netFrames = 0;
        netFrameBytes = 0;
        ArrayDeque<Tracked> q = awaitingNet;
        if (q != null) {
            Tracked t;
            while ((t = q.poll()) != null) {
                t.callback.written();
            }
        }
    }

    /**
     * The connection finished: takes every frame out of {@code queue}, fails tracked ones and counts the untracked
     * data frames (plus, with {@code loopSide}, the TLS frames wrapped but not all written). Each frame is taken
     * once, however many callers drain.
     *
     * @param queue    the engine's out queue
     * @param loopSide whether the caller may touch the TLS state (on the loop, or the loop is gone)
     * @param reason   why they were not written
     * @param cause    the failure that ended the connection, or {@code null}
     * @return the untracked data frames dropped, {@code [frames, bytes]}, or {@code null} for none
     */
    long[] drain(Queue<ByteBuffer> queue, boolean loopSide, MessageNotSentException.Reason reason, Throwable cause) {
        long frames = 0;
        long bytes = 0;
        if (loopSide) {
            ArrayDeque<Tracked> q = awaitingNet;
            if (q != null) {
                Tracked t;
                while ((t = q.poll()) != null) {
                    t.callback.notWritten(reason, t.frame.limit(), cause);
                }
            }
            frames += netFrames;
            bytes += netFrameBytes;
            netFrames = 0;
            netFrameBytes = 0;
        }
        ConcurrentLinkedQueue<Tracked> tq = tracked;
        ByteBuffer b;
        while ((b = queue.poll()) != null) {
            if (tq == null) {
                tq = tracked; // a frame tracked meanwhile: its queue exists before the frame is queued
            }
            Tracked t = tq == null ? null : tq.peek();
            if (t != null && t.frame == b) {
                tq.poll();
                t.callback.notWritten(reason, b.remaining(), cause);
            } else if (BoundedDraft.isDataFrame(b)) {
                frames++;
                bytes += b.remaining();
            }
        }
        tq = tracked;
        Tracked t;
        while (tq != null && (t = tq.poll()) != null) { // (none: every tracked frame was queued)
            t.callback.notWritten(reason, t.frame.remaining(), cause);
        }
        return frames == 0 ? null : new long[] {frames, bytes};
    }
}

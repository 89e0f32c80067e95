package io.github.wspool.core.internal.transport.jws;

import io.github.wspool.MessageNotSentException;
import io.github.wspool.core.internal.transport.BoundedDraft;
import io.github.wspool.core.spi.SendCallback;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What became of one thread-per-connection connection's outgoing frames: the tracked sends ({@code sendAsync})
 * waiting for their frame to be written, what Java-WebSocket's write thread wrote, and, at the end, the frames that
 * never were.
 *
 * <p>A tracked frame is registered when the draft encodes it, before the engine queues it ({@link #track}); senders
 * are serialised by the pool's send lock, so tracked frames stand in the engine's out queue in the order registered.
 * The library's write thread takes each buffer off the queue and writes {@code buffer.array(), 0, buffer.limit()} to
 * the socket's output stream, which is a {@link LedgerOutputStream}: it tells the ledger before
 * ({@link #writing}) and after ({@link #wrote}) each write, and the ledger matches the array against the oldest
 * tracked frame by identity (every queued buffer has an array of its own). A frame is written once the stream's
 * {@code write} returned: all its bytes were handed to the operating system (over TLS: encrypted and handed over).
 *
 * <p>When the write thread is interrupted (the connection closed) while it waits for the queue, the library writes
 * what is left in the queue without taking it out; {@link #settle} skips the queued frames up to the last one
 * written. A write that fails stops the writer for good; its frame is the one {@link #writing} named.
 *
 * <p>Threads: {@link #writing}, {@link #wrote} and {@link #writeFailed} on the write thread; {@link #settle} once the
 * writer has stopped (or was given up on), then again by any sender whose frame raced with the end.
 */
final class FrameLedger {

    /** The name Java-WebSocket 1.6 gives its write thread ({@code WebSocketWriteThread-<id>}). */
    private static final String WRITE_THREAD_PREFIX = "WebSocketWriteThread-";

    /** A tracked send's frame and its callback. */
    private record Tracked(ByteBuffer frame, SendCallback callback) {
    }

    /** A tracked frame found not written, told so once the monitor is released. */
    private record NotWritten(SendCallback callback, int length) {
    }

    /** Tracked frames not yet written, in queue order; appended by senders, polled by the writer or the settler. */
    private final ConcurrentLinkedQueue<Tracked> tracked = new ConcurrentLinkedQueue<>();
    private final CountDownLatch writerStopped = new CountDownLatch(1);
    private volatile Thread writer;
    private volatile IOException writeError;
    private volatile boolean settled;
    // guarded by this: the writer's progress
    private byte[] inFlight;
    private int inFlightLength;
    private byte[] lastWritten;
    /** Tracked frames failed at a settle before the engine had queued them: not counted again when they show up. */
    private final List<byte[]> settledAhead = new ArrayList<>(1);

    /** A tracked send's frame was encoded and is about to be queued. Sending thread. */
    void track(ByteBuffer frame, SendCallback callback) {
        tracked.add(new Tracked(frame, callback));
    }

    /** The write thread is about to write {@code length} bytes of {@code array} (one queued frame). */
    synchronized void writing(byte[] array, int length) {
        if (writer == null) {
            writer = Thread.currentThread();
        }
        inFlight = array;
        inFlightLength = length;
    }

    /**
     * The write thread wrote all of {@code array}'s frame: a tracked one is reported written (after the ledger's
     * monitor is released: the callback reaches the pool's accounting and listeners).
     */
    void wrote(byte[] array) {
        Tracked done = null;
        synchronized (this) {
            inFlight = null;
            lastWritten = array;
            if (settled) {
                return; // given up on: its outcome is reported already
            }
            Tracked t = tracked.peek();
            if (t != null && t.frame.array() == array) {
                tracked.poll();
                done = t;
            }
        }
        if (done != null) {
            done.callback.written();
        }
    }

    /** A write (or flush) failed: the writer writes nothing more; the frame {@link #writing} named is not written. */
    void writeFailed(IOException e) {
        if (writeError == null) {
            writeError = e;
        }
        writerStopped.countDown();
    }

    /** The socket is being closed; when by the write thread, it is done (the library closes it last of all). */
    void socketClosing() {
        if (isWriterThread()) {
            writerStopped.countDown();
        }
    }

    /** Whether the calling thread is the connection's write thread. */
    boolean isWriterThread() {
        Thread current = Thread.currentThread();
        return current == writer || current.getName().startsWith(WRITE_THREAD_PREFIX) && writer == null;
    }

    /**
     * Waits for the write thread to stop writing.
     *
     * @return whether it stopped within {@code nanos}
     */
    boolean awaitWriter(long nanos) {
        try {
            return writerStopped.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return writerStopped.getCount() == 0;
        }
    }

    /** The write failure that stopped the writer, or {@code null}. */
    IOException writeError() {
        return writeError;
    }

    /** Whether the connection's frames were settled: a frame queued after that is settled by its sender. */
    boolean settled() {
        return settled;
    }

    /**
     * The connection ended and the writer stopped: takes every frame out of {@code queue}, fails tracked ones that
     * were not written and counts the untracked data frames that were not. The frame whose write failed and the
     * queued ones after the last frame written are not written; queued ones up to it were (the interrupted writer
     * writes the queue without emptying it). Each frame is accounted once, however many callers settle.
     *
     * @param queue  the engine's out queue
     * @param reason why they were not written
     * @param cause  the failure that ended the connection, or {@code null}
     * @return the untracked data frames not written, {@code [frames, bytes]}, or {@code null} for none
     */
    long[] settle(Queue<ByteBuffer> queue, MessageNotSentException.Reason reason, Throwable cause) {
        List<NotWritten> failed = new ArrayList<>();
        long[] lost = {0, 0};
        synchronized (this) {
            settled = true;
            byte[] skipTo = lastWritten;
            boolean skipping = skipTo != null && queued(queue, skipTo);
            byte[] half = inFlight;
            if (half != null && !queued(queue, half)) { // taken off the queue, not all written
                account(half, inFlightLength, failed, lost);
            }
            inFlight = null;
            lastWritten = null;
            ByteBuffer b;
            while ((b = queue.poll()) != null) {
                byte[] array = b.hasArray() ? b.array() : null;
                if (skipping) {
                    skipping = array != skipTo;
                    continue;
                }
                account(array, b.limit(), failed, lost);
            }
            Tracked t;
            while ((t = tracked.poll()) != null) { // encoded, not queued yet: its sender settles again after queueing
                settledAhead.add(t.frame.array());
                failed.add(new NotWritten(t.callback, t.frame.limit()));
            }
        }
        for (NotWritten n : failed) { // outside the monitor: the callbacks reach the pool's accounting and listeners
            n.callback.notWritten(reason, n.length, cause);
        }
        return lost[0] == 0 ? null : lost;
    }

    /** One frame not written: a tracked one joins {@code failed}, an untracked data frame is counted in {@code lost}. */
    private void account(byte[] array, int length, List<NotWritten> failed, long[] lost) {
        if (array != null && settledAhead.removeIf(a -> a == array)) {
            return; // reported already
        }
        Tracked t = tracked.peek();
        if (t != null && array != null && t.frame.array() == array) {
            tracked.poll();
            failed.add(new NotWritten(t.callback, length));
        } else if (array != null && BoundedDraft.isDataFrame(ByteBuffer.wrap(array, 0, length))) {
            lost[0]++;
            lost[1] += length;
        }
    }

    private static boolean queued(Queue<ByteBuffer> queue, byte[] array) {
        for (ByteBuffer b : queue) {
            if (b.hasArray() && b.array() == array) {
                return true;
            }
        }
        return false;
    }
}

package io.github.wspool.core.internal.transport.selector;

import io.github.wspool.MessageNotSentException;
import io.github.wspool.core.internal.concurrent.VarHandles;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Queue;

/**
 * The write side of one {@link SelectorConnection}: gets the frames Java-WebSocket's engine queued ({@code outQueue})
 * onto the socket, and tells {@link SentFrames} which were written. Its own class because it is the one place where
 * threads other than the loop touch the socket, and its rules are easier to check in one screen.
 *
 * <ul>
 *   <li>Sends come from any thread: the engine queues the frames and calls the connection's {@code onWriteDemand}.
 *       On an open {@code ws://} connection the sending thread then writes the queue to the socket itself
 *       ({@link #writeDirect}), unless another thread is writing it or the socket is full: no hand-off to the selector
 *       and no selector wake-up per message, which is what a request/reply round trip pays most for.</li>
 *   <li>Otherwise (TLS, the handshake, a full socket) it schedules one {@link #flush} on the loop
 *       ({@link #requestFlush}); that flag is cleared <i>before</i> the flush drains the queue, so a frame queued
 *       during a flush schedules another one: no write is lost when OP_WRITE is cleared (the race Java-WebSocket's own
 *       server has).</li>
 *   <li>One writer at a time, the loop included, holds {@link #writing}; whoever releases it looks at the queue
 *       again. At the end {@link #dropQueued} takes what is left under the same flag.</li>
 * </ul>
 */
final class FrameWriter {

    private static final VarHandle WRITING = VarHandles.field(MethodHandles.lookup(), FrameWriter.class, "writing",
            int.class);
    private static final VarHandle FLUSH_REQUESTED = VarHandles.field(MethodHandles.lookup(), FrameWriter.class,
            "flushRequested", int.class);

    private final SelectorConnection connection;
    private final SelectorLoop loop;
    /** The engine's queue of encoded frames. */
    private final Queue<ByteBuffer> queue;
    private final SentFrames sent;
    /** 1 while a flush is scheduled on the loop and has not started yet. */
    private volatile int flushRequested;
    /** 1 while a thread writes the engine's queue to the socket (plain connections). */
    @SuppressWarnings("unused") // through WRITING
    private volatile int writing;
    private boolean wantWrite; // loop thread only: the socket did not take everything, OP_WRITE is wanted
    /** The rest of a control frame the socket did not take whole ({@link #tryWriteControl}); under the flag. */
    private ByteBuffer pendingControl;

    FrameWriter(SelectorConnection connection, SelectorLoop loop, Queue<ByteBuffer> queue, SentFrames sent) {
        this.connection = connection;
        this.loop = loop;
        this.queue = queue;
        this.sent = sent;
    }

    /** Whether the last flush left bytes the socket did not take (OP_WRITE wanted). Loop thread. */
    boolean wantWrite() {
        return wantWrite;
    }

    void requestFlush() {
        if (FLUSH_REQUESTED.compareAndSet(this, 0, 1)) {
            loop.execute(this::flush); // false: the loop stopped and finished this connection
        }
    }

    /** Writes what the engine has queued; arms OP_WRITE only while the socket cannot take more. Loop thread. */
    void flush() {
        flushRequested = 0; // first: a frame queued from now on schedules another flush
        SocketChannel channel = connection.channel();
        if (connection.isFinished() || channel == null || connection.connectPhase().tcpPending()) {
            return; // a connect in progress flushes once it completes
        }
        try {
            boolean drained;
            TlsSession tls = connection.tls();
            if (tls != null) {
                drained = tls.flush(queue);
                if (drained && !queue.isEmpty()) {
                    drained = tls.flush(queue); // re-check before clearing OP_WRITE
                }
            } else {
                if (!WRITING.compareAndSet(this, 0, 1)) {
                    // A sender is writing: it looks at the queue again when it is done, and leaves what the socket
                    // does not take to a new flush. Until then OP_WRITE would only fire again and again.
                    wantWrite = false;
                    connection.updateInterest();
                    return;
                }
                try {
                    drained = writePlain(channel);
                } finally {
                    writing = 0;
                }
                if (drained && !queue.isEmpty()) {
                    requestFlush(); // queued meanwhile by a sender that found us writing: not lost, not spun on
                }
            }
            wantWrite = !drained;
            connection.updateInterest();
            if (drained && connection.isFailing() && queue.isEmpty()) {
                connection.engine().closeConnection(); // the close frame is out: now the TCP connection (7.1.7)
            }
        } catch (IOException e) {
            connection.failed(e);
        }
    }

    /**
     * Writes a control frame (a keepalive ping) straight to the socket of a plain, open connection when nothing is
     * queued and nobody is writing, instead of through the engine's queue. The queue is a long-lived
     * {@code LinkedBlockingQueue}: every frame through it links a new node from an old object, a pointer each young
     * GC has to scan; at 19,000 connections pinging every few seconds those cards were most of a young pause. A rest
     * the socket does not take is written before anything else ({@link #pendingControl}).
     *
     * @param encode encodes the frame; called only when it can be written here (a frame that goes through the
     *               engine instead is encoded there, once)
     * @return whether it was taken; {@code false}: the caller sends it through the engine as usual
     */
    boolean tryWriteControl(java.util.function.Supplier<ByteBuffer> encode) {
        if (!WRITING.compareAndSet(this, 0, 1)) {
            return false;
        }
        boolean rest = false;
        try {
            if (pendingControl != null || !queue.isEmpty()) {
                return false; // frames before it: they go first, whole
            }
            ByteBuffer frame = encode.get();
            connection.channel().write(frame);
            if (frame.hasRemaining()) {
                pendingControl = frame;
                rest = true;
            }
            return true;
        } catch (IOException e) {
            loop.execute(() -> connection.failed(e));
            return true; // the connection fails: nothing left to ping
        } finally {
            writing = 0;
            if (rest) {
                requestFlush(); // the loop arms OP_WRITE and writes the rest first
            }
        }
    }

    /** Writes what is left of a control frame; whether it is all out. Under the flag. */
    private boolean writePendingControl(SocketChannel channel) throws IOException {
        ByteBuffer rest = pendingControl;
        if (rest != null) {
            channel.write(rest);
            if (rest.hasRemaining()) {
                return false;
            }
            pendingControl = null;
        }
        return true;
    }

    /**
     * A sender's thread writes the queue itself (plain, open connections): one buffer at a time, in queue order,
     * until the queue is empty or the socket is full. A full socket, a failure or a busy writer leave the rest to
     * the loop.
     */
    void writeDirect() {
        SocketChannel channel = connection.channel();
        while (WRITING.compareAndSet(this, 0, 1)) {
            boolean full = false;
            try {
                full = !writePendingControl(channel);
                ByteBuffer head;
                while (!full && (head = queue.peek()) != null) {
                    channel.write(head);
                    if (head.hasRemaining()) {
                        full = true;
                        break;
                    }
                    queue.poll();
                    sent.written(head);
                }
            } catch (IOException e) {
                loop.execute(() -> connection.failed(e)); // the loop ends the connection (the flag is released below)
                return;
            } finally {
                writing = 0;
            }
            if (full) {
                requestFlush(); // the loop arms OP_WRITE and finishes the rest
                return;
            }
            if (queue.isEmpty()) {
                return;
            }
            // a frame queued while this thread held the flag: its sender left it to us (or to the loop)
        }
        requestFlush(); // someone else is writing; make sure the loop looks once it is done
    }

    private boolean writePlain(SocketChannel channel) throws IOException {
        if (!writePendingControl(channel)) {
            return false;
        }
        ByteBuffer[] batch = loop.writeBatch();
        while (true) {
            int n = 0;
            for (ByteBuffer b : queue) {
                batch[n++] = b;
                if (n == batch.length) {
                    break;
                }
            }
            if (n == 0) {
                return true;
            }
            channel.write(batch, 0, n);
            int done = 0;
            while (done < n && !batch[done].hasRemaining()) {
                queue.poll();
                sent.written(batch[done]);
                done++;
            }
            java.util.Arrays.fill(batch, 0, n, null);
            if (done < n) {
                return false;
            }
        }
    }

    /** The bytes of the frames queued and not yet written (over by a frame being written meanwhile). */
    long queuedBytes() {
        long n = 0;
        for (ByteBuffer b : queue) {
            n += b.remaining();
        }
        return n;
    }

    /**
     * The connection finished: takes every frame still queued out of the queue under the writer's flag (no writer
     * polls meanwhile); tracked ones fail, untracked data frames are counted for the caller to report. Safe to call
     * more than once and from any thread once the connection is finished: each frame is taken once.
     *
     * @return the untracked data frames dropped, {@code [frames, bytes]}, or {@code null}
     */
    long[] dropQueued(MessageNotSentException.Reason reason, Throwable cause) {
        while (!WRITING.compareAndSet(this, 0, 1)) {
            Thread.onSpinWait(); // a writer finishing its (non-blocking) write on the closed channel
        }
        try {
            pendingControl = null; // a ping's rest: nobody waits for it
            return sent.drain(queue, loop.inLoop() || loop.isStopped(), reason, cause);
        } finally {
            writing = 0;
        }
    }
}

package io.github.wspool.core.spi;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A transport without sockets: connections live in memory. For tests of code that uses a pool, and for measuring
 * the pool's own overhead without I/O.
 *
 * <p>By default a connect opens at once, inside {@link #connect}; pings are answered at once with a pong echoing
 * their application data ({@link Connection#pong(ByteBuffer)} sends one unasked). With
 * {@link #manualOpen(boolean) manualOpen(true)} connects stay pending until {@link #openPending()} or
 * {@link #failPending(Throwable)} is called, which lets a test hold the pool mid-handshake. {@link #failConnects}
 * makes every following connect fail. Texts sent are counted, and kept (up to 10,000 per connection) for assertions.
 * Thread-safe.
 */
public final class InMemoryTransport implements Transport {

    private static final int MAX_KEPT_MESSAGES = 10_000;

    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<Connection> pending = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectAttempts = new AtomicInteger();
    private volatile boolean manualOpen;
    private volatile Throwable connectFailure;
    private volatile boolean closed;

    /** Creates a transport whose connects open at once. */
    public InMemoryTransport() {
    }

    /**
     * Whether connects wait for {@link #openPending()} / {@link #failPending(Throwable)}.
     *
     * @param manual {@code true} to hold connects pending
     * @return this
     */
    public InMemoryTransport manualOpen(boolean manual) {
        this.manualOpen = manual;
        return this;
    }

    /**
     * Makes every following connect fail with {@code failure}; {@code null} lets connects succeed again.
     *
     * @param failure the failure to report, or {@code null}
     * @return this
     */
    public InMemoryTransport failConnects(Throwable failure) {
        this.connectFailure = failure;
        return this;
    }

    @Override
    public TransportConnection connect(URI uri, TransportOptions options, TransportListener listener) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(listener, "listener");
        connectAttempts.incrementAndGet();
        Connection c = new Connection(uri, listener);
        connections.add(c);
        Throwable failure = connectFailure;
        if (failure == null && !closed) {
            try {
                c.handshakeHeaders = options.handshakeHeaders(uri); // as a real transport would send them
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (closed) {
            c.finish(-1, "transport closed", false, new IllegalStateException("transport closed"));
        } else if (failure != null) {
            c.finish(-1, String.valueOf(failure.getMessage()), false, failure);
        } else if (manualOpen) {
            pending.add(c);
        } else {
            c.open();
        }
        return c;
    }

    /**
     * Opens every pending connect, oldest first.
     *
     * @return how many were opened
     */
    public int openPending() {
        int n = 0;
        for (Connection c : takePending()) {
            c.open();
            n++;
        }
        return n;
    }

    /**
     * Fails every pending connect, oldest first.
     *
     * @param failure the failure to report
     * @return how many were failed
     */
    public int failPending(Throwable failure) {
        int n = 0;
        for (Connection c : takePending()) {
            c.finish(-1, String.valueOf(failure.getMessage()), false, failure);
            n++;
        }
        return n;
    }

    private List<Connection> takePending() {
        List<Connection> taken = new ArrayList<>(pending);
        pending.removeAll(taken);
        return taken;
    }

    /**
     * Every connection ever created, in creation order.
     *
     * @return a snapshot
     */
    public List<Connection> connections() {
        return List.copyOf(connections);
    }

    /**
     * Connections that are open now.
     *
     * @return a snapshot
     */
    public List<Connection> openConnections() {
        List<Connection> open = new ArrayList<>();
        for (Connection c : connections) {
            if (c.isOpen()) {
                open.add(c);
            }
        }
        return open;
    }

    /**
     * How many times {@link #connect} was called.
     *
     * @return the count
     */
    public int connectAttempts() {
        return connectAttempts.get();
    }

    /** Aborts every connection still open or pending. */
    @Override
    public void close() {
        closed = true;
        for (Connection c : connections) {
            c.abort();
        }
    }

    /** One in-memory connection. */
    public static final class Connection implements TransportConnection {

        private final URI uri;
        private final TransportListener listener;
        private final AtomicBoolean finished = new AtomicBoolean();
        private final LongAdder sentCount = new LongAdder();
        private final LongAdder pingCount = new LongAdder();
        private final java.util.Queue<String> sentTexts = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private volatile boolean open;
        private volatile boolean autoPong = true;
        private volatile int closeCode;
        private volatile boolean stalled;
        private volatile boolean echo;
        private volatile java.util.Map<String, String> handshakeHeaders = java.util.Map.of();
        private final java.util.concurrent.atomic.AtomicLong buffered = new java.util.concurrent.atomic.AtomicLong();

        Connection(URI uri, TransportListener listener) {
            this.uri = uri;
            this.listener = listener;
        }

        void open() {
            if (!finished.get()) {
                open = true;
                listener.onOpen(this);
            }
        }

        void finish(int code, String reason, boolean remote, Throwable error) {
            if (finished.compareAndSet(false, true)) {
                open = false;
                closeCode = code;
                listener.onClosed(code, reason, remote, error);
            }
        }

        /**
         * The headers this connect resolved from its {@link TransportOptions} (static ones and the supplier's), as a
         * real transport would send them with the upgrade request.
         *
         * @return header names to values; empty if the connect failed before resolving them
         */
        public java.util.Map<String, String> handshakeHeaders() {
            return handshakeHeaders;
        }

        /**
         * The URI this connection was opened to.
         *
         * @return the URI
         */
        public URI uri() {
            return uri;
        }

        @Override
        public void sendText(String text) {
            requireOpen();
            sentCount.increment();
            if (sentCount.sum() <= MAX_KEPT_MESSAGES) {
                sentTexts.add(text);
            }
            if (stalled) {
                buffered.addAndGet(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            }
            if (echo) {
                listener.onText(text);
            }
        }

        @Override
        public void sendBinary(ByteBuffer data) {
            requireOpen();
            sentCount.increment();
            if (stalled) {
                buffered.addAndGet(data.remaining());
            }
            if (echo) {
                listener.onBinary(data.duplicate());
            }
        }

        @Override
        public long bufferedBytes() {
            return open ? buffered.get() : 0;
        }

        /**
         * Simulates a peer that stops reading: from now on sent payload bytes accumulate in
         * {@link #bufferedBytes()} until {@link #flushWrites()}.
         *
         * @param stall whether writes stall
         */
        public void stallWrites(boolean stall) {
            this.stalled = stall;
        }

        /** Simulates the peer reading everything buffered: {@link #bufferedBytes()} drops to 0. */
        public void flushWrites() {
            buffered.set(0);
        }

        /**
         * Makes the simulated server echo every message at once, on the sending thread.
         *
         * @param enabled whether to echo
         */
        public void echo(boolean enabled) {
            this.echo = enabled;
        }

        private void requireOpen() {
            if (!open) {
                throw new IllegalStateException("in-memory connection to " + uri + " is not open");
            }
        }

        @Override
        public void ping(ByteBuffer payload) {
            if (open) {
                pingCount.increment();
                if (autoPong) {
                    listener.onPong(payload.duplicate()); // the peer echoes the ping's application data
                }
            }
        }

        /**
         * Simulates a pong the peer sends on its own (unsolicited, or answering a ping with other data).
         *
         * @param payload the pong's application data
         */
        public void pong(ByteBuffer payload) {
            if (open) {
                listener.onPong(payload.duplicate());
            }
        }

        @Override
        public void close(int code, String reason) {
            finish(code, reason, false, null);
        }

        @Override
        public void abort() {
            finish(1006, "aborted", false, null);
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        /**
         * Simulates the server closing the connection.
         *
         * @param code   the close code
         * @param reason the reason
         */
        public void peerClose(int code, String reason) {
            finish(code, reason, true, null);
        }

        /**
         * Simulates a connection that has died while its close callback is still on its way: it stops being open,
         * but the pool is not told. Finish it later with {@link #peerClose(int, String)}.
         */
        public void dieSilently() {
            open = false;
        }

        /**
         * Simulates a server message.
         *
         * @param text the message
         */
        public void receive(String text) {
            if (open) {
                listener.onText(text);
            }
        }

        /**
         * Simulates a binary server message.
         *
         * @param data the message
         */
        public void receive(ByteBuffer data) {
            if (open) {
                listener.onBinary(data);
            }
        }

        /**
         * Whether pings are answered with a pong at once (default {@code true}); {@code false} simulates a silent
         * peer.
         *
         * @param enabled whether to answer pings
         */
        public void autoPong(boolean enabled) {
            this.autoPong = enabled;
        }

        /**
         * @return texts sent on this connection (the first 10,000)
         */
        public List<String> sentTexts() {
            return List.copyOf(sentTexts);
        }

        /**
         * @return how many messages were sent, text and binary
         */
        public long sentCount() {
            return sentCount.sum();
        }

        /**
         * @return how many pings were sent
         */
        public long pingCount() {
            return pingCount.sum();
        }

        /**
         * @return the close code once finished (-1 for a failed connect), 0 while not finished
         */
        public int closeCode() {
            return closeCode;
        }

        /**
         * @return whether the connection is finished (closed or failed)
         */
        public boolean isFinished() {
            return finished.get();
        }
    }
}

package io.github.wspool.testkit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import javax.net.ServerSocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.Handshakedata;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small WebSocket server for integration tests, on {@code 127.0.0.1} and an ephemeral port.
 *
 * <p>Why not {@code org.java_websocket.server.WebSocketServer}: in Java-WebSocket 1.6.0 its selector write path
 * re-arms {@code OP_READ} without re-checking the connection's out queue, so a frame queued concurrently (typically
 * an echo) can stay unflushed and tests flake. This class drives the same protocol engine ({@link WebSocketImpl} in
 * the server role, {@link Draft_6455}) over blocking sockets instead: per connection, a reader thread feeds
 * {@code decode} and a writer thread blocks on the engine's out queue and writes every buffer, so none is lost.
 */
public final class TestWebSocketServer implements AutoCloseable {

    /** How the server treats connections accepted from now on. */
    public enum Behavior {
        /** Complete the upgrade and echo every text and binary message on the same connection. */
        ECHO,
        /** Answer the upgrade request with {@code 401 Unauthorized}, then close. */
        REJECT_401,
        /** Answer the upgrade request with {@code 503 Service Unavailable}, then close. */
        REJECT_503,
        /** Accept TCP, read and discard whatever arrives, never answer. */
        SILENT
    }

    /** The server side of one open WebSocket, for a {@link Responder}. */
    public interface Peer {
        /** Queues a text message to the client. */
        void send(String text);

        /** Queues a binary message to the client. */
        void send(ByteBuffer data);

        /** A number unique among this server's connections, in accept order from 1. */
        int number();
    }

    /** Decides what the server answers to a text message (instead of echoing it); runs on the connection's reader. */
    @FunctionalInterface
    public interface Responder {
        /**
         * @param peer the connection the message came on
         * @param text the message
         */
        void onText(Peer peer, String text);
    }

    private static final Logger LOG = LoggerFactory.getLogger(TestWebSocketServer.class);
    private static final String HOST = "127.0.0.1";
    private static final String HOST_V6 = "::1";
    private static final int MAX_REQUEST_HEAD = 16 * 1024;
    private static final int MAX_RECORDED_TEXTS = 10_000;
    private static final long STOP_TIMEOUT_MS = 5_000;
    private static final long WRITER_DRAIN_MS = 1_000;
    private static final int REJECT_LINGER_MS = 2_000;
    // Commands for a writer thread, put in the engine's out queue and compared by identity; never written.
    private static final ByteBuffer FLUSH_THEN_CLOSE = ByteBuffer.allocate(0);
    private static final ByteBuffer STOP_WRITER = ByteBuffer.allocate(0);

    private final ServerSocket serverSocket;
    private final String host; // the literal bound to
    private final boolean tls;
    private final int port;
    private final Thread acceptor;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile Behavior behavior;
    private volatile Responder responder;
    private volatile Predicate<Map<String, String>> handshakeGate;
    private volatile UnaryOperator<String> subprotocolChooser;
    private volatile java.util.function.Supplier<Draft> drafts = Draft_6455::new;
    private final List<Map<String, String>> handshakeHeaderLog = new CopyOnWriteArrayList<>();
    private final AtomicInteger gateRejections = new AtomicInteger();
    private final AtomicReference<String> lastTlsProtocol = new AtomicReference<>();
    private volatile boolean readingPaused;
    private final Object readGate = new Object();

    private final Set<Connection> connections = ConcurrentHashMap.newKeySet(); // every live socket
    private final Set<Connection> upgraded = ConcurrentHashMap.newKeySet(); // open WebSockets
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet(); // all started threads, joined by stop()
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger handshakes = new AtomicInteger();
    private final AtomicLong messages = new AtomicLong();
    private final List<String> texts = new ArrayList<>(); // guarded by itself
    private final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    private final AtomicReference<Map<String, String>> lastHeaders = new AtomicReference<>(Map.of());

    private TestWebSocketServer(Behavior behavior, int receiveBufferBytes, SSLContext tlsContext, String host,
                                int bindPort) throws IOException {
        this.behavior = Objects.requireNonNull(behavior, "behavior");
        this.host = host;
        this.tls = tlsContext != null;
        serverSocket = tls ? tlsContext.getServerSocketFactory().createServerSocket()
                : ServerSocketFactory.getDefault().createServerSocket();
        if (receiveBufferBytes > 0) {
            serverSocket.setReceiveBufferSize(receiveBufferBytes); // inherited by accepted sockets
        }
        serverSocket.bind(new InetSocketAddress(InetAddress.getByName(host), bindPort), 128);
        port = serverSocket.getLocalPort();
        acceptor = newThread(this::acceptLoop, "accept");
    }

    /** Starts an echoing server; returns once it listens. */
    public static TestWebSocketServer start() {
        return start(Behavior.ECHO);
    }

    /** Starts a server with the given behaviour; returns once it listens. */
    public static TestWebSocketServer start(Behavior behavior) {
        return start(behavior, 0);
    }

    /**
     * Starts a server whose accepted sockets have a small receive buffer, so that a client's writes back up soon
     * after {@link #pauseReading()}; returns once it listens.
     *
     * @param behavior           the behaviour
     * @param receiveBufferBytes SO_RCVBUF for accepted sockets (the kernel may round it), 0 for the default
     */
    public static TestWebSocketServer start(Behavior behavior, int receiveBufferBytes) {
        return start(behavior, receiveBufferBytes, null);
    }

    /**
     * Starts an echoing {@code wss://} server whose certificate comes from {@code serverContext}; returns once it
     * listens. The TLS handshake runs on each connection's reader thread.
     *
     * @param serverContext an SSL context with the server's key
     */
    public static TestWebSocketServer startTls(SSLContext serverContext) {
        return start(Behavior.ECHO, 0, Objects.requireNonNull(serverContext, "serverContext"));
    }

    /**
     * Starts an echoing server on the IPv6 loopback {@code ::1}; its URIs are {@code ws://[::1]:<port>/...}.
     *
     * @throws UncheckedIOException if this machine has no IPv6 loopback (see {@link #ipv6LoopbackAvailable()})
     */
    public static TestWebSocketServer startIpv6() {
        return start(Behavior.ECHO, 0, null, HOST_V6);
    }

    /** Like {@link #startTls(SSLContext)}, on the IPv6 loopback {@code ::1} ({@code wss://[::1]:<port>/...}). */
    public static TestWebSocketServer startTlsIpv6(SSLContext serverContext) {
        return start(Behavior.ECHO, 0, Objects.requireNonNull(serverContext, "serverContext"), HOST_V6);
    }

    /** Whether a socket can bind to {@code ::1} here. */
    public static boolean ipv6LoopbackAvailable() {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(HOST_V6), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static TestWebSocketServer start(Behavior behavior, int receiveBufferBytes, SSLContext tlsContext) {
        return start(behavior, receiveBufferBytes, tlsContext, HOST);
    }

    /**
     * Starts an echoing server on a given loopback address and port (Linux routes all of {@code 127/8} to the
     * loopback interface: several servers on {@code 127.0.0.1}, {@code 127.0.0.2}, ... can share one port, as the
     * addresses of one DNS name would); returns once it listens.
     *
     * @param host an address literal, e.g. {@code 127.0.0.2} or {@code ::1}
     * @param port the port, 0 for any
     * @throws UncheckedIOException if it cannot bind there
     */
    public static TestWebSocketServer startOn(String host, int port) {
        return start(Behavior.ECHO, 0, null, host, port);
    }

    /** Like {@link #startOn(String, int)}, over TLS with the certificate of {@code serverContext}. */
    public static TestWebSocketServer startTlsOn(SSLContext serverContext, String host, int port) {
        return start(Behavior.ECHO, 0, Objects.requireNonNull(serverContext, "serverContext"), host, port);
    }

    private static TestWebSocketServer start(Behavior behavior, int receiveBufferBytes, SSLContext tlsContext,
                                             String host) {
        return start(behavior, receiveBufferBytes, tlsContext, host, 0);
    }

    private static TestWebSocketServer start(Behavior behavior, int receiveBufferBytes, SSLContext tlsContext,
                                             String host, int port) {
        try {
            TestWebSocketServer server = new TestWebSocketServer(behavior, receiveBufferBytes, tlsContext, host, port);
            server.acceptor.start(); // already bound: early connects wait in the backlog
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a test WebSocket server on " + host, e);
        }
    }

    /** Changes the behaviour for connections accepted from now on; existing ones keep theirs. */
    public void behavior(Behavior newBehavior) {
        behavior = Objects.requireNonNull(newBehavior, "newBehavior");
    }

    /** {@code ws://127.0.0.1:<port>/}. */
    public URI uri() {
        return uri("/");
    }

    /**
     * {@code ws://127.0.0.1:<port><path>} ({@code wss://} for a TLS server, {@code [::1]} for an IPv6 one); a leading
     * {@code /} is added when missing.
     */
    public URI uri(String path) {
        String authority = host.contains(":") ? "[" + host + "]" : host;
        return URI.create((tls ? "wss://" : "ws://") + authority + ":" + port
                + (path.startsWith("/") ? path : "/" + path));
    }

    /** The port the server listens on. */
    public int port() {
        return port;
    }

    /**
     * Answers permessage-deflate offers from now on with Java-WebSocket's own {@code PerMessageDeflateExtension} (its
     * defaults: no context takeover either way, messages of 1 KiB and more compressed), for connections accepted
     * after this call.
     *
     * @return this
     */
    public TestWebSocketServer compressing() {
        drafts = () -> new Draft_6455(new org.java_websocket.extensions.permessage_deflate.PerMessageDeflateExtension());
        return this;
    }

    /** Connections whose upgrade completed and which have not closed yet (ECHO mode only). */
    public int openConnections() {
        return upgraded.size();
    }

    /** TCP connections accepted since start, in any mode. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** WebSocket upgrades completed since start. */
    public int completedHandshakes() {
        return handshakes.get();
    }

    /** Text and binary messages received since start. */
    public long messagesReceived() {
        return messages.get();
    }

    /** A copy of the text messages received, in arrival order (the first 10,000 only). */
    public List<String> receivedTexts() {
        synchronized (texts) {
            return List.copyOf(texts);
        }
    }

    /**
     * A copy of the codes of the close frames that clients initiated, in order. Answers to
     * {@link #closeAllConnections} are not read: like Java-WebSocket's own server, this one closes TCP as soon
     * as its close frame is written.
     */
    public List<Integer> closeCodesReceived() {
        return List.copyOf(closeCodes);
    }

    /** Headers of the most recent upgrade request, names lower-cased; empty before the first one. */
    public Map<String, String> lastHandshakeHeaders() {
        return lastHeaders.get();
    }

    /** Headers of every upgrade request that reached the gate or the engine, in order, names lower-cased. */
    public List<Map<String, String>> handshakeHeaderLog() {
        return List.copyOf(handshakeHeaderLog);
    }

    /**
     * From now on, upgrade requests whose headers (names lower-cased) fail {@code gate} are answered with
     * {@code 401 Unauthorized}; {@code null} accepts every request again.
     */
    public void handshakeGate(Predicate<Map<String, String>> gate) {
        this.handshakeGate = gate;
    }

    /** Upgrade requests the {@link #handshakeGate} refused. */
    public int gateRejections() {
        return gateRejections.get();
    }

    /**
     * From now on, the server answers with the subprotocol {@code chooser} returns for the request's
     * {@code Sec-WebSocket-Protocol} value ({@code ""} when absent); a {@code null} or empty answer selects none.
     */
    public void subprotocolChooser(UnaryOperator<String> chooser) {
        this.subprotocolChooser = chooser;
    }

    /** The TLS protocol (e.g. {@code TLSv1.3}) of the most recent TLS handshake, or {@code null}. */
    public String lastTlsProtocol() {
        return lastTlsProtocol.get();
    }

    /**
     * Replaces echoing: from now on every text message is given to {@code responder}, which may answer any number of
     * times, later, or never ({@code null} restores echoing). Binary messages are still echoed.
     */
    public void responder(Responder responder) {
        this.responder = responder;
    }

    /** Sends {@code text} to every open WebSocket (an unsolicited server push). */
    public void pushToAll(String text) {
        for (Connection c : upgraded) {
            c.send(text);
        }
    }

    /**
     * Stops reading from every connection (their reader threads wait before the next read), so that what clients
     * send piles up in socket buffers and then in the clients' own queues. {@link #resumeReading()} goes on.
     */
    public void pauseReading() {
        readingPaused = true;
    }

    /** Reads again after {@link #pauseReading()}. */
    public void resumeReading() {
        synchronized (readGate) {
            readingPaused = false;
            readGate.notifyAll();
        }
    }

    private void awaitReading() {
        synchronized (readGate) {
            while (readingPaused && !stopped.get()) {
                try {
                    readGate.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Sends a close frame with {@code code} on every open WebSocket (a server-initiated close). */
    public void closeAllConnections(int code) {
        for (Connection c : upgraded) {
            c.engine.close(code, "closed by test server");
        }
    }

    /** Abruptly closes every connection's socket, without a close frame. */
    public void dropAllConnections() {
        for (Connection c : connections) {
            closeQuietly(c.socket);
        }
    }

    /** Closes the server socket and every connection, then waits (5 s at most) for all its threads. Idempotent. */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        resumeReading();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_TIMEOUT_MS);
        closeQuietly(serverSocket);
        join(acceptor, deadline); // from here on no connection is added
        for (Connection c : connections) {
            closeQuietly(c.socket); // unblocks reads and writes
            if (c.writer != null) {
                c.writer.interrupt(); // unblocks outQueue.take()
            }
        }
        for (Thread t : threads) {
            join(t, deadline);
            if (t.isAlive()) {
                LOG.warn("{} did not end within {} ms", t.getName(), STOP_TIMEOUT_MS);
            }
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    private void acceptLoop() {
        int n = 0;
        while (!stopped.get()) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (!stopped.get()) {
                    LOG.warn("test-ws-server-{}: accept failed, accepting no more connections", port, e);
                }
                return;
            }
            accepted.incrementAndGet();
            if (stopped.get()) {
                closeQuietly(socket);
                return;
            }
            threads.removeIf(t -> !t.isAlive()); // forget ended threads; stop() joins the others
            new Connection(socket, ++n, behavior).start();
        }
    }

    private Thread newThread(Runnable body, String suffix) {
        Thread t = new Thread(body, "test-ws-server-" + port + "-" + suffix);
        t.setDaemon(true);
        threads.add(t);
        return t;
    }

    /** One accepted socket; in ECHO mode also the listener of its protocol engine. */
    private final class Connection extends WebSocketAdapter implements Peer {
        private final Socket socket;
        private final int number;
        private final Behavior mode;
        private final WebSocketImpl engine; // ECHO only
        private final Thread reader;
        private final Thread writer; // ECHO only

        Connection(Socket socket, int n, Behavior mode) {
            this.socket = socket;
            this.number = n;
            this.mode = mode;
            boolean echo = mode == Behavior.ECHO;
            engine = echo ? new WebSocketImpl(this, List.of(drafts.get())) : null;
            reader = newThread(this::readLoop, "conn-" + n + "-read");
            writer = echo ? newThread(this::writeLoop, "conn-" + n + "-write") : null;
        }

        void start() {
            connections.add(this);
            reader.start();
            if (writer != null) {
                writer.start();
            }
        }

        private void readLoop() {
            try {
                if (socket instanceof SSLSocket ssl) {
                    ssl.startHandshake();
                    lastTlsProtocol.set(ssl.getSession().getProtocol());
                }
                InputStream in = socket.getInputStream();
                switch (mode) {
                    case ECHO -> gateThenFeedEngine(in);
                    case REJECT_401 -> reject(in, "401 Unauthorized");
                    case REJECT_503 -> reject(in, "503 Service Unavailable");
                    case SILENT -> discard(in);
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: read side ended: {}", reader.getName(), e.toString());
            } finally {
                if (engine != null) {
                    engine.eot(); // no-op if closed already; else fires onWebsocketClose, which stops the writer
                    awaitWriter();
                }
                closeQuietly(socket);
                connections.remove(this);
            }
        }

        /** With a {@link #handshakeGate}: reads the request head, answers 401 or hands the head to the engine. */
        private void gateThenFeedEngine(InputStream raw) throws IOException {
            Predicate<Map<String, String>> gate = handshakeGate;
            if (gate == null) {
                feedEngine(raw);
                return;
            }
            InputStream in = new BufferedInputStream(raw);
            byte[] head = readRequestHead(in);
            Map<String, String> headers = parseHeaders(head);
            handshakeHeaderLog.add(headers);
            if (!gate.test(headers)) {
                gateRejections.incrementAndGet();
                respondAndLinger(in, "401 Unauthorized");
                return;
            }
            engine.decode(ByteBuffer.wrap(head));
            feedEngine(in);
        }

        private void feedEngine(InputStream in) throws IOException {
            byte[] buf = new byte[16 * 1024];
            int n;
            while (true) {
                awaitReading();
                if ((n = in.read(buf)) == -1) {
                    break;
                }
                // Once flushing for close, the engine ignores input anyway (and must not re-parse a rejected
                // handshake); keep reading all the same, so that EOF or the socket's close ends this loop.
                if (n > 0 && !engine.isFlushAndClose() && !engine.isClosed()) {
                    engine.decode(ByteBuffer.wrap(buf, 0, n));
                }
            }
        }

        private void reject(InputStream raw, String status) throws IOException {
            InputStream in = new BufferedInputStream(raw);
            skipRequestHead(in);
            respondAndLinger(in, status);
        }

        private void respondAndLinger(InputStream in, String status) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Half-close, then drain for a while: closing with unread input would make the kernel send RST,
            // which can destroy the response before the client has read it.
            socket.shutdownOutput();
            socket.setSoTimeout(REJECT_LINGER_MS);
            discard(in);
        }

        private void writeLoop() {
            try {
                OutputStream out = socket.getOutputStream();
                while (true) {
                    ByteBuffer buf = engine.outQueue.take();
                    if (buf == STOP_WRITER) {
                        return;
                    }
                    if (buf == FLUSH_THEN_CLOSE) {
                        engine.closeConnection(); // all that was queued before the close is written by now
                        return;
                    }
                    out.write(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
                    out.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                LOG.debug("{}: write failed: {}", writer.getName(), e.toString());
            } finally {
                closeQuietly(socket); // wakes the reader, which reports EOF to the engine
            }
        }

        /** Gives the writer a moment to drain what is queued, then makes sure it ends. */
        private void awaitWriter() {
            try {
                writer.join(WRITER_DRAIN_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            writer.interrupt();
        }

        @Override
        public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket conn, Draft draft,
                ClientHandshake request) throws InvalidDataException {
            ServerHandshakeBuilder response = super.onWebsocketHandshakeReceivedAsServer(conn, draft, request);
            Map<String, String> headers = new LinkedHashMap<>();
            for (Iterator<String> it = request.iterateHttpFields(); it.hasNext(); ) {
                String name = it.next();
                headers.put(name.toLowerCase(Locale.ROOT), request.getFieldValue(name));
            }
            lastHeaders.set(Collections.unmodifiableMap(headers));
            if (handshakeGate == null) {
                handshakeHeaderLog.add(Collections.unmodifiableMap(headers));
            }
            UnaryOperator<String> chooser = subprotocolChooser;
            if (chooser != null) {
                String chosen = chooser.apply(request.getFieldValue("Sec-WebSocket-Protocol"));
                if (chosen != null && !chosen.isEmpty()) {
                    response.put("Sec-WebSocket-Protocol", chosen);
                }
            }
            return response;
        }

        @Override
        public void onWebsocketOpen(WebSocket conn, Handshakedata handshake) {
            handshakes.incrementAndGet();
            upgraded.add(this);
        }

        @Override
        public void onWebsocketMessage(WebSocket conn, String message) {
            messages.incrementAndGet(); // record before echoing: a client that sees the echo sees the count
            synchronized (texts) {
                if (texts.size() < MAX_RECORDED_TEXTS) {
                    texts.add(message);
                }
            }
            Responder r = responder;
            if (r != null) {
                r.onText(this, message);
                return;
            }
            send(message);
        }

        @Override
        public void send(String text) {
            try {
                engine.send(text);
            } catch (WebsocketNotConnectedException e) {
                // closing concurrently: nobody to send to
            }
        }

        @Override
        public void send(ByteBuffer data) {
            try {
                engine.send(data);
            } catch (WebsocketNotConnectedException e) {
                // closing concurrently: nobody to send to
            }
        }

        @Override
        public int number() {
            return number;
        }

        @Override
        public void onWebsocketMessage(WebSocket conn, ByteBuffer blob) {
            messages.incrementAndGet();
            try {
                conn.send(blob);
            } catch (WebsocketNotConnectedException e) {
                // closing concurrently: nobody to echo to
            }
        }

        @Override
        public void onWebsocketCloseInitiated(WebSocket conn, int code, String reason) {
            // nothing to record: the close frame is queued and onWebsocketClosing follows
        }

        @Override
        public void onWebsocketClosing(WebSocket conn, int code, String reason, boolean remote) {
            if (remote) {
                closeCodes.add(code); // the client sent a close frame; the engine has queued its answer
            }
            // The engine is in flushAndClose: close the connection once everything queued so far is written.
            engine.outQueue.add(FLUSH_THEN_CLOSE);
        }

        @Override
        public void onWebsocketClose(WebSocket conn, int code, String reason, boolean remote) {
            upgraded.remove(this);
            engine.outQueue.add(STOP_WRITER); // the writer ends after what is queued, closing the socket
        }

        @Override
        public void onWebsocketError(WebSocket conn, Exception ex) {
            LOG.debug("{}: engine error: {}", reader.getName(), ex.toString());
        }

        @Override
        public void onWriteDemand(WebSocket conn) {
            // nothing to do: the writer thread blocks on engine.outQueue
        }

        @Override
        public InetSocketAddress getLocalSocketAddress(WebSocket conn) {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public InetSocketAddress getRemoteSocketAddress(WebSocket conn) {
            return (InetSocketAddress) socket.getRemoteSocketAddress();
        }
    }

    /** Reads up to the blank line that ends an HTTP request head, EOF, or 16 KiB, whichever comes first. */
    private static void skipRequestHead(InputStream in) throws IOException {
        readRequestHead(in);
    }

    /** Reads an HTTP request head up to and including its blank line (16 KiB at most). */
    private static byte[] readRequestHead(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        String terminator = "\r\n\r\n";
        int matched = 0;
        for (int i = 0; i < MAX_REQUEST_HEAD && matched < terminator.length(); i++) {
            int b = in.read();
            if (b < 0) {
                break; // EOF: what there is
            }
            head.write(b);
            matched = b == terminator.charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toByteArray();
    }

    private static Map<String, String> parseHeaders(byte[] head) {
        Map<String, String> headers = new LinkedHashMap<>();
        String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        return Collections.unmodifiableMap(headers);
    }

    private static void discard(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        while (in.read(buf) != -1) {
            // discard
        }
    }

    private static void join(Thread t, long deadlineNanos) {
        try {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // nothing useful to do about it in a test server
        }
    }
}

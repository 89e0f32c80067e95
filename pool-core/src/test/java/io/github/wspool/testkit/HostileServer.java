package io.github.wspool.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A misbehaving server on raw sockets ({@code 127.0.0.1}, ephemeral port), for the hostile-peer tests: it writes
 * exactly the bytes each {@link Mode} calls for, with no WebSocket library in between, and records what the client
 * sent back (close codes) and what it wrote. Every loop is bounded in bytes, and {@link #close()} ends all threads.
 */
public final class HostileServer implements AutoCloseable {

    /** What the server does with each accepted connection. */
    public enum Mode {
        /** Answers the upgrade request with bytes that are not HTTP, ended by a blank line. */
        GARBAGE_RESPONSE,
        /** Starts a {@code 101} response and then sends header lines without end (bounded at 8 MiB). */
        ENDLESS_HEADER,
        /** Sends the first two lines of a {@code 101} response, then nothing. */
        PARTIAL_HANDSHAKE,
        /** Accepts TCP, reads the request, never writes a byte. */
        SILENT,
        /** Completes the upgrade, then sends a frame header declaring a 2^62-byte binary message. */
        OVERSIZE_FRAME,
        /** Completes the upgrade, then sends one text message as 64 KiB fragments without end (bounded at 8 MiB). */
        OVERSIZE_FRAGMENTS,
        /** Completes the upgrade, then sends 16 KiB text messages as fast as the socket takes them (bounded). */
        FLOOD,
        /** Completes the upgrade, answers nothing, and never answers a close frame or closes the socket itself. */
        IGNORES_CLOSE,
        /** Does what its {@link Script} says ({@link HostileServer#start(Script)}). */
        SCRIPTED
    }

    /**
     * A scripted connection: the bytes the server writes, in one write, once it has read the upgrade request, and how
     * it answers the client's frames afterwards. Build the bytes with {@link #upgrade(String)}, {@link #frame},
     * {@link #header} and {@link #concat}.
     */
    public interface Script {
        /**
         * What to write once the request is read, in a single write (so a 101 response and a frame share a TCP
         * segment).
         *
         * @param requestHead the client's request line and headers
         * @return the bytes, usually {@code concat(upgrade(requestHead), frame(...), ...)}
         */
        byte[] response(String requestHead);

        /**
         * What to write when the client pings with {@code payload}: by default the pong echoing it.
         *
         * @param payload the ping's application data
         * @return the bytes to write, or {@code null} for none
         */
        default byte[] answerPing(byte[] payload) {
            return frame(0x8A, payload);
        }

        /**
         * What to write when the client sends a text message: nothing by default.
         *
         * @param text the message
         * @return the bytes to write, or {@code null} for none
         */
        default byte[] answerText(String text) {
            return null;
        }

        /**
         * Whether the client's close frame is answered (and the socket then closed), as a server should; if not, the
         * server keeps reading until the client closes the TCP connection.
         *
         * @return {@code true} by default
         */
        default boolean answersClose() {
            return true;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(HostileServer.class);
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int FRAGMENT = 64 * 1024;
    private static final int FLOOD_MESSAGE = 16 * 1024;
    private static final long STREAM_LIMIT = 8L << 20;

    private final Mode mode;
    private final long floodLimitBytes;
    private final ServerSocket serverSocket;
    private final Thread acceptor;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong messagesWritten = new AtomicLong();
    private final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    private final AtomicLong writtenBeforeFirstClose = new AtomicLong(-1);
    private final Script script;
    private final List<String> requestHeads = new CopyOnWriteArrayList<>();
    private final AtomicInteger pingsReceived = new AtomicInteger();
    private final AtomicInteger pongsReceived = new AtomicInteger();
    private final AtomicLong firstResponseAt = new AtomicLong(); // nanoTime + 1, 0 until written
    private final AtomicLong firstClientCloseAt = new AtomicLong(); // nanoTime + 1, 0 until seen
    private volatile boolean stopped;

    private HostileServer(Mode mode, long floodLimitBytes, Script script, InetAddress bind) throws IOException {
        this.mode = mode;
        this.floodLimitBytes = floodLimitBytes;
        this.script = script;
        serverSocket = new ServerSocket();
        serverSocket.bind(new InetSocketAddress(bind, 0), 64);
        acceptor = thread(this::acceptLoop, "accept");
    }

    /** Starts a server in {@code mode}; returns once it listens. */
    public static HostileServer start(Mode mode) {
        return start(mode, 64L << 20);
    }

    /**
     * Starts a server in {@code mode}; in {@link Mode#FLOOD} it stops after {@code floodLimitBytes} of messages per
     * connection.
     */
    public static HostileServer start(Mode mode, long floodLimitBytes) {
        if (mode == Mode.SCRIPTED) {
            throw new IllegalArgumentException("a scripted server starts with start(Script)");
        }
        return start(mode, floodLimitBytes, null, "127.0.0.1");
    }

    /** Starts a server on {@code 127.0.0.1} that serves every connection by {@code script}; returns once it listens. */
    public static HostileServer start(Script script) {
        return start(script, "127.0.0.1");
    }

    /**
     * Starts a server on {@code bindAddress} ({@code "::1"} for IPv6 loopback) that serves every connection by
     * {@code script}; returns once it listens.
     */
    public static HostileServer start(Script script, String bindAddress) {
        return start(Mode.SCRIPTED, 0, script, bindAddress);
    }

    private static HostileServer start(Mode mode, long floodLimitBytes, Script script, String bindAddress) {
        try {
            HostileServer s = new HostileServer(mode, floodLimitBytes, script, InetAddress.getByName(bindAddress));
            s.acceptor.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ws://127.0.0.1:<port>/hostile} (or {@code ws://[::1]:<port>/hostile} when bound there). */
    public URI uri() {
        String host = serverSocket.getInetAddress().getHostAddress();
        return URI.create("ws://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + serverSocket.getLocalPort()
                + "/hostile");
    }

    /** The socket address the server listens on. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    /** The request heads (request line and headers) clients sent, in order. */
    public List<String> requestHeads() {
        return List.copyOf(requestHeads);
    }

    /** Pings clients sent (scripted mode). */
    public int pingsReceived() {
        return pingsReceived.get();
    }

    /** Pongs clients sent (scripted mode). */
    public int pongsReceived() {
        return pongsReceived.get();
    }

    /**
     * For the first connection (scripted mode): how long after the server wrote its response the client closed its
     * side of the TCP connection (end of stream or reset), in milliseconds; -1 until then.
     */
    public long firstClientCloseMillisAfterResponse() {
        long written = firstResponseAt.get();
        long closed = firstClientCloseAt.get();
        return written == 0 || closed == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(closed - written);
    }

    /** TCP connections accepted. */
    public int accepted() {
        return accepted.get();
    }

    /** Accepted sockets not closed yet (a socket closes when the client closes its side, or on {@link #close()}). */
    public int openSockets() {
        return sockets.size();
    }

    /** Bytes written to clients after the upgrade (FLOOD, OVERSIZE_FRAGMENTS). */
    public long bytesWritten() {
        return written.get();
    }

    /** Complete messages written in FLOOD mode. */
    public long messagesWritten() {
        return messagesWritten.get();
    }

    /** Bytes the first connection had written when its client's close frame arrived; -1 before that. */
    public long writtenBeforeFirstClose() {
        return writtenBeforeFirstClose.get();
    }

    /** Status codes of the close frames clients sent, in order. */
    public List<Integer> closeCodes() {
        return List.copyOf(closeCodes);
    }

    /** Closes the listening socket and every connection, and waits (5 s at most) for all threads. */
    @Override
    public void close() {
        stopped = true;
        closeQuietly(serverSocket);
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void acceptLoop() {
        int n = 0;
        while (!stopped) {
            try {
                Socket s = serverSocket.accept();
                accepted.incrementAndGet();
                sockets.add(s);
                int id = ++n;
                thread(() -> serve(s, id), "conn-" + id).start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket, int id) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            String head = readRequestHead(in);
            requestHeads.add(head);
            String key = requestKey(head);
            switch (mode) {
                case GARBAGE_RESPONSE -> {
                    out.write("SSH-2.0-OpenSSH_9.6\r\n\u0000\u0001\u0002 this is not HTTP\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    drain(in);
                }
                case ENDLESS_HEADER -> {
                    out.write("HTTP/1.1 101 Switching Protocols\r\n".getBytes(StandardCharsets.US_ASCII));
                    byte[] line = ("X-Padding: " + "x".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    for (long sent = 0; sent < STREAM_LIMIT && !stopped; sent += line.length) {
                        out.write(line);
                    }
                    drain(in);
                }
                case PARTIAL_HANDSHAKE -> {
                    out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    drain(in);
                }
                case SILENT -> drain(in);
                case SCRIPTED -> {
                    socket.setTcpNoDelay(true);
                    out.write(script.response(head)); // one write: the 101 and what follows share a segment
                    out.flush();
                    firstResponseAt.compareAndSet(0, System.nanoTime() + 1);
                    readFrames(socket, in, id == 1);
                }
                default -> {
                    upgrade(out, key);
                    Thread reader = thread(() -> readFrames(socket, in, false), "conn-" + id + "-read");
                    reader.start();
                    misbehave(out);
                    reader.join(); // until the client closes its side or the server stops
                }
            }
        } catch (IOException e) {
            LOG.debug("hostile connection {} ended: {}", id, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sockets.remove(socket);
        }
    }

    private void misbehave(OutputStream out) throws IOException {
        switch (mode) {
            case OVERSIZE_FRAME -> {
                byte[] header = {(byte) 0x82, 127, 0x40, 0, 0, 0, 0, 0, 0, 0}; // binary, fin, length 2^62
                out.write(header);
                out.write(new byte[1024]);
                out.flush();
            }
            case OVERSIZE_FRAGMENTS -> {
                byte[] payload = new byte[FRAGMENT];
                Arrays.fill(payload, (byte) 'a');
                writeFrame(out, 0x01, false, payload); // text, not fin
                for (long sent = FRAGMENT; sent < STREAM_LIMIT && !stopped; sent += FRAGMENT) {
                    writeFrame(out, 0x00, false, payload); // continuation, not fin: never ends
                }
            }
            case FLOOD -> {
                byte[] payload = new byte[FLOOD_MESSAGE];
                Arrays.fill(payload, (byte) 'f');
                for (long n = 0; written.get() < floodLimitBytes && !stopped; n++) {
                    byte[] seq = String.format(Locale.ROOT, "%010d", n).getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(seq, 0, payload, 0, seq.length);
                    writeFrame(out, 0x01, true, payload);
                    messagesWritten.incrementAndGet();
                }
            }
            default -> {
                // IGNORES_CLOSE: says nothing
            }
        }
    }

    private void writeFrame(OutputStream out, int opcode, boolean fin, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 10);
        frame.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            frame.write(payload.length);
        } else if (payload.length < 65536) {
            frame.write(126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        } else {
            frame.write(127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) (((long) payload.length >>> shift) & 0xff));
            }
        }
        frame.write(payload);
        frame.writeTo(out);
        out.flush();
        written.addAndGet(frame.size());
    }

    /**
     * Reads the client's frames, recording close codes; answers a close frame unless in IGNORES_CLOSE or told not to
     * by the script, and in scripted mode pings and texts as the script says.
     */
    private void readFrames(Socket socket, InputStream raw, boolean first) {
        DataInputStream in = new DataInputStream(raw);
        try {
            while (true) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                long len = b1 & 0x7f;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                byte[] mask = new byte[4];
                if ((b1 & 0x80) != 0) {
                    in.readFully(mask);
                }
                if (len > (1 << 20)) {
                    in.skipNBytes(len);
                    continue;
                }
                byte[] payload = new byte[(int) len];
                in.readFully(payload);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i % 4];
                }
                int opcode = b0 & 0x0f;
                if (opcode == 0x8) {
                    writtenBeforeFirstClose.compareAndSet(-1, written.get());
                    closeCodes.add(payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005);
                    if (mode != Mode.IGNORES_CLOSE && (script == null || script.answersClose())) {
                        socket.getOutputStream().write(new byte[] {(byte) 0x88, 2, payload[0], payload[1]});
                        socket.close();
                        return;
                    }
                } else if (script != null && opcode == 0x9) {
                    pingsReceived.incrementAndGet();
                    answer(socket, script.answerPing(payload));
                } else if (script != null && opcode == 0xA) {
                    pongsReceived.incrementAndGet();
                } else if (script != null && opcode == 0x1) {
                    answer(socket, script.answerText(new String(payload, StandardCharsets.UTF_8)));
                }
            }
        } catch (EOFException e) {
            clientClosed(first); // the client closed its side
        } catch (IOException e) {
            clientClosed(first); // reset, or closed by close()
            LOG.debug("hostile reader ended: {}", e.toString());
        } finally {
            closeQuietly(socket); // ends a writer blocked on a full socket, too
        }
    }

    private void clientClosed(boolean first) {
        if (first && !stopped) {
            firstClientCloseAt.compareAndSet(0, System.nanoTime() + 1);
        }
    }

    private static void answer(Socket socket, byte[] bytes) throws IOException {
        if (bytes != null && bytes.length > 0) {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        }
    }

    // ------------------------------------------------------------------------------------------------ script helpers

    /**
     * The {@code 101} response that accepts {@code requestHead}'s upgrade.
     *
     * @param requestHead the client's request line and headers
     * @return the response's bytes
     */
    public static byte[] upgrade(String requestHead) {
        return upgradeResponse(requestKey(requestHead));
    }

    /**
     * An unmasked frame.
     *
     * @param firstByte FIN, RSV1-3 and the opcode, e.g. {@code 0x81} for a final text frame
     * @param payload   the payload
     * @return the frame's bytes
     */
    public static byte[] frame(int firstByte, byte[] payload) {
        return concat(header(firstByte, payload.length), payload);
    }

    /**
     * A frame masked with {@code key}, as only a client may send it.
     *
     * @param firstByte FIN, RSV1-3 and the opcode
     * @param payload   the payload, unmasked
     * @param key       the 4-byte masking key
     * @return the frame's bytes
     */
    public static byte[] maskedFrame(int firstByte, byte[] payload, byte[] key) {
        byte[] h = header(firstByte, payload.length);
        h[1] |= (byte) 0x80;
        byte[] masked = payload.clone();
        for (int i = 0; i < masked.length; i++) {
            masked[i] ^= key[i % 4];
        }
        return concat(h, key, masked);
    }

    /**
     * A final text frame.
     *
     * @param text the message
     * @return the frame's bytes
     */
    public static byte[] text(String text) {
        return frame(0x81, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A frame header declaring {@code length} payload bytes (unmasked), whether or not they follow.
     *
     * @param firstByte FIN, RSV1-3 and the opcode
     * @param length    the declared payload length
     * @return the header's bytes
     */
    public static byte[] header(int firstByte, long length) {
        ByteArrayOutputStream h = new ByteArrayOutputStream(10);
        h.write(firstByte);
        if (length < 126) {
            h.write((int) length);
        } else if (length < 65536) {
            h.write(126);
            h.write((int) (length >>> 8));
            h.write((int) (length & 0xff));
        } else {
            h.write(127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                h.write((int) ((length >>> shift) & 0xff));
            }
        }
        return h.toByteArray();
    }

    /**
     * The parts, one after the other.
     *
     * @param parts byte arrays
     * @return their concatenation
     */
    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    private static String readRequestHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int matched = 0;
        String end = "\r\n\r\n";
        while (matched < end.length() && head.length() < 16 * 1024) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("request ended early");
            }
            head.append((char) b);
            matched = b == end.charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString();
    }

    private static String requestKey(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Sec-WebSocket-Key")) {
                return line.substring(colon + 1).trim();
            }
        }
        return "";
    }

    private static void upgrade(OutputStream out, String key) throws IOException {
        out.write(upgradeResponse(key));
        out.flush();
    }

    private static byte[] upgradeResponse(String key) {
        return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + acceptKey(key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The {@code Sec-WebSocket-Accept} answer to a client's {@code Sec-WebSocket-Key} (RFC 6455 4.2.2), for the test
     * kit's hand-written servers.
     *
     * @param key the client's key
     * @return the answer
     */
    static String acceptKey(String key) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        while (in.read(buf) != -1) {
            // discard until the client closes
        }
    }

    private Thread thread(Runnable body, String suffix) {
        Thread t = new Thread(body, "hostile-server-" + suffix);
        t.setDaemon(true);
        threads.add(t);
        return t;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do in a test server
        }
    }
}

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
        IGNORES_CLOSE
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
    private volatile boolean stopped;

    private HostileServer(Mode mode, long floodLimitBytes) throws IOException {
        this.mode = mode;
        this.floodLimitBytes = floodLimitBytes;
        serverSocket = new ServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
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
        try {
            HostileServer s = new HostileServer(mode, floodLimitBytes);
            s.acceptor.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ws://127.0.0.1:<port>/hostile}. */
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + serverSocket.getLocalPort() + "/hostile");
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
            String key = readRequestKey(in);
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
                default -> {
                    upgrade(out, key);
                    Thread reader = thread(() -> readFrames(socket, in), "conn-" + id + "-read");
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

    /** Reads the client's frames, recording close codes; answers a close frame unless in IGNORES_CLOSE. */
    private void readFrames(Socket socket, InputStream raw) {
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
                if ((b0 & 0x0f) == 0x8) {
                    writtenBeforeFirstClose.compareAndSet(-1, written.get());
                    closeCodes.add(payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005);
                    if (mode != Mode.IGNORES_CLOSE) {
                        socket.getOutputStream().write(new byte[] {(byte) 0x88, 2, payload[0], payload[1]});
                        socket.close();
                        return;
                    }
                }
            }
        } catch (EOFException e) {
            // the client closed its side
        } catch (IOException e) {
            LOG.debug("hostile reader ended: {}", e.toString());
        } finally {
            closeQuietly(socket); // ends a writer blocked on a full socket, too
        }
    }

    private static String readRequestKey(InputStream in) throws IOException {
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
        for (String line : head.toString().split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Sec-WebSocket-Key")) {
                return line.substring(colon + 1).trim();
            }
        }
        return "";
    }

    private static void upgrade(OutputStream out, String key) throws IOException {
        String accept;
        try {
            accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
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

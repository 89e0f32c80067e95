package io.github.wspool.testkit;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A WebSocket server on raw sockets ({@code 127.0.0.1}) that reads slowly: after the upgrade it reads at most
 * {@code bytesPerSecond} until {@link #speedUp()}, then as fast as the client writes, until the client's close frame
 * or the end of the stream. Its receive buffer is small, so the kernel holds little for it: a client sending faster
 * than it reads fills its own queue. It never answers a close frame (the client's close times out) and writes nothing
 * after the upgrade. It counts every complete text message it read, and keeps them, so a test can compare what
 * arrived with what the client was told was written. {@link #startTls} serves {@code wss://} instead, reading the
 * decrypted stream just as slowly.
 */
public final class SlowReader implements AutoCloseable {

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** Bounds every connection's reading: at most this many bytes in all. */
    private static final long MAX_BYTES = 64L << 20;

    private final ServerSocket server;
    private final int bytesPerSecond;
    private final boolean tls;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectionsEnded = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean fast;
    private volatile boolean closed;

    private SlowReader(int bytesPerSecond, SSLContext serverContext) throws IOException {
        this.bytesPerSecond = bytesPerSecond;
        this.tls = serverContext != null;
        this.server = tls ? serverContext.getServerSocketFactory().createServerSocket() : new ServerSocket();
        server.setReceiveBufferSize(4096); // accepted sockets inherit it: the kernel holds little for a slow reader
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.acceptor = new Thread(this::acceptLoop, "slow-reader-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a server that reads {@code bytesPerSecond} until {@link #speedUp()}.
     *
     * @param bytesPerSecond the slow phase's rate
     * @return the running server
     * @throws IOException if the port cannot be bound
     */
    public static SlowReader start(int bytesPerSecond) throws IOException {
        return new SlowReader(bytesPerSecond, null);
    }

    /**
     * Like {@link #start(int)}, over TLS: a {@code wss://} server whose certificate comes from {@code serverContext}
     * (the handshake runs on the connection's thread).
     *
     * @param bytesPerSecond the slow phase's rate, of decrypted bytes
     * @param serverContext  an SSL context with the server's key
     * @return the running server
     * @throws IOException if the port cannot be bound
     */
    public static SlowReader startTls(int bytesPerSecond, SSLContext serverContext) throws IOException {
        return new SlowReader(bytesPerSecond, serverContext);
    }

    /**
     * The server's {@code ws://} URI ({@code wss://} for {@link #startTls}).
     *
     * @return the URI
     */
    public URI uri() {
        return URI.create((tls ? "wss" : "ws") + "://127.0.0.1:" + server.getLocalPort() + "/");
    }

    /** From now on, reads as fast as the client writes. */
    public void speedUp() {
        fast = true;
    }

    /**
     * Text messages read so far, complete ones only, in order of arrival.
     *
     * @return the messages
     */
    public List<String> messages() {
        return messages;
    }

    /**
     * Connections whose reading ended (the client's close frame, the end of the stream, or a reset).
     *
     * @return the count
     */
    public int connectionsEnded() {
        return connectionsEnded.get();
    }

    /**
     * Connections accepted.
     *
     * @return the count
     */
    public int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "slow-reader-" + accepted.get());
                t.setDaemon(true);
                threads.add(t);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream raw = s.getInputStream();
            OutputStream out = s.getOutputStream();
            String key = readUpgradeKey(raw);
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            DataInputStream in = new DataInputStream(new BufferedInputStream(new Throttled(raw), 512));
            readFrames(in);
        } catch (EOFException e) {
            // the client closed mid-frame: the partial message does not count
        } catch (IOException e) {
            // reset, or closed by close()
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            connectionsEnded.incrementAndGet();
        }
    }

    /** Reads the upgrade request byte by byte (nothing past its blank line is consumed); returns its key. */
    private static String readUpgradeKey(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0 || head.length() > 16_384) {
                throw new EOFException("no upgrade request");
            }
            head.append((char) b);
        }
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        throw new IOException("no Sec-WebSocket-Key");
    }

    private void readFrames(DataInputStream in) throws IOException {
        StringBuilder fragments = null;
        while (!closed) {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            int opcode = b0 & 0x0F;
            long len = b1 & 0x7F;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            if (len > MAX_BYTES) {
                throw new IOException("frame too long: " + len);
            }
            byte[] mask = new byte[4];
            if ((b1 & 0x80) != 0) {
                in.readFully(mask);
            }
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            if (opcode == 8) {
                return; // the client's close frame: nothing follows it
            }
            boolean fin = (b0 & 0x80) != 0;
            if (opcode == 1 || opcode == 0 && fragments != null) {
                String part = new String(payload, StandardCharsets.UTF_8);
                if (fin && fragments == null) {
                    messages.add(part);
                } else {
                    fragments = fragments == null ? new StringBuilder() : fragments;
                    fragments.append(part);
                    if (fin) {
                        messages.add(fragments.toString());
                        fragments = null;
                    }
                }
            }
        }
    }

    /** Reads at most {@code bytesPerSecond} (in 10 slices a second) until {@link #speedUp()}. */
    private final class Throttled extends InputStream {

        private final InputStream in;
        private long total;

        Throttled(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (total > MAX_BYTES) {
                throw new IOException("read bound reached");
            }
            if (!fast) {
                int slice = Math.max(1, bytesPerSecond / 10);
                try {
                    Thread.sleep(100); // the pacing of a slow reader, not a wait for a condition
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
                len = Math.min(len, slice);
            }
            int n = in.read(b, off, len);
            if (n > 0) {
                total += n;
            }
            return n;
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        for (Thread t : threads) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

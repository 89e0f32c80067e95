package io.github.wspool.testkit;

import java.io.ByteArrayOutputStream;
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
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A hand-written WebSocket server that speaks permessage-deflate (RFC 7692) on blocking sockets, to test a client's
 * compression against a server that does what the RFC allows and a hostile one does what it should not.
 *
 * <p>It answers the upgrade with the {@code Sec-WebSocket-Extensions} value it was started with (any text, valid or
 * not; {@code null} for none) and records each offer. Each client message is inflated with a <em>fresh</em> inflater
 * (the client promised {@code client_no_context_takeover}: a message that refers back to an earlier one fails here,
 * and is counted). Text messages are commands:
 * <ul>
 *   <li>{@code bomb:N}: answers with one compressed frame that inflates to N bytes ({@code N} zeros deflate to about
 *       N/1000 bytes), and says how long the frame was ({@link #lastBombBytes()});</li>
 *   <li>{@code frag:<json>}: answers with the JSON compressed and cut into three frames, a ping between the first and
 *       the second;</li>
 *   <li>{@code corrupt}: answers with a frame marked compressed whose payload is not deflate data;</li>
 *   <li>{@code plain:<json>}: echoes the JSON uncompressed;</li>
 *   <li>anything else is echoed compressed (whatever its size), with the server's context kept between messages
 *       unless the answer holds {@code server_no_context_takeover}.</li>
 * </ul>
 */
public final class DeflateServer implements AutoCloseable {

    private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    private final ServerSocket server;
    private final String answer;
    private final boolean keepContext;
    private final Thread acceptor;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final List<String> offers = new CopyOnWriteArrayList<>();
    private final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    private final List<String> closeReasons = new CopyOnWriteArrayList<>();
    private final AtomicInteger compressedIn = new AtomicInteger();
    private final AtomicInteger plainIn = new AtomicInteger();
    private final AtomicInteger badClientMessages = new AtomicInteger();
    private final AtomicInteger opened = new AtomicInteger();
    private volatile boolean closed;
    private volatile int lastBombBytes;

    private DeflateServer(String answer) throws IOException {
        this.answer = answer;
        this.keepContext = answer == null || !answer.toLowerCase(Locale.ROOT).contains("server_no_context_takeover");
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = new Thread(this::acceptLoop, "deflate-server-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a server that answers every upgrade with this {@code Sec-WebSocket-Extensions} value.
     *
     * @param extensionsAnswer e.g. {@code "permessage-deflate"}; {@code null} to decline compression
     * @return the running server
     */
    public static DeflateServer start(String extensionsAnswer) {
        try {
            return new DeflateServer(extensionsAnswer);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code ws://127.0.0.1:<port>/deflate}. */
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/deflate");
    }

    /** Every {@code Sec-WebSocket-Extensions} offer received ({@code ""} when a request had none). */
    public List<String> offers() {
        return List.copyOf(offers);
    }

    /** Close codes the clients sent. */
    public List<Integer> closeCodes() {
        return List.copyOf(closeCodes);
    }

    /** Close reasons the clients sent, in the order of {@link #closeCodes()}. */
    public List<String> closeReasons() {
        return List.copyOf(closeReasons);
    }

    /** Client messages that arrived compressed (RSV1). */
    public int compressedIn() {
        return compressedIn.get();
    }

    /** Client messages that arrived uncompressed. */
    public int plainIn() {
        return plainIn.get();
    }

    /** Compressed client messages that did not inflate on their own (context kept despite the promise). */
    public int badClientMessages() {
        return badClientMessages.get();
    }

    /** The compressed size of the last bomb sent. */
    public int lastBombBytes() {
        return lastBombBytes;
    }

    /** Upgrades completed. */
    public int opened() {
        return opened.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(s);
            Thread t = new Thread(() -> serve(s), "deflate-server-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket s) {
        try (s; InputStream rawIn = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(rawIn);
            String key = null;
            String offer = "";
            for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    String value = line.substring(colon + 1).trim();
                    if (name.equals("sec-websocket-key")) {
                        key = value;
                    } else if (name.equals("sec-websocket-extensions")) {
                        offer = value;
                    }
                }
            }
            offers.add(offer);
            String accept = HostileServer.acceptKey(key);
            String response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept + "\r\n"
                    + (answer != null && !offer.isEmpty() ? "Sec-WebSocket-Extensions: " + answer + "\r\n" : "")
                    + "\r\n";
            out.write(response.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            opened.incrementAndGet();
            Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            boolean compressed = false;
            int opcode = 0;
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
                in.readFully(mask);
                byte[] payload = new byte[(int) len];
                in.readFully(payload);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i & 3];
                }
                int op = b0 & 0x0f;
                if (op == 8) {
                    closeReasons.add(payload.length > 2
                            ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "");
                    closeCodes.add(payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005);
                    writeFrame(out, 0x88, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]);
                    return;
                }
                if (op == 9) {
                    writeFrame(out, 0x8A, payload);
                    continue;
                }
                if (op == 10) {
                    continue;
                }
                if (op != 0) {
                    opcode = op;
                    compressed = (b0 & 0x40) != 0;
                    message.reset();
                }
                message.write(payload);
                if ((b0 & 0x80) == 0) {
                    continue;
                }
                byte[] data = message.toByteArray();
                if (compressed) {
                    compressedIn.incrementAndGet();
                    try {
                        data = inflate(data);
                    } catch (DataFormatException e) {
                        badClientMessages.incrementAndGet();
                        continue;
                    }
                } else {
                    plainIn.incrementAndGet();
                }
                if (opcode == 2) {
                    writeFrame(out, 0x82, data);
                    continue;
                }
                respond(out, new String(data, StandardCharsets.UTF_8), deflater);
            }
        } catch (EOFException | java.net.SocketException e) {
            // client gone
        } catch (IOException e) {
            // test server: the connection ends
        } finally {
            sockets.remove(s);
        }
    }

    private void respond(OutputStream out, String text, Deflater deflater) throws IOException {
        if (text.startsWith("bomb:")) {
            int size = Integer.parseInt(text.substring(5));
            Deflater fresh = new Deflater(Deflater.BEST_COMPRESSION, true);
            fresh.setInput(new byte[size]);
            byte[] z = compress(fresh);
            fresh.end();
            lastBombBytes = z.length;
            writeFrame(out, 0xC1, z);
        } else if (text.startsWith("frag:")) {
            byte[] z = compress(deflater, text.substring(5).getBytes(StandardCharsets.UTF_8));
            int a = z.length / 3;
            int b = 2 * z.length / 3;
            writeFrame(out, 0x41, java.util.Arrays.copyOfRange(z, 0, a)); // text, RSV1, not fin
            writeFrame(out, 0x89, "between".getBytes(StandardCharsets.US_ASCII)); // ping
            writeFrame(out, 0x00, java.util.Arrays.copyOfRange(z, a, b)); // continuation
            writeFrame(out, 0x80, java.util.Arrays.copyOfRange(z, b, z.length)); // continuation, fin
        } else if (text.equals("corrupt")) {
            writeFrame(out, 0xC1, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x12, 0x34});
        } else if (text.startsWith("plain:")) {
            writeFrame(out, 0x81, text.substring(6).getBytes(StandardCharsets.UTF_8));
        } else {
            writeFrame(out, 0xC1, compress(deflater, text.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private byte[] compress(Deflater deflater, byte[] data) {
        deflater.setInput(data);
        byte[] z = compress(deflater);
        if (!keepContext) {
            deflater.reset();
        }
        return z;
    }

    /** Deflates the deflater's input with a sync flush, without the trailing empty block (RFC 7692 7.2.1). */
    private static byte[] compress(Deflater deflater) {
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        int n;
        do {
            n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            z.write(buf, 0, n);
        } while (n == buf.length);
        byte[] bytes = z.toByteArray();
        return java.util.Arrays.copyOf(bytes, bytes.length - TAIL.length);
    }

    private static byte[] inflate(byte[] data) throws DataFormatException {
        Inflater inflater = new Inflater(true);
        try {
            byte[] input = java.util.Arrays.copyOf(data, data.length + TAIL.length);
            System.arraycopy(TAIL, 0, input, data.length, TAIL.length);
            inflater.setInput(input);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inflater.needsInput()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.finished() || inflater.needsDictionary())) {
                    break;
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } finally {
            inflater.end();
        }
    }

    private static void writeFrame(OutputStream out, int b0, byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 10);
        f.write(b0);
        if (payload.length < 126) {
            f.write(payload.length);
        } else if (payload.length < 65536) {
            f.write(126);
            f.write(payload.length >>> 8);
            f.write(payload.length);
        } else {
            f.write(127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) payload.length >>> (8 * i)));
            }
        }
        f.write(payload);
        synchronized (out) {
            out.write(f.toByteArray());
            out.flush();
        }
    }

    private static String readLine(DataInputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        if (c == -1) {
            throw new EOFException();
        }
        return line.toString();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

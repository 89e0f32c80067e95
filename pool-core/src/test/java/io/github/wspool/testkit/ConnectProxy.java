package io.github.wspool.testkit;

import java.io.ByteArrayOutputStream;
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
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP {@code CONNECT} proxy on 127.0.0.1 for tests: it reads the request line and headers, optionally
 * checks Basic credentials ({@code 407} with {@code Proxy-Authenticate: Basic realm="test"} when they are missing or
 * wrong), records the authorities it was asked for, connects to the authority (names in {@link #alias} first, so
 * that made-up names reach loopback servers without DNS) and splices bytes both ways. Other modes answer nothing
 * ({@link Mode#HANG}) or refuse with a fixed status ({@link Mode#REFUSE}). Thread per direction per connection, all
 * daemons; {@link #close()} closes every socket.
 */
public final class ConnectProxy implements AutoCloseable {

    /** What the proxy does with a CONNECT. */
    public enum Mode {
        /** Checks credentials if required, then {@code 200} and splices. */
        TUNNEL,
        /** Reads the request and never answers. */
        HANG,
        /** Answers with {@link #refuseWith(int, String)}'s status and closes. */
        REFUSE
    }

    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final List<String> authorities = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final Map<String, String> aliases = new ConcurrentHashMap<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger tunnels = new AtomicInteger();
    private final AtomicInteger requestsRead = new AtomicInteger();
    private volatile Mode mode = Mode.TUNNEL;
    private volatile String expectedAuthorization; // null: no credentials required
    private volatile String refusal = "HTTP/1.1 403 Forbidden";
    private volatile byte[] extraAfterHead = new byte[0];
    private volatile boolean closed;

    private ConnectProxy() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "connect-proxy-" + server.getLocalPort() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a tunnelling proxy that asks for no credentials. */
    public static ConnectProxy start() {
        try {
            return new ConnectProxy();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Requires these Basic credentials from now on. */
    public ConnectProxy requireCredentials(String user, String password) {
        expectedAuthorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Switches what the proxy does with the next CONNECTs. */
    public ConnectProxy mode(Mode newMode) {
        this.mode = newMode;
        return this;
    }

    /** {@link Mode#REFUSE} with this status line, e.g. {@code refuseWith(502, "Bad Gateway")}. */
    public ConnectProxy refuseWith(int status, String reason) {
        this.refusal = "HTTP/1.1 " + status + " " + reason;
        this.mode = Mode.REFUSE;
        return this;
    }

    /** Connects CONNECTs for {@code host} to 127.0.0.1 instead of resolving it. */
    public ConnectProxy alias(String host) {
        aliases.put(host.toLowerCase(Locale.ROOT), "127.0.0.1");
        return this;
    }

    /** Bytes written right after the {@code 200} head, as if the origin had spoken first. */
    public ConnectProxy afterHead(byte[] bytes) {
        this.extraAfterHead = bytes.clone();
        return this;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** {@code http://user:password@127.0.0.1:<port>}, user-info percent-encoded by the caller. */
    public URI uri(String rawUserInfo) {
        return URI.create("http://" + rawUserInfo + "@127.0.0.1:" + port());
    }

    /** The proxy's port. */
    public int port() {
        return server.getLocalPort();
    }

    /** The authorities CONNECTs named, in order. */
    public List<String> authorities() {
        return List.copyOf(authorities);
    }

    /** The {@code Proxy-Authorization} values received, one per CONNECT ({@code ""} for none). */
    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    /** TCP connections accepted. */
    public int accepted() {
        return accepted.get();
    }

    /** CONNECT requests read whole. */
    public int requestsRead() {
        return requestsRead.get();
    }

    /** Tunnels opened (200 sent). */
    public int tunnels() {
        return tunnels.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            sockets.add(client);
            start("connect-proxy-conn", () -> handle(client));
        }
    }

    private void handle(Socket client) {
        try {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            if (head == null) {
                closeQuietly(client);
                return;
            }
            String[] lines = head.split("\r\n");
            String[] request = lines[0].split(" ");
            String authorization = "";
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0 && lines[i].substring(0, colon).trim().equalsIgnoreCase("Proxy-Authorization")) {
                    authorization = lines[i].substring(colon + 1).trim();
                }
            }
            authorities.add(request.length > 1 ? request[1] : "");
            authorizations.add(authorization);
            requestsRead.incrementAndGet();
            Mode m = mode;
            if (m == Mode.HANG) {
                return; // the socket stays open, unanswered, until the client gives up or close()
            }
            if (m == Mode.REFUSE || !request[0].equals("CONNECT") || request.length != 3) {
                answer(out, refusal + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                closeQuietly(client);
                return;
            }
            String expected = expectedAuthorization;
            if (expected != null && !expected.equals(authorization)) {
                answer(out, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\""
                        + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                closeQuietly(client);
                return;
            }
            String authority = request[1];
            int colon = authority.lastIndexOf(':');
            String host = authority.substring(0, colon);
            int port = Integer.parseInt(authority.substring(colon + 1));
            String target = aliases.getOrDefault(host.toLowerCase(Locale.ROOT), host);
            Socket origin = new Socket();
            sockets.add(origin);
            try {
                origin.connect(new InetSocketAddress(target.startsWith("[") ? target.substring(1, target.length() - 1)
                        : target, port), 5000);
            } catch (IOException e) {
                answer(out, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
                closeQuietly(client);
                closeQuietly(origin);
                return;
            }
            tunnels.incrementAndGet();
            byte[] ok = "HTTP/1.1 200 Connection established\r\nProxy-Agent: test\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1);
            byte[] extra = extraAfterHead;
            byte[] both = new byte[ok.length + extra.length];
            System.arraycopy(ok, 0, both, 0, ok.length);
            System.arraycopy(extra, 0, both, ok.length, extra.length);
            out.write(both); // one write: the extra bytes arrive with the head
            out.flush();
            start("connect-proxy-up", () -> splice(client, origin));
            splice(origin, client);
        } catch (IOException | RuntimeException e) {
            closeQuietly(client);
        }
    }

    private static void answer(OutputStream out, String response) throws IOException {
        out.write(response.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** The request head, up to its blank line, read a byte at a time; {@code null} if the client closed first. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : b == '\r' ? 1 : 0;
            if (head.size() > 16 * 1024) {
                return null;
            }
        }
        String s = head.toString(StandardCharsets.ISO_8859_1);
        return s.substring(0, s.length() - 4);
    }

    private void splice(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void start(String name, Runnable task) {
        Thread t = new Thread(task, name + "-" + port());
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // gone either way
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closed either way
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}

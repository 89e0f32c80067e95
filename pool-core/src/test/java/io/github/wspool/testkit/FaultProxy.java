package io.github.wspool.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small TCP proxy on 127.0.0.1 for fault injection between a client and a loopback server: it forwards, or
 * blackholes (keeps sockets open, drops bytes), or delays, and on demand closes (FIN), resets (RST) or refuses
 * connections. Thread per direction per connection; every thread is a daemon and {@link #close()} joins them.
 */
public final class FaultProxy implements AutoCloseable {

    /** What happens to bytes and new connections. */
    public enum Mode {
        /** Bytes pass both ways. */
        FORWARD,
        /** Connections stay open, bytes are read and dropped both ways: a silent peer. */
        BLACKHOLE,
        /** New connections are closed at once (like a server that is down but whose port still accepts). */
        REFUSE
    }

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    /** The client side of each forwarded connection that is open (a subset of {@link #sockets}). */
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong bytesUp = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong bytesDown = new java.util.concurrent.atomic.AtomicLong();
    private volatile Mode mode = Mode.FORWARD;
    private volatile long delayMillis;
    private volatile boolean closed;

    private FaultProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "fault-proxy-" + server.getLocalPort() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a proxy in front of {@code targetPort} on 127.0.0.1. */
    public static FaultProxy to(int targetPort) {
        try {
            return new FaultProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ws://127.0.0.1:<proxy port><path>}. */
    public URI uri(String path) {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort() + (path.startsWith("/") ? path : "/" + path));
    }

    /** Switches what happens from now on, to connections already open too. */
    public void mode(Mode newMode) {
        this.mode = newMode;
    }

    /** Delays every forwarded chunk by this long (0 = none). */
    public void delay(long millis) {
        this.delayMillis = millis;
    }

    /** Bytes forwarded from the client to the server so far. */
    public long bytesUp() {
        return bytesUp.get();
    }

    /** Bytes forwarded from the server to the client so far. */
    public long bytesDown() {
        return bytesDown.get();
    }

    /** TCP connections accepted so far. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Closes every open connection with FIN, both sides. */
    public void closeAll() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    /**
     * Resets every open connection (RST: SO_LINGER 0), both sides.
     *
     * @return how many client connections were open and got the reset
     */
    public int resetAll() {
        int reset = 0;
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0);
            } catch (IOException e) {
                // already closed
            }
            if (clients.contains(s)) {
                reset++;
            }
            closeQuietly(s);
        }
        return reset;
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
            if (mode == Mode.REFUSE) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket();
                upstream.connect(target, 2_000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                clients.add(client);
                pipe(client, upstream, "up");
                pipe(upstream, client, "down");
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pipe(Socket from, Socket to, String direction) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) != -1) {
                    if (mode == Mode.BLACKHOLE) {
                        continue; // read and drop: the peer sees an open, silent connection
                    }
                    long delay = delayMillis;
                    if (delay > 0) {
                        TimeUnit.MILLISECONDS.sleep(delay);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                    ("up".equals(direction) ? bytesUp : bytesDown).addAndGet(n);
                }
            } catch (IOException | InterruptedException e) {
                // connection over
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
                clients.remove(from);
                clients.remove(to);
            }
        }, "fault-proxy-" + server.getLocalPort() + "-" + direction);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** Stops accepting, closes every connection and joins every thread (bounded). */
    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        closeAll();
        try {
            acceptor.join(2_000);
            for (Thread t : threads) {
                t.join(2_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}

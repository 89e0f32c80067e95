package io.github.wspool.core.internal.transport.jws;

import io.github.wspool.core.internal.transport.AddressResolver;
import io.github.wspool.core.internal.transport.ProxyTunnel;
import io.github.wspool.core.spi.TlsOptions;
import java.io.IOException;
import java.time.Duration;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.SocketFactory;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The socket factory of one connection: it hands Java-WebSocket a socket it has already connected, and can be
 * aborted at any moment, before the socket exists (the client loop's {@code createSocket()} fails) or after (the
 * socket is closed). Java-WebSocket creates its socket inside its own loop, so without this an abort that lands before
 * the socket exists would be lost and leave the loop running.
 *
 * <p><b>Connecting.</b> Java-WebSocket connects to the first address of the host only. Here every address the
 * connect's preparation resolved ({@link io.github.wspool.core.internal.transport.ConnectPreparation}) is tried in
 * turn until one accepts, each with an equal share of what is left of the
 * connect timeout ({@link AddressResolver#attemptNanos}), so the whole TCP connect stays within it. A plain connection
 * gets a {@link HandshakeBoundedSocket}.
 *
 * <p><b>Through a proxy.</b> The addresses are the proxy's; once one accepts, the {@code CONNECT} exchange
 * ({@link ProxyTunnel#exchange}) runs on the raw socket, within what is left of the connect timeout, and on a
 * {@code 2xx} the socket is the endpoint's, TLS and all, as on a direct connect. A failure on the way (no proxy
 * address accepts, a refusal, no answer in time, an abort meanwhile) is a
 * {@link io.github.wspool.ProxyConnectException} naming the proxy.
 *
 * <p><b>TLS.</b> A {@code wss://} connection gets a plain socket with TLS layered on it for the URI's host, or the
 * server name DNS discovery found the address by (SNI and hostname verification name it, never the address), configured with the pool's {@link TlsOptions} (its
 * parameters, then the library's hostname verification, endpoint identification {@code HTTPS}, unless explicitly
 * turned off), and its handshake completed here, on the client's own thread, before the library starts its reader
 * and writer (left to them, both race into the handshake, and when the reader loses it reports a bare close without
 * the {@code SSLHandshakeException}). The library gets it wrapped in a {@link TlsSocket}, so that its write thread
 * writes plaintext frames the connection's {@link FrameLedger} sees. An abort closes the TCP socket under the TLS one:
 * closing the TLS socket would wait to send its close_notify behind a write blocked on a server that does not read.
 */
final class AbortableSocketFactory extends SocketFactory {

    private final URI uri;
    private final TlsOptions tls; // null for ws://
    private final FrameLedger ledger;
    private final Duration connectTimeout;
    /** The name TLS sends (SNI) and verifies the certificate against: the server's name, or the URI's host. */
    private final String serverName;
    /** Set before the client loop starts, by the connection's thread that then runs it. */
    private List<InetSocketAddress> addresses = List.of();
    private long deadlineNanos;
    private ProxyTunnel tunnel; // null for a direct connect; set with the addresses
    private final ReentrantLock lock = new ReentrantLock();
    private Socket socket; // guarded by lock: the socket being connected, or the connected one
    private boolean aborted; // guarded by lock

    /**
     * @param uri the endpoint
     * @param tls    layers TLS on the connected socket for {@code wss://}; {@code null} for {@code ws://}
     * @param ledger told of every frame written to the socket's output
     * @param connectTimeout for the message of a proxy that does not answer in time
     * @param serverName the server's name for TLS (the URI's host, or the name DNS discovery found it by)
     */
    AbortableSocketFactory(URI uri, TlsOptions tls, FrameLedger ledger, Duration connectTimeout,
                           String serverName) {
        this.uri = uri;
        this.serverName = serverName;
        this.tls = tls;
        this.ledger = ledger;
        this.connectTimeout = connectTimeout;
    }

    /**
     * What the connect's preparation resolved, and when the connect must be done with. Called on the connection's
     * thread before it runs the client loop (which calls {@link #createSocket()} on the same thread).
     *
     * @param resolved      the addresses to try, in order (the proxy's, with a proxy); at least one
     * @param deadlineNanos the {@link System#nanoTime()} by which TCP must be connected, all addresses together, and
     *                      a proxy must have answered {@code CONNECT}
     * @param through       the proxy's exchange, or {@code null} for a direct connect
     */
    void prepared(List<InetSocketAddress> resolved, long deadlineNanos, ProxyTunnel through) {
        this.addresses = List.copyOf(resolved);
        this.deadlineNanos = deadlineNanos;
        this.tunnel = through;
    }

    /** Connects to the first address that accepts; throws the last failure (earlier ones suppressed) if none does. */
    @Override
    public Socket createSocket() throws IOException {
        long deadline = deadlineNanos;
        String host = uri.getHost();
        int port = AddressResolver.port(uri);
        if (addresses.isEmpty()) {
            throw new UnknownHostException(host + ": no address");
        }
        IOException failure = null;
        for (int i = 0; i < addresses.size(); i++) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                failure = suppressing(new SocketTimeoutException("connect timed out after trying " + i + " of "
                        + addresses.size() + " addresses"), failure);
                break;
            }
            Socket s = track(tls == null ? new HandshakeBoundedSocket(ledger) : new Socket());
            long millis = TimeUnit.NANOSECONDS.toMillis(AddressResolver.attemptNanos(left, addresses.size() - i));
            try {
                s.connect(addresses.get(i), (int) Math.max(1, Math.min(Integer.MAX_VALUE, millis)));
            } catch (IOException e) {
                closeQuietly(s);
                if (isAborted()) {
                    throw new IOException("connect aborted", e);
                }
                failure = suppressing(e, failure);
                continue;
            }
            if (tunnel != null) {
                tunnel(s, tunnel);
            }
            return tls == null ? s : secure(s, serverName != null ? serverName : withoutBrackets(host), port);
        }
        if (tunnel != null) {
            throw tunnel.unreachable(failure);
        }
        throw failure;
    }

    /** The proxy's CONNECT on the connected socket {@code s}, on its raw streams; closes it if that fails. */
    private void tunnel(Socket s, ProxyTunnel t) throws IOException {
        try {
            if (s instanceof HandshakeBoundedSocket bounded) {
                t.exchange(s, bounded.rawInput(), bounded.rawOutput(), deadlineNanos, connectTimeout);
            } else {
                t.exchange(s, s.getInputStream(), s.getOutputStream(), deadlineNanos, connectTimeout);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            if (isAborted()) {
                throw t.aborted();
            }
            throw e;
        }
    }

    /**
     * Layers TLS on the connected {@code plain} socket, configures it and completes its handshake; an abort
     * meanwhile closes {@code plain}, which fails the handshake.
     */
    private Socket secure(Socket plain, String host, int port) throws IOException {
        try {
            SSLSocket ssl = (SSLSocket) tls.socketFactory().createSocket(plain, host, port, true);
            SSLParameters parameters = ssl.getSSLParameters();
            tls.configure(parameters);
            if (tls.verifyHostname()) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // as the library's onSetSSLParameters does
            }
            ssl.setSSLParameters(parameters);
            ssl.startHandshake();
            return new TlsSocket(ssl, ledger);
        } catch (IOException | RuntimeException e) {
            closeQuietly(plain);
            if (isAborted()) {
                throw new IOException("connect aborted", e);
            }
            throw e;
        }
    }

    private static IOException suppressing(IOException latest, IOException earlier) {
        if (earlier != null) {
            latest.addSuppressed(earlier);
        }
        return latest;
    }

    /** An IPv6 literal as TLS wants it (SNI is left out for an address, and the certificate's IP entry checked). */
    private static String withoutBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** Makes {@code s} the socket an abort closes; closes it and fails if the connect was aborted already. */
    private Socket track(Socket s) throws IOException {
        lock.lock();
        try {
            if (!aborted) {
                socket = s;
                return s;
            }
        } finally {
            lock.unlock();
        }
        closeQuietly(s);
        throw new IOException("connect aborted");
    }

    private boolean isAborted() {
        lock.lock();
        try {
            return aborted;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the socket if it exists, and refuses to create one later. */
    void abort() {
        Socket s;
        lock.lock();
        try {
            aborted = true;
            s = socket;
        } finally {
            lock.unlock();
        }
        if (s != null) {
            closeQuietly(s);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // the socket is unusable either way
        }
    }

    @Override
    public Socket createSocket(String host, int port) {
        throw new UnsupportedOperationException("only the connection's own socket is created here");
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) {
        throw new UnsupportedOperationException("only the connection's own socket is created here");
    }

    @Override
    public Socket createSocket(InetAddress host, int port) {
        throw new UnsupportedOperationException("only the connection's own socket is created here");
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) {
        throw new UnsupportedOperationException("only the connection's own socket is created here");
    }
}

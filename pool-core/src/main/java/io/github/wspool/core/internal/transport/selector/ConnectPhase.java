package io.github.wspool.core.internal.transport.selector;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.core.internal.transport.AddressResolver;
import io.github.wspool.core.internal.transport.BoundedDraft;
import io.github.wspool.core.internal.transport.ConnectPreparation;
import io.github.wspool.core.internal.transport.ProxyTunnel;
import io.github.wspool.ProxyConnectException;
import io.github.wspool.core.spi.LocalConnectException;
import io.github.wspool.core.spi.TransportOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.java_websocket.exceptions.InvalidDataException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one {@link SelectorConnection} gets open: from the transport's {@code connect} to the server's answer to the
 * upgrade request. Its own class because none of it matters once the connection is open, and the open connection's
 * reading, writing and closing read better without it.
 *
 * <ol>
 *   <li>Preparation, on a connector thread: the upgrade headers (a header supplier may block) and DNS, time-boxed by
 *       the connect timeout ({@link ConnectPreparation}: past it the connect fails as a local fault and the thread is
 *       interrupted), then the upgrade request and the TLS engine. Then the hand-over to the loop
 *       ({@link SelectorLoop#execute}: a happens-before edge for what was prepared).</li>
 *   <li>TCP, on the loop: every address the host resolves to ({@link AddressResolver}) is tried in turn until one
 *       accepts, each but the last with an equal share of what is left of the connect timeout, so one that never
 *       answers leaves time for the others. The connection owns the channel ({@link SelectorConnection#openChannel});
 *       this class decides which address and for how long.</li>
 *   <li>Through a proxy ({@link ProxyTunnel}): the TCP connect above goes to the proxy's addresses, then the
 *       {@code CONNECT} request is written and the proxy's answer read, both bounded by the connect timeout (reads
 *       and writes go to {@link #tunnelReadable}/{@link #tunnelWritable} meanwhile). On {@code 2xx} the connect goes
 *       on as a direct one does on that channel; bytes the proxy sent after its head go to the layer above.</li>
 *   <li>TLS, if {@code wss://}: {@link TlsSession#begin}, for the endpoint's host (SNI, host name verification);
 *       it calls {@link #upgrade()} once established.</li>
 *   <li>The opening handshake: the upgrade request goes to the engine, which writes it like any frame; the response
 *       is bounded ({@link #responseFits}). The engine reports the outcome through the connection's callbacks
 *       ({@code onWebsocketOpen}, or a close).</li>
 * </ol>
 * A failure at any step ends the connection through {@link SelectorConnection#finish} or
 * {@link SelectorConnection#failed}, which report it to the pool once.
 */
final class ConnectPhase {

    private static final Logger log = LoggerFactory.getLogger(SelectorConnection.class); // the connection's category

    private final SelectorConnection connection;
    private final SelectorLoop loop;
    private final URI uri;
    private final TransportOptions options;
    /** Header supplier and DNS, time-boxed by the connect timeout, on a connector thread. */
    /** Until the connection is open ({@link #opened()}); then {@code null}. */
    private volatile ConnectPreparation preparation;
    /** nanoTime by which TCP must be connected, all addresses together (the preparation's deadline too). */
    private final long deadline;

    // Set by the connector in prepared(), read by the loop after execute() (a happens-before edge).
    private List<InetSocketAddress> addresses;
    private UpgradeRequest handshake; // until it is sent
    private UpgradeRequest sent; // from then until the connection is open
    private ProxyTunnel tunnel; // null for a direct connect

    // Loop thread only.
    private boolean tcpPending;
    private int nextAddress; // index of the next address to try
    private Exception connectFailure; // the last address's failure, earlier ones suppressed
    private long responseBytes; // bytes given to the engine before the handshake completed
    private boolean tunnelling; // connected to the proxy, its answer to CONNECT not complete yet
    private ByteBuffer tunnelRequest; // the CONNECT request's bytes not written yet, or null
    private SelectorLoop.Deadline connectDeadline; // the connect timeout's, cancelled once open
    private SelectorLoop.Deadline attemptDeadline; // the current address's share of it, if there are more

    /**
     * What an open connection keeps in place of its connect phase ({@link SelectorConnection#onWebsocketOpen}): no
     * TCP connect pending, no tunnel, nothing to give up. One for all connections, so that an open connection keeps
     * none of its own.
     */
    static final ConnectPhase OPEN = new ConnectPhase();

    private ConnectPhase() {
        this.connection = null;
        this.loop = null;
        this.uri = null;
        this.options = null;
        this.deadline = 0;
    }

    ConnectPhase(SelectorConnection connection, SelectorLoop loop, URI uri, TransportOptions options,
                 AddressResolver resolver) {
        this.connection = connection;
        this.loop = loop;
        this.uri = uri;
        this.options = options;
        this.preparation = new ConnectPreparation(uri, options, resolver, this::prepared);
        this.deadline = preparation.deadlineNanos();
    }

    /**
     * Starts the connect: the {@linkplain ConnectPreparation preparation} (header supplier, DNS) on a connector
     * thread, and its deadline on the loop. Called once, by the transport's {@code connect}.
     *
     * @param connectors the transport's elastic connector threads
     * @throws RejectedExecutionException if they are shut down
     */
    void start(Executor connectors) {
        if (!loop.execute(() -> connectDeadline = loop.deadline(deadline, this::deadlinePassed))) {
            throw new RejectedExecutionException("transport closed");
        }
        preparation.start(connectors);
    }

    /**
     * Gives the preparation up (the connection is aborted): the thread running it is interrupted if it is still
     * running.
     *
     * @return the local fault to report if the header supplier or DNS was still running, else {@code null}
     */
    LocalConnectException giveUp() {
        ConnectPreparation p = preparation;
        return p == null ? null : p.giveUp(true);
    }

    /**
     * The connection is open: lets go of what only the connect needed (the preparation and its result, the
     * addresses, the proxy tunnel, the upgrade request's fields), about 700 bytes of every open connection. Loop
     * thread.
     */
    void opened() {
        if (this == OPEN) {
            return;
        }
        preparation = null;
        addresses = null;
        tunnel = null;
        if (sent != null) {
            sent.release();
            sent = null;
        }
        loop.cancel(connectDeadline); // else it keeps this object alive for the rest of the connect timeout
        loop.cancel(attemptDeadline);
        connectDeadline = null;
        attemptDeadline = null;
    }

    /** Whether a TCP connect is in progress (OP_CONNECT is what to select on). Loop thread. */
    boolean tcpPending() {
        return tcpPending;
    }

    /** Whether the proxy's answer to CONNECT is awaited: reads and writes are the tunnel's. Loop thread. */
    boolean tunnelling() {
        return tunnelling;
    }

    /** The failure to report for a connect aborted before it was through the proxy, or {@code null}. Loop thread. */
    ProxyConnectException abortedAtProxy() {
        ProxyTunnel t = tunnel;
        return t != null && (tunnelling || tcpPending) ? t.aborted() : null;
    }

    /**
     * The preparation's task ended: on the connector thread that ran it, everything else that may block (the TLS
     * engine), then the hand-over to the loop. Nothing if the preparation was given up (the loop's deadline, or an
     * abort, already reported the connect).
     */
    private void prepared() {
        if (!preparation.claim()) {
            return;
        }
        if (connection.isAborted() || connection.isFinished()) {
            finishFromOutside(-1, "connect aborted", null);
            return;
        }
        try {
            ConnectPreparation.Prepared p = preparation.result();
            UpgradeRequest h = new UpgradeRequest();
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            h.setResourceDescriptor(uri.getRawQuery() != null ? path + '?' + uri.getRawQuery() : path);
            h.put("Host", AddressResolver.hostHeader(uri, options.serverName()));
            p.headers().forEach(h::put);
            handshake = h;
            addresses = p.addresses();
            tunnel = p.tunnel();
            if (AddressResolver.secure(uri)) {
                connection.useTls(new TlsSession(options.tls().newClientEngine(options.serverNameFor(uri),
                        AddressResolver.port(uri)), connection));
            }
        } catch (EndpointConnectException e) {
            finishFromOutside(-1, e.getMessage(), e);
            return;
        } catch (Exception e) {
            finishFromOutside(-1, String.valueOf(e.getMessage()), e);
            return;
        } catch (Throwable e) { // an Error: the connect is reported before it goes on up
            finishFromOutside(-1, String.valueOf(e.getMessage()), e);
            throw e;
        }
        if (!loop.execute(this::register)) {
            finishFromOutside(-1, "transport closed", new IllegalStateException("transport closed"));
        }
    }

    /**
     * The connect timeout passed. If the header supplier or DNS is still running, the connect fails now as a local
     * fault ({@link LocalConnectException}) and the preparing thread is interrupted. If the proxy has not accepted the
     * TCP connect or answered CONNECT yet, the connect fails now, naming the proxy. Loop thread.
     */
    private void deadlinePassed() {
        ConnectPreparation p = preparation;
        if (p == null) {
            return; // open: the connect is long over
        }
        LocalConnectException late = p.giveUp(false);
        if (late != null && !connection.isFinished()) {
            log.debug("connect to {} failed: {}", Endpoint.describe(uri), late.getMessage());
            connection.finish(-1, late.getMessage(), false, late);
        } else if (late == null && !connection.isFinished() && tunnel != null && (tunnelling || tcpPending)) {
            connection.failed(tcpPending ? tunnel.unreachable(new SocketTimeoutException("connect timed out after "
                    + options.connectTimeout().toMillis() + " ms (connectTimeout)")) : tunnel.timedOut(
                    options.connectTimeout()));
        }
    }

    /** Reports a connect that never reached the loop, through the loop if it still runs (one producer of callbacks). */
    private void finishFromOutside(int code, String reason, Throwable error) {
        if (!loop.execute(() -> connection.finish(code, reason, false, error))) {
            connection.finish(code, reason, false, error); // the loop is gone: nothing else can report this connection
        }
    }

    private void register() {
        if (connection.isFinished()) {
            return;
        }
        if (connection.isAborted() || loop.isStopping()) {
            connection.finish(-1, connection.isAborted() ? "connect aborted" : "transport closed", false, null);
            return;
        }
        connectNext();
    }

    /**
     * Starts a TCP connect to the next address the host resolved to; fails the connection once none is left (or the
     * connect timeout has passed). Each address but the last gets an equal share of the time left
     * ({@link AddressResolver#attemptNanos}); the last one has the rest, bounded by the pool's connect deadline.
     */
    private void connectNext() {
        while (true) {
            int left = addresses.size() - nextAddress;
            long remaining = deadline - System.nanoTime();
            if (left == 0 || remaining <= 0) {
                Exception last = left == 0 ? connectFailure : withEarlier(new SocketTimeoutException("connect timed"
                        + " out after trying " + nextAddress + " of " + addresses.size() + " addresses"));
                connection.failed(tunnel != null ? tunnel.unreachable(last) : last);
                return;
            }
            InetSocketAddress a = addresses.get(nextAddress++);
            try {
                tcpPending = connection.openChannel(a);
            } catch (IOException | RuntimeException e) {
                addressFailed(e); // refused at once, or an address family this host lacks: the next one
                continue;
            }
            if (!tcpPending) {
                try {
                    connected();
                } catch (IOException | RuntimeException e) {
                    connection.failed(e);
                }
                return;
            }
            connection.updateInterest();
            if (nextAddress < addresses.size()) {
                int attempt = nextAddress;
                attemptDeadline = loop.deadline(System.nanoTime() + AddressResolver.attemptNanos(remaining, left),
                        () -> attemptTimedOut(attempt));
            }
            return;
        }
    }

    /** The address being connected to failed: its channel goes, the failure is kept for the report. Loop thread. */
    private void addressFailed(Exception e) {
        connectFailure = withEarlier(e);
        connection.dropChannel();
        tcpPending = false;
    }

    private Exception withEarlier(Exception latest) {
        Exception earlier = connectFailure;
        if (earlier != null && earlier != latest) {
            latest.addSuppressed(earlier);
        }
        return latest;
    }

    /** An address's share of the connect timeout passed ({@code attempt}: the index after it). Loop thread. */
    private void attemptTimedOut(int attempt) {
        if (connection.isFinished() || !tcpPending || nextAddress != attempt) {
            return; // connected, failed or moved on meanwhile
        }
        addressFailed(new SocketTimeoutException("connect to " + addresses.get(attempt - 1) + " timed out"));
        connectNext();
    }

    /**
     * OP_CONNECT fired. Loop thread.
     *
     * @throws IOException if the TLS handshake cannot start
     */
    void connectable() throws IOException {
        try {
            if (!connection.channel().finishConnect()) {
                return;
            }
        } catch (IOException e) {
            addressFailed(e);
            connectNext();
            return;
        }
        tcpPending = false;
        connected();
    }

    private void connected() throws IOException {
        if (tunnel != null) {
            tunnelling = true;
            tunnelRequest = tunnel.request();
            tunnelWritable();
        } else {
            throughToEndpoint(null);
        }
    }

    /**
     * Connected to the endpoint, directly or through the proxy: TLS or the upgrade request.
     *
     * @param early bytes that arrived from the endpoint already (after the proxy's answer), or {@code null}
     */
    private void throughToEndpoint(ByteBuffer early) throws IOException {
        TlsSession tls = connection.tls();
        if (tls != null) {
            connection.updateInterest();
            tls.begin(early); // the WebSocket handshake starts once TLS is established
        } else {
            upgrade();
            if (early != null && !connection.isFinished()) {
                connection.decode(early);
            }
        }
    }

    /** The interest while tunnelling: the rest of the request, then the answer. Loop thread. */
    int tunnelInterest() {
        return tunnelRequest != null ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
    }

    /** Writes what is left of the CONNECT request (OP_WRITE, or at once when connected). Loop thread. */
    void tunnelWritable() {
        ByteBuffer request = tunnelRequest;
        if (request != null) {
            try {
                connection.channel().write(request);
            } catch (IOException e) {
                connection.failed(tunnel.failed(e));
                return;
            }
            if (!request.hasRemaining()) {
                java.util.Arrays.fill(request.array(), (byte) 0); // it holds the credentials
                tunnelRequest = null;
            }
        }
        connection.updateInterest();
    }

    /**
     * OP_READ while tunnelling: the proxy's answer, taken up to the end of its head. On {@code 2xx} the connect goes
     * on; whatever came after the head is the endpoint's, and goes to TLS or the engine. Loop thread.
     *
     * @param buffer the loop's shared read buffer
     */
    void tunnelReadable(ByteBuffer buffer) {
        buffer.clear();
        try {
            int n = connection.channel().read(buffer);
            if (n < 0) {
                connection.failed(tunnel.failed(null));
                return;
            }
            buffer.flip();
            if (!tunnel.received(buffer)) {
                return;
            }
        } catch (IOException e) {
            connection.failed(tunnel.failed(e));
            return;
        } catch (ProxyConnectException e) {
            log.debug("connect to {} failed: {}", Endpoint.describe(uri), e.getMessage());
            connection.failed(e);
            return;
        }
        tunnelling = false;
        ByteBuffer early = null;
        if (buffer.hasRemaining()) {
            early = ByteBuffer.allocate(buffer.remaining());
            early.put(buffer).flip();
        }
        try {
            throughToEndpoint(early);
        } catch (IOException | RuntimeException e) {
            connection.failed(e);
        }
    }

    /** TCP (and TLS, if any) is up: send the upgrade request. Loop thread. */
    void upgrade() {
        try {
            connection.engine().startHandshake(handshake);
        } catch (InvalidDataException e) {
            connection.failed(e);
            return;
        }
        sent = handshake;
        handshake = null;
        connection.updateInterest();
    }

    /**
     * Counts bytes of the server's answer to the upgrade request before the engine gets them, and fails the
     * connection once earlier reads passed {@link BoundedDraft#MAX_HANDSHAKE_RESPONSE_BYTES} without completing it.
     * Loop thread.
     *
     * @param bytes the bytes about to be decoded
     * @return whether the engine may decode them
     */
    boolean responseFits(int bytes) {
        if (responseBytes > BoundedDraft.MAX_HANDSHAKE_RESPONSE_BYTES) { // earlier reads did not complete it
            connection.failed(new EndpointConnectException(uri, BoundedDraft.handshakeResponseTooLong(responseBytes),
                    0, null));
            return false;
        }
        responseBytes += bytes;
        return true;
    }
}

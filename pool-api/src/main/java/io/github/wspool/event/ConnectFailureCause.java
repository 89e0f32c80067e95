package io.github.wspool.event;

import io.github.wspool.ConnectionInitializationException;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.ProxyConnectException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Why a connect attempt failed, in a few coarse classes fit for a metric tag ({@code wspool.connect.failures}) or an
 * alert. The pool classifies each failed connect when it reports it ({@link ConnectEvent#failureCause()}), knowing
 * things the exception alone does not say (that its own connect deadline fired, that a fault was on this side);
 * {@link #of(Throwable)} classifies a bare failure from its type and cause chain.
 */
public enum ConnectFailureCause {
    /** The server's host refused the TCP connection (nothing listening on the port). */
    REFUSED("refused"),
    /** The connect (TCP, TLS or the opening handshake) did not finish within {@code connectTimeout}. */
    TIMEOUT("timeout"),
    /** The TLS handshake failed (certificate, protocol, host name verification). */
    TLS("tls"),
    /** The server answered the WebSocket upgrade with an HTTP status other than 101 (401, 403, 503, …). */
    HANDSHAKE_REJECTED("handshake-rejected"),
    /**
     * The HTTP proxy the connect goes through failed: unreachable, it refused {@code CONNECT} (407, 403, 502, …),
     * or did not answer it in time ({@link ProxyConnectException}).
     */
    PROXY("proxy"),
    /** The endpoint's host name did not resolve. */
    DNS("dns"),
    /** A fault on this side: the header supplier failed, no file descriptors or memory, the connect was aborted. */
    LOCAL("local"),
    /** The connection initializer threw, timed out, or the connection closed while it ran. */
    INITIALIZER("initializer"),
    /** Anything else: the connection reset or closed during the handshake, a bad subprotocol, … */
    OTHER("other");

    private static final int MAX_DEPTH = 16;

    private final String tagValue;

    ConnectFailureCause(String tagValue) {
        this.tagValue = tagValue;
    }

    /**
     * A lower-case name for metric tags and logs.
     *
     * @return e.g. {@code handshake-rejected}
     */
    public String tagValue() {
        return tagValue;
    }

    /**
     * Classifies a connect failure from its type and cause chain: a {@link ConnectionInitializationException} is
     * {@link #INITIALIZER}, a {@link ProxyConnectException} {@link #PROXY}, an {@link EndpointConnectException} with
     * an HTTP status {@link #HANDSHAKE_REJECTED};
     * then, the first match along the cause chain: {@link UnknownHostException} {@link #DNS}, {@link SSLException}
     * {@link #TLS}, {@link ConnectException} {@link #REFUSED}, {@link SocketTimeoutException} /
     * {@link TimeoutException} {@link #TIMEOUT}, {@link OutOfMemoryError} or "too many
     * open files" {@link #LOCAL}; else {@link #OTHER}.
     *
     * @param failure the failure, may be {@code null}
     * @return its cause class, {@code null} for a {@code null} failure
     */
    public static ConnectFailureCause of(Throwable failure) {
        if (failure == null) {
            return null;
        }
        if (failure instanceof ConnectionInitializationException) {
            return INITIALIZER;
        }
        if (failure instanceof ProxyConnectException) {
            return PROXY;
        }
        if (failure instanceof EndpointConnectException ece && ece.statusCode() > 0) {
            return HANDSHAKE_REJECTED;
        }
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof UnknownHostException) {
                return DNS;
            }
            if (t instanceof SSLException) {
                return TLS;
            }
            if (t instanceof ConnectException) {
                return REFUSED;
            }
            if (t instanceof SocketTimeoutException || t instanceof TimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof OutOfMemoryError) {
                return LOCAL;
            }
            String m = t.getMessage();
            if (m != null && m.toLowerCase(Locale.ROOT).contains("too many open files")) {
                return LOCAL;
            }
        }
        return OTHER;
    }
}

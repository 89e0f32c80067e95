package io.github.wspool;

import java.net.URI;

/**
 * A connection to an endpoint could not be opened: TCP connect, TLS or the WebSocket opening handshake failed, or
 * the handshake did not finish within the connect timeout.
 *
 * <p>When the server answered the upgrade with an HTTP status other than {@code 101}, {@link #statusCode()} carries
 * it and the message quotes the status line. The cause chain keeps the underlying I/O error.
 */
public class EndpointConnectException extends PoolException {

    private static final long serialVersionUID = 1L;

    private final URI endpoint;
    private final int statusCode;

    /**
     * @param endpoint   the endpoint URI (shown without user-info or query; see {@link Endpoint#describe(URI)})
     * @param detail     what failed, e.g. {@code "HTTP/1.1 401 Unauthorized"} or {@code "Connection refused"}
     * @param statusCode the HTTP status the server answered the upgrade with, or 0 if none
     * @param cause      the underlying failure, may be {@code null}
     */
    public EndpointConnectException(URI endpoint, String detail, int statusCode, Throwable cause) {
        super("Could not connect to " + Endpoint.describe(endpoint) + ": " + detail, cause);
        this.endpoint = endpoint;
        this.statusCode = statusCode;
    }

    /**
     * @return the endpoint that failed
     */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * @return the HTTP status of a rejected upgrade (for example 401 or 503), or 0 when no HTTP response was received
     */
    public int statusCode() {
        return statusCode;
    }
}

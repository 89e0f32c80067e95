package io.github.wspool;

import java.net.URI;

/**
 * A connection to an endpoint could not be opened because the HTTP proxy it goes through failed: the proxy could not
 * be reached, refused the {@code CONNECT} request (for example {@code 407 Proxy Authentication Required} or
 * {@code 403 Forbidden}), did not answer it within the connect timeout, or answered with something that is not an
 * HTTP response.
 *
 * <p>{@link #statusCode()} is the proxy's status when it answered (never the server's: the WebSocket upgrade was not
 * sent), else 0. {@link #proxy()} and the message name the proxy as {@code http://host:port}, never with credentials.
 */
public class ProxyConnectException extends EndpointConnectException {

    private static final long serialVersionUID = 1L;

    private final String proxy;

    /**
     * @param endpoint   the endpoint being connected to
     * @param proxy      the proxy, as {@code http://host:port} (no credentials)
     * @param detail     what failed, naming the proxy, e.g. {@code "proxy http://proxy:3128 refused CONNECT
     *                   example.com:443: HTTP/1.1 403 Forbidden"}
     * @param statusCode the proxy's HTTP status answering {@code CONNECT}, or 0 if it gave none
     * @param cause      the underlying failure, may be {@code null}
     */
    public ProxyConnectException(URI endpoint, String proxy, String detail, int statusCode, Throwable cause) {
        super(endpoint, detail, statusCode, cause);
        this.proxy = proxy;
    }

    /**
     * The proxy that failed.
     *
     * @return {@code http://host:port}, without credentials
     */
    public String proxy() {
        return proxy;
    }

    /**
     * The proxy's answer to {@code CONNECT}.
     *
     * @return its HTTP status (for example 407), or 0 when it gave none (unreachable, no answer, not HTTP)
     */
    @Override
    public int statusCode() {
        return super.statusCode();
    }
}

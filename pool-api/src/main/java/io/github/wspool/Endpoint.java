package io.github.wspool;

import java.net.URI;

/**
 * One server a pool connects to.
 *
 * <p>{@link #uri()} is the URI exactly as the user configured it. The weight is at least 1; strategies that honour
 * weights (for example smooth weighted round-robin) give an endpoint of weight 3 three times the share of one of
 * weight 1.
 */
public interface Endpoint {

    /**
     * The WebSocket URI ({@code ws://} or {@code wss://}) as configured.
     *
     * @return the URI, never {@code null}
     */
    URI uri();

    /**
     * The endpoint's weight for weight-aware strategies.
     *
     * @return a weight of at least 1
     */
    int weight();

    /**
     * A URI fit for logs, messages and metric tags: scheme, host, port and path, without user-info, query or
     * fragment (which may carry credentials or tokens).
     *
     * @param uri the URI
     * @return the redacted form, e.g. {@code ws://127.0.0.1:8080/feed}
     */
    static String describe(URI uri) {
        if (uri == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder();
        if (uri.getScheme() != null) {
            sb.append(uri.getScheme()).append(':');
        }
        if (uri.getHost() != null) {
            sb.append("//").append(uri.getHost());
        }
        if (uri.getPort() >= 0) {
            sb.append(':').append(uri.getPort());
        }
        if (uri.getRawPath() != null) {
            sb.append(uri.getRawPath());
        }
        return sb.toString();
    }
}
